import { Command } from 'commander';
import { redactUrl } from '../../shared/config';
import { apiAddress, clusterLayout, frontendAddress, serverUrl } from './cluster/layout';
import { clusterDown, clusterStatus, clusterUp } from './cluster/cluster';

const log = (line: string) => console.log(line);

/** `yingji cluster up|down|status`: the multi-process Temporal cluster with several workers and APIs. */
export function clusterCommands(): Command {
  const cmd = new Command('cluster').description(
    "a real Temporal cluster on this machine (frontend, history, matching and worker services on PostgreSQL), with several workers and APIs behind haproxy (YINGJI_CLUSTER_* settings)",
  );
  cmd
    .command('up')
    .description('start what is not running (after a crash: just the dead processes); returns once the API address serves')
    .action(async () => {
      const l = clusterLayout();
      await clusterUp(l, log);
      printAddresses(l);
    });
  cmd
    .command('down')
    .description('stop every process of the cluster (and its own PostgreSQL)')
    .action(async () => clusterDown(clusterLayout(), log));
  cmd
    .command('status')
    .description('each process with its pid (or "down") and log; exit 3 when any is down')
    .action(() => {
      const l = clusterLayout();
      const rows = clusterStatus(l);
      for (const r of rows) log(`  ${r.name.padEnd(18)} ${r.pid ? `pid ${r.pid}`.padEnd(12) : 'down'.padEnd(12)} ${r.log}`);
      printAddresses(l);
      if (rows.some((r) => !r.pid)) process.exitCode = 3;
    });
  return cmd;
}

function printAddresses(l: ReturnType<typeof clusterLayout>): void {
  log(`  API          ${apiAddress(l)}   (haproxy over ${l.apis} API processes; YINGJI_API_URL=${apiAddress(l)})`);
  log(`  Temporal     ${frontendAddress(l)}   (namespace ${l.namespace}; ${l.workers} Yingji workers)`);
  const db = redactUrl(l.databaseUrl ?? serverUrl(l, l.yingjiDb));
  log(`  PostgreSQL   ${db}   (tokens: DATABASE_URL=${db} yingji token create ...)`);
  log(`  logs         ${l.logsDir}`);
}
