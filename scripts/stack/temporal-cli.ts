import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The Temporal CLI release the project is tested with (newest tag `go install` accepts). */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const MODULE = 'github.com/temporalio/cli/cmd/temporal';

/** A shared per-user cache, so a second clone on the same machine reuses the build. */
function userCacheBinary(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'yingji', 'tools', `temporal-${TEMPORAL_CLI_VERSION}`);
}

function isRunnable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return spawnSync(file, ['--version'], { stdio: 'ignore', timeout: 30_000 }).status === 0;
  } catch {
    return false;
  }
}

/**
 * Returns the path of a working `temporal` binary: TEMPORAL_CLI if given, else the project's
 * tools folder, else the user cache, else builds it with `go install` (takes minutes once).
 */
export function ensureTemporalCli(toolsDir: string, log: (line: string) => void = console.log): string {
  const given = process.env.TEMPORAL_CLI;
  if (given) {
    if (!isRunnable(given)) throw new Error(`TEMPORAL_CLI=${given} is not a runnable temporal binary`);
    return given;
  }
  const local = path.join(toolsDir, 'bin', 'temporal');
  if (isRunnable(local)) return local;

  const cached = userCacheBinary();
  fs.mkdirSync(path.dirname(local), { recursive: true });
  if (isRunnable(cached)) {
    fs.copyFileSync(cached, local);
    fs.chmodSync(local, 0o755);
    log(`Temporal CLI ${TEMPORAL_CLI_VERSION}: reused the build in ${cached}`);
    return local;
  }

  log(`Temporal CLI ${TEMPORAL_CLI_VERSION}: building with go install (a few minutes, once per machine)...`);
  const env = {
    ...process.env,
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: '0',
    GOBIN: path.dirname(local),
    GOFLAGS: '-mod=mod',
  };
  const build = (extra: NodeJS.ProcessEnv) =>
    spawnSync('go', ['install', `${MODULE}@${TEMPORAL_CLI_VERSION}`], { env: { ...env, ...extra }, stdio: 'inherit' });
  let result = build({});
  if (result.status !== 0) {
    log('go install failed; retrying once without the checksum database (GOSUMDB=off)...');
    result = build({ GOSUMDB: 'off' });
  }
  if (result.error) throw new Error(`could not run go: ${result.error.message}`);
  if (result.status !== 0 || !isRunnable(local)) {
    throw new Error(`go install ${MODULE}@${TEMPORAL_CLI_VERSION} failed (exit ${result.status})`);
  }
  try {
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    fs.copyFileSync(local, cached);
    fs.chmodSync(cached, 0o755);
  } catch {
    // The cache only saves time later; a read-only home is fine.
  }
  log(`Temporal CLI ${TEMPORAL_CLI_VERSION}: built into ${local}`);
  return local;
}
