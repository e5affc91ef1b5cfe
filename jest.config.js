// Two projects: `unit` needs no servers; `integration` gets a real Temporal dev server and
// PostgreSQL cluster started once per run by test/integration/global-setup.ts. A third,
// `after-run`, is run by scripts/test.sh once they are done.
const tsJest = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };
module.exports = {
  // scripts/test.sh runs two files at a time: the slowest start first, whatever jest has cached.
  testSequencer: '<rootDir>/test/slowest-first.js',
  // A test file's servers and workers run inside its jest worker; one grown past this is replaced
  // before the next file, so a late file does not pay for the garbage of the early ones.
  workerIdleMemoryLimit: '1GB',
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform: tsJest,
      testMatch: ['<rootDir>/domain/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts', '<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform: tsJest,
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
      slowTestThreshold: 60,
      setupFilesAfterEnv: ['<rootDir>/test/integration/support/timeouts.ts'],
    },
    {
      // Run by scripts/test.sh after the others: scans every log the run wrote for secrets.
      displayName: 'after-run',
      testEnvironment: 'node',
      transform: tsJest,
      testMatch: ['<rootDir>/test/after-run/**/*.test.ts'],
    },
  ],
};
