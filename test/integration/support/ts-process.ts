// A project entry point (e.g. apps/tax-platform/src/main.ts) run as its own process with ts-node,
// its output collected, for tests of the stack's processes.
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../../apps/shared/config';
import { keepProcessLog } from '../../after-run/process-logs';

const TS_NODE = path.join(PROJECT_ROOT, 'node_modules/.bin/ts-node-transpile-only');

export function runMain(main: string, env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(TS_NODE, [path.join(PROJECT_ROOT, main)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  keepProcessLog(child, path.basename(main, '.ts'));
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  return { child, output: () => out, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
}
