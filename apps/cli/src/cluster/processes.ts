// The cluster's processes run detached from whoever started them, each with a pid file and a log
// under the cluster folder, so `cluster up` can start just the ones that died and `cluster down`
// can stop them from another shell.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ClusterLayout } from './layout';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const pidFile = (l: ClusterLayout, name: string) => path.join(l.pidsDir, `${name}.pid`);
export const logFile = (l: ClusterLayout, name: string) => path.join(l.logsDir, `${name}.log`);

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of a running process of the cluster, or undefined (no pid file, or it died). */
export function runningPid(l: ClusterLayout, name: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(pidFile(l, name), 'utf8').trim());
    return pid > 0 && isAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Starts the process unless it runs already; returns its pid and whether it was started now. */
export function ensureProcess(l: ClusterLayout, spec: ProcessSpec): { pid: number; started: boolean } {
  const pid = runningPid(l, spec.name);
  if (pid) return { pid, started: false };
  fs.mkdirSync(l.pidsDir, { recursive: true });
  fs.mkdirSync(l.logsDir, { recursive: true });
  const out = fs.openSync(logFile(l, spec.name), 'a');
  const child = spawn(spec.command, spec.args, { detached: true, stdio: ['ignore', out, out], env: spec.env ?? process.env, cwd: spec.cwd });
  fs.closeSync(out);
  if (!child.pid) throw new Error(`could not start ${spec.name} (${spec.command})`);
  child.unref();
  fs.writeFileSync(pidFile(l, spec.name), `${child.pid}\n`);
  return { pid: child.pid, started: true };
}

/** Sends `signal`; with SIGTERM, waits for the exit and SIGKILLs after `graceMs`. */
export async function stopProcess(l: ClusterLayout, name: string, signal: NodeJS.Signals = 'SIGTERM', graceMs = 20_000): Promise<boolean> {
  const pid = runningPid(l, name);
  if (!pid) {
    fs.rmSync(pidFile(l, name), { force: true });
    return false;
  }
  process.kill(pid, signal);
  const deadline = Date.now() + graceMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
  }
  fs.rmSync(pidFile(l, name), { force: true });
  return true;
}

/** Names of the processes with a pid file, alive or not. */
export function knownProcesses(l: ClusterLayout): string[] {
  try {
    return fs.readdirSync(l.pidsDir).filter((f) => f.endsWith('.pid')).map((f) => f.slice(0, -4)).sort();
  } catch {
    return [];
  }
}
