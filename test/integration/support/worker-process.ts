import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../../apps/shared/config';
import { keepProcessLog } from '../../after-run/process-logs';
import { recordBackupKeys } from '../../after-run/secrets';

/**
 * The real worker process, as `yingji up` runs it (compiled by `npm run build`). Resolves once it
 * polls; fails with its output if it exits first or does not poll within `timeoutMs`.
 */
export function spawnWorker(env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist/apps/worker/src/main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  // For the after-run log scan: the keys it was given, and everything it prints.
  recordBackupKeys(env);
  keepProcessLog(child, 'worker');
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
