// The servers an integration run shares: one Temporal dev server and one PostgreSQL cluster,
// started by global-setup.ts. Test files reach them through these environment variables.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../../apps/shared/config';

export interface TestStackEnv {
  runDir: string;
  temporalCli: string;
  temporalAddress: string;
  pgAdminUrl: string;
  workflowBundlePath: string;
}

const FILE_ENV = 'YINGJI_TEST_STACK';

export function testRunsDir(): string {
  return path.join(PROJECT_ROOT, '.data', 'test-runs');
}

export function writeTestStackEnv(env: TestStackEnv): void {
  const file = path.join(env.runDir, 'stack.json');
  fs.writeFileSync(file, JSON.stringify(env, null, 2));
  process.env[FILE_ENV] = file;
}

export function testStackEnv(): TestStackEnv {
  const file = process.env[FILE_ENV];
  if (!file) throw new Error('integration tests need the global setup (run them through jest --selectProjects integration)');
  return JSON.parse(fs.readFileSync(file, 'utf8')) as TestStackEnv;
}
