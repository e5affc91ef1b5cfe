import { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DrillScore } from '../../../domain/drill/drill.types';
import type { Plan } from '../../../domain/plan/plan.types';
import { loadConfig, YingjiConfig } from '../../shared/config';
import { ApiClient } from './api-client';
import { apiClient } from './session';
import { expectedDecisions, IncidentDetail, respondUntilClosed } from './simulated-responders';
import { SimulatedPeople, simulatedPeople } from './simulation';
import { readStack } from './stack';

export interface DrillRunOptions {
  mode: 'tabletop' | 'live-drill';
  level?: string;
  timeScale?: number;
  keepSandbox?: boolean;
  unannounced?: boolean;
  /** Answer every task with simulated responders (one per team, or those given), late where `late` says. */
  simulate?: { late?: Record<string, number>; people?: SimulatedPeople };
}

interface DrillView {
  id: string;
  state: string;
  score?: DrillScore;
  findings: Array<{ id: string; text: string }>;
  loss?: { total: number; p0: number; byClass: Record<string, number> };
  facts?: { rtoMs?: number; objectives: { rtoMs?: number; rpoMs?: number }; recoveryEstimated: boolean };
  faults: Array<{ detail: string; at: string }>;
  sandboxState?: string;
  finishedAt?: string | null;
}

const minutes = (ms?: number) => (ms === undefined ? '-' : `${(ms / 60_000).toFixed(1)}m`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The drill is scored when its incident closes; waits for that. */
async function waitScored(api: ApiClient, id: string, timeoutMs: number): Promise<DrillView> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const d = await api.get<DrillView>(`/drills/${id}`);
    if (d.state === 'failed') throw new Error(`drill ${id} failed; see \`yingji incident show ${id}\``);
    if (d.state === 'scored' && d.finishedAt) return d; // scored, and its sandbox (if any) dropped or kept
    if (Date.now() > until) throw new Error(`drill ${id} was not scored in time (state ${d.state})`);
    await sleep(500);
  }
}

/** Runs a drill through the API; with simulation, answers its tasks; prints the score and saves the report. */
export async function runDrill(config: YingjiConfig, apiUrl: string, planId: string, o: DrillRunOptions, log: (line: string) => void = console.log): Promise<{ id: string; drill: DrillView; reportFile: string; reportUrl: string }> {
  const people = o.simulate ? (o.simulate.people ?? (await simulatedPeople(config, apiUrl))) : undefined;
  const commander = people?.commander ?? apiClient();
  const teams = people?.teams ?? {};
  const plan = (await commander.get<{ plan: Plan }>(`/plans/${planId}`)).plan;
  log(`演练 DRILL: ${o.mode === 'tabletop' ? '桌面演练 tabletop' : '实战演练 live'} of ${plan.title} v${plan.version}${o.timeScale && o.timeScale > 1 ? ` (time ×${o.timeScale})` : ''}...`);
  const started = await commander.post<IncidentDetail | { id: string }>('/drills', {
    planId,
    mode: o.mode,
    level: o.level,
    timeScale: o.timeScale,
    keepSandbox: o.keepSandbox,
    unannounced: o.unannounced,
  });
  const id = 'incident' in started ? started.incident.id : started.id;
  log(`Drill ${id} started.`);
  if (!o.simulate) {
    log(`Its tasks go to the teams now. Follow it with \`yingji drill show ${id}\`; the report is at /drills/${id}/report once it closes.`);
    return { id, drill: await commander.get<DrillView>(`/drills/${id}`), reportFile: '', reportUrl: `${apiUrl}/drills/${id}/report` };
  }
  await respondUntilClosed({ commander, teams, incidentId: id, decisions: expectedDecisions(plan), late: o.simulate.late, log, timeoutMs: 20 * 60_000 });
  const drill = await waitScored(commander, id, 5 * 60_000);
  const reportFile = path.join(config.dataDir, 'reports', `${id}.html`);
  fs.mkdirSync(path.dirname(reportFile), { recursive: true });
  fs.writeFileSync(reportFile, await commander.raw(`/drills/${id}/report`));
  printDrill(drill, log);
  return { id, drill, reportFile, reportUrl: `${apiUrl}/drills/${id}/report` };
}

export function printDrill(d: DrillView, log: (line: string) => void = console.log): void {
  if (!d.score) {
    log(`${d.id}: ${d.state}, not scored yet`);
    return;
  }
  log(`${d.id}  得分 Score ${d.score.total} ${d.score.grade}`);
  for (const f of d.faults) log(`  fault ${f.at}: ${f.detail}`);
  if (d.facts) log(`  RTO ${minutes(d.facts.rtoMs)} against ${minutes(d.facts.objectives.rtoMs)}${d.facts.recoveryEstimated ? ' (估算 estimated)' : ''}`);
  if (d.loss) log(`  invoices lost: ${d.loss.total} (P0 ${d.loss.p0})`);
  for (const p of d.score.parts) log(`  ${p.part.padEnd(14)} ${String(p.points).padStart(6)} / ${p.weight}${p.estimated ? ' (estimated)' : ''}`);
  for (const l of d.score.lost) log(`  -${l.points}  ${l.reason}`);
  log(`  ${d.findings.length} finding(s)`);
}

