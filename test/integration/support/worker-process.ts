import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../../apps/shared/config';
import { recordBackupKeys } from '../../after-run/secrets';

/**
 * The real worker process, as `yingji up` runs it (compiled by `npm run build`). Resolves once it
 * polls; fails with its output if it exits first or does not poll within `timeoutMs`.
 */
export function spawnWorker(env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist/apps/worker/src/main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  keepLog(child, env);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker did not start polling within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (b: Buffer) => {
      output += b.toString();
      if (output.includes('worker: polling')) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code}) before polling:\n${output}`));
    });
  });
}

export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}

/** Under scripts/test.sh the worker's whole output goes to the run's log folder (scanned for secrets after the run). */
function keepLog(child: ChildProcess, env: NodeJS.ProcessEnv): void {
  recordBackupKeys(env);
  const dir = process.env.YINGJI_TEST_LOG_DIR;
  if (!dir) return;
  fs.mkdirSync(path.join(dir, 'workers'), { recursive: true });
  const log = fs.createWriteStream(path.join(dir, 'workers', `worker-${child.pid}.log`), { flags: 'a' });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  child.once('close', () => log.end());
}
