import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { isPortOpen, waitFor } from './ports';
import { stopChild } from './postgres';

export interface TemporalServer {
  process: ChildProcess;
  address: string;
  uiPort?: number;
  stop(): Promise<void>;
}

/**
 * `temporal server start-dev` on loopback, its state in a SQLite file so workflows survive a
 * restart of the server.
 */
export async function startTemporalDevServer(opts: {
  cli: string;
  dbFile: string;
  port: number;
  uiPort?: number;
  logFile: string;
  namespace?: string;
}): Promise<TemporalServer> {
  fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const log = fs.openSync(opts.logFile, 'a');
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(opts.port),
    '--db-filename', opts.dbFile,
    '--log-level', 'warn',
    '--namespace', opts.namespace ?? 'default',
  ];
  if (opts.uiPort) args.push('--ui-ip', '127.0.0.1', '--ui-port', String(opts.uiPort));
  else args.push('--headless');
  const child = spawn(opts.cli, args, { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const server: TemporalServer = {
    process: child,
    address: `127.0.0.1:${opts.port}`,
    uiPort: opts.uiPort,
    stop: () => stopChild(child, 'SIGTERM', 20_000),
  };
  const what = `Temporal dev server on port ${opts.port} (log: ${opts.logFile})`;
  await waitFor(what, () => isPortOpen(opts.port), 90_000, child);
  await waitFor(what, () => temporalReady(server.address, opts.namespace ?? 'default'), 60_000, child);
  return server;
}

/** True once the frontend answers for the namespace (the port opens before that). */
export async function temporalReady(address: string, namespace: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 2000 });
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}