/** `yingji drill ...` */
export function drillCommands(): Command {
  const cmd = new Command('drill').description('run, schedule and read drills (应急演练)');
  cmd
    .command('run <planId>')
    .description('run a published plan as a drill; with --simulate-responders every task is answered and the score is printed')
    .option('--mode <mode>', 'tabletop | live', 'tabletop')
    .option('--level <level>', 'run at this level (I | II | III | IV) instead of classifying the drill facts')
    .option('--time-scale <n>', 'compress every plan duration by this factor', (v) => Number(v))
    .option('--simulate-responders', 'answer every task with a simulated responder per team (needs the local stack)')
    .option('--keep-sandbox', 'live drills: keep the sandbox database for inspection')
    .option('--unannounced', 'tell only commanders and management')
    .action(async (planId: string, o: { mode: string; level?: string; timeScale?: number; simulateResponders?: boolean; keepSandbox?: boolean; unannounced?: boolean }) => {
      if (!['tabletop', 'live'].includes(o.mode)) throw new Error(`--mode must be tabletop or live, not "${o.mode}"`);
      const config = loadConfig();
      const apiUrl = process.env.YINGJI_API_URL || readStack(config)?.api || `http://127.0.0.1:${config.apiPort}`;
      const r = await runDrill(config, apiUrl, planId, {
        mode: o.mode === 'live' ? 'live-drill' : 'tabletop',
        level: o.level,
        timeScale: o.timeScale,
        keepSandbox: o.keepSandbox,
        unannounced: o.unannounced,
        simulate: o.simulateResponders ? {} : undefined,
      });
      if (r.reportFile) console.log(`report: ${r.reportFile}\n        ${r.reportUrl}`);
    });
  cmd
    .command('list')
    .option('--plan <planId>')
    .action(async (o: { plan?: string }) => {
      const rows = await apiClient().get<Array<Record<string, string | number | null>>>(`/drills${o.plan ? `?planId=${encodeURIComponent(o.plan)}` : ''}`);
      for (const r of rows) console.log(`${r.id}  ${String(r.mode).padEnd(10)} ${String(r.state).padEnd(8)} ${r.planId} v${r.planVersion}  score ${r.score ?? '-'} ${r.grade ?? ''}  started ${r.startedAt}`);
    });
  cmd.command('show <id>').action(async (id: string) => printDrill(await apiClient().get<DrillView>(`/drills/${id}`)));
  cmd
    .command('report <id>')
    .description('save the report: html (default), json or pdf')
    .option('--format <format>', 'html | json | pdf', 'html')
    .option('--out <file>', 'where to write it (default: .data/reports/<id>.<format>)')
    .action(async (id: string, o: { format: string; out?: string }) => {
      const out = o.out ?? path.join(loadConfig().dataDir, 'reports', `${id}.${o.format}`);
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, await apiClient().raw(`/drills/${id}/report?format=${encodeURIComponent(o.format)}`));
      console.log(out);
    });
  cmd
    .command('schedule <planId>')
    .description('start this drill on a schedule (Temporal Schedule); --unannounced tells only commanders and management')
    .requiredOption('--cron <expr>', 'five-field cron, UTC, e.g. "0 9 * * 1"')
    .option('--mode <mode>', 'tabletop | live', 'tabletop')
    .option('--unannounced')
    .option('--jitter <minutes>', 'start up to this many minutes after the cron time', (v) => Number(v))
    .option('--time-scale <n>', 'compress plan durations', (v) => Number(v))
    .action(async (planId: string, o: { cron: string; mode: string; unannounced?: boolean; jitter?: number; timeScale?: number }) => {
      const r = await apiClient().post<{ scheduleId: string }>('/drill-schedules', {
        planId,
        cron: o.cron,
        mode: o.mode === 'live' ? 'live-drill' : 'tabletop',
        unannounced: o.unannounced,
        jitterMinutes: o.jitter,
        timeScale: o.timeScale,
      });
      console.log(`scheduled: ${r.scheduleId}`);
    });
  cmd.command('schedules').action(async () => {
    for (const s of await apiClient().get<Array<{ scheduleId: string; nextActionTimes: string[] }>>('/drill-schedules')) console.log(`${s.scheduleId}  next ${s.nextActionTimes[0] ?? '-'}`);
  });
  return cmd;
}
