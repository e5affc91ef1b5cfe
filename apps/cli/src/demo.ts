import type { Plan } from '../../../domain/plan/plan.types';
import { Client } from 'pg';
import { takeBackup } from '../../../activities/backup/take-backup';
import { prepareInvoiceDatabase } from '../../../activities/invoices/database';
import { generateInvoices } from '../../../activities/invoices/generate';
import { issueInvoices } from '../../../activities/invoices/issuing';
import { backupDeps } from '../../shared/backups';
import type { YingjiConfig } from '../../shared/config';
import { createDataSource } from '../../../migrations/data-source';
import { printTimeline } from './incident-commands';
import { expectedDecisions, respondUntilClosed } from './simulated-responders';
import { simulatedPeople } from './simulation';
import { tellMissingInvoiceStory } from './demo-missing-invoice';
import { runDrill } from './drill-commands';
import { printAddresses, startDetached } from './stack';

/** Plan minutes run as seconds, so the demo shows real deadlines and an escalation in about a minute. */
const TIME_SCALE = 60;

/** Demo invoices, a full backup of them, then the "crash": every invoice gone from the table. */
async function crashTheInvoiceDatabase(config: YingjiConfig, log: (line: string) => void): Promise<number> {
  const url = config.invoiceDatabaseUrl;
  await prepareInvoiceDatabase(url);
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    let count = Number((await db.query(`SELECT count(*) AS n FROM invoices`)).rows[0].n);
    if (count === 0) {
      log('Generating 100,000 demo invoices...');
      count = (await generateInvoices(url, { count: 100_000 })).rows;
    }
    const catalog = createDataSource(config.databaseUrl);
    await catalog.initialize();
    try {
      const full = await takeBackup(backupDeps(config, catalog), { kind: 'full', by: 'yingji demo' });
      log(`Full backup ${full.id} of ${count} invoices taken.`);
    } finally {
      await catalog.destroy();
    }
    await db.query('TRUNCATE invoices');
    log(`Simulated crash: all ${count} invoices removed from the invoice database (the plan's restore step brings them back).`);
    return count;
  } finally {
    await db.end();
  }
}

/**
 * Brings the stack up (in the background) and runs 发票数据库崩溃 at level II with simulated
 * responders: one team answers late, so its task escalates. Prints the timeline. Then runs the same
 * plan as a live drill against a sandbox copy and prints its score and the report's path.
 */
export async function runDemo(config: YingjiConfig, log: (line: string) => void): Promise<void> {
  const info = await startDetached(config, log);
  const lost = await crashTheInvoiceDatabase(config, log);
  const people = await simulatedPeople(config, info.api);
  const { commander, teams } = people;

  const plan = (await commander.get<{ plan: Plan }>('/plans/einvoice-db-crash')).plan;
  const facts = { invoicesAffected: 25000, outageMinutes: 20, dataLeaked: false };
  log(`Launching ${plan.title} v${plan.version} with ${JSON.stringify(facts)} (time compressed ×${TIME_SCALE}: a plan minute takes a second)...`);
  const launched = await commander.post<{ incident: { id: string } }>('/incidents', { planId: plan.id, facts, timeScale: TIME_SCALE });
  const id = launched.incident.id;
  // The app team answers "test-issuing" after 20 s: past its 15-minute (15 s) deadline, so it escalates.
  const done = await respondUntilClosed({ commander, teams, incidentId: id, decisions: expectedDecisions(plan), late: { 'test-issuing': 20_000 }, log, timeoutMs: 5 * 60_000 });

  log('');
  printTimeline(done, log);
  const escalations = done.timeline.filter((e) => e.kind === 'task.escalated').length;
  const byStatus = done.notifications.reduce<Record<string, number>>((acc, n) => ({ ...acc, [n.status]: (acc[n.status] ?? 0) + 1 }), {});
  log('');
  log(`Level ${done.incident.level}, ${done.steps.length} steps, ${escalations} escalation(s), notifications ${JSON.stringify(byStatus)}, ${done.findings.length} review finding(s).`);
  const restored = done.steps.find((x) => x.stepId === 'restore-invoices') as { outcome?: string } | undefined;
  log(`Invoices lost in the crash: ${lost}. Restore step: ${restored?.outcome ?? 'did not run'}.`);
  const byHand = done.timeline.filter((e) => e.kind === 'task.failed').length;
  log(byHand ? `${byHand} automated step(s) failed loudly and the commander completed them by hand; see the timeline.` : 'Every automated step did its work itself; none was completed by hand.');

  // Business resumes: new invoices are issued after the last backup. The live drill then shows what a
  // second crash right now would cost: its sandbox loses exactly these.
  log('');
  const issued = await issueInvoices(config.invoiceDatabaseUrl, { count: 25 });
  log(`Issuing reopened: ${issued.issued} new invoices since the last backup (yingji invoices issue; the sync schedule uploads them).`);
  log('Now the same plan as a live drill (实战演练): a sandbox copy of the invoices loses its table, the plan restores it, and the drill is scored.');
  const drill = await runDrill(config, info.api, plan.id, { mode: 'live-drill', timeScale: TIME_SCALE, simulate: { late: { 'test-issuing': 20_000 }, people } }, log);
  log(`Drill report (HTML, open in a browser): ${drill.reportFile}`);
  log(`                 from the API: ${drill.reportUrl} (also ?format=json, ?format=pdf)`);

  await tellMissingInvoiceStory(config, people, TIME_SCALE, log);
  log('');
  log('The stack keeps running:');
  printAddresses(info, log);
  log(`Your commander token for the next 2 hours: export YINGJI_TOKEN=${people.commanderToken}`);
  log('`node bin/yingji.js incident list`, `node bin/yingji.js status`; `node bin/yingji.js down` stops the stack.');
  if (info.console) log(`Open the console and sign in with that token: ${info.console}`);
}
