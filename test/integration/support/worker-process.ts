import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../../apps/shared/config';

/** The real worker process, as `yingji up` runs it (compiled by `npm run build`). Resolves once it polls. */
export function spawnWorker(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist/apps/worker/src/main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (b: Buffer) => {
      output += b.toString();
      if (output.includes('worker: polling')) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before polling:\n${output}`)));
  });
}

export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}
