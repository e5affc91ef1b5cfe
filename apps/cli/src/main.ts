// yingji: the command line of Yingji 应急.
import 'reflect-metadata';
import { Command } from 'commander';
import { loadConfig } from '../../shared/config';
import { runMigrations } from '../../../migrations/data-source';
import { ensureTemporalCli } from '../../../scripts/stack/temporal-cli';
import { ApiClient } from './api-client';
import { runDemo } from './demo';
import { sessionCommands } from './incident-commands';
import { invoiceCommands } from './invoice-commands';
import { backupCommands, recoveryTestCommand, restoreCommand } from './backup-commands';
import { planCommands } from './plan-commands';
import { drillCommands } from './drill-commands';
import { evidenceCommands } from './evidence-commands';
import { imCommands } from './im-commands';
import { mailCommands } from './mail-commands';
import { smsCommands } from './sms-commands';
import { tokenCommands } from './token-commands';
import { accessCommands } from './access-commands';
import { complianceCommands } from './compliance-commands';
import { auditCommands } from './audit-commands';
import { routineTaskCommands } from './routine-task-commands';
import { clusterCommands } from './cluster-commands';
import { printAddresses, readStack, runStack, startDetached, stopDetached } from './stack';

const log = (line: string) => console.log(line);

function fail(err: unknown): never {
  console.error(`yingji: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

const program = new Command('yingji').description('Yingji 应急: emergency plans that run, drilled and scored').showHelpAfterError();

program
  .command('setup')
  .description('install what the embedded stack needs (the Temporal CLI into .tools/)')
  .action(() => {
    const config = loadConfig();
    if (config.temporal.external) log(`TEMPORAL_ADDRESS=${config.temporal.address}: no Temporal CLI needed`);
    else log(`temporal: ${ensureTemporalCli(config.toolsDir, log)}`);
  });

program
  .command('up')
  .description('start Temporal, PostgreSQL, the worker and the API (foreground; Ctrl-C stops all)')
  .option('-d, --detach', 'run in the background and return once it is serving')
  .option('--monitoring', "also run Debian's Prometheus, Alertmanager, node_exporter and postgres_exporter on the invoice database (rules in monitoring/; alerts go to the API's intake)")
  .action(async (opts: { detach?: boolean; monitoring?: boolean }) => {
    const config = loadConfig();
    if (opts.detach) {
      const info = await startDetached(config, log, { monitoring: opts.monitoring });
      log('The stack is running:');
      printAddresses(info, log);
      return;
    }
    await runStack(config, log, { monitoring: opts.monitoring });
  });

program
  .command('down')
  .description('stop a stack started with `up --detach`')
  .action(async () => {
    log((await stopDetached(loadConfig())) ? 'stopped' : 'the stack is not running');
  });

program
  .command('status')
  .description('whether the stack runs, its addresses and health')
  .action(async () => {
    const info = readStack(loadConfig());
    if (!info) {
      log('the stack is not running (`yingji up` starts it)');
      process.exitCode = 3;
      return;
    }
    log(`running since ${info.startedAt} (pid ${info.pid})`);
    printAddresses(info, log);
    log(`health: ${JSON.stringify(await new ApiClient(info.api).health())}`);
  });

program
  .command('migrate')
  .description('apply pending database migrations')
  .action(async () => {
    const ran = await runMigrations(loadConfig().databaseUrl);
    log(ran.length ? `applied: ${ran.join(', ')}` : 'the schema is up to date');
  });

program
  .command('demo')
  .description('bring the stack up and run einvoice-db-crash at level II with simulated responders and an escalation')
  .action(async () => runDemo(loadConfig(), log));

program.addCommand(planCommands());
program.addCommand(tokenCommands());
program.addCommand(accessCommands());
program.addCommand(complianceCommands());
program.addCommand(auditCommands());
program.addCommand(routineTaskCommands());
program.addCommand(invoiceCommands());
program.addCommand(backupCommands());
program.addCommand(restoreCommand());
program.addCommand(recoveryTestCommand());
program.addCommand(drillCommands());
program.addCommand(evidenceCommands());
program.addCommand(mailCommands());
program.addCommand(smsCommands());
program.addCommand(imCommands());
program.addCommand(clusterCommands());
for (const c of sessionCommands()) program.addCommand(c);

program.parseAsync(process.argv).catch(fail);
