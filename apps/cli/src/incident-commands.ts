import { Command } from 'commander';
import { ApiClient, writeCliConfig } from './api-client';
import { apiClient } from './session';
import type { IncidentDetail } from './simulated-responders';

const collect = (v: string, prev: string[]) => [...prev, v];

/** `--fact invoicesAffected=25000 --fact dataLeaked=false`: numbers and booleans as such. */
export function parseFacts(pairs: string[]): Record<string, unknown> {
  const facts: Record<string, unknown> = {};
  for (const pair of pairs) {
    const i = pair.indexOf('=');
    if (i <= 0) throw new Error(`--fact "${pair}" must be name=value`);
    const raw = pair.slice(i + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // a plain string
    }
    facts[pair.slice(0, i)] = value;
  }
  return facts;
}

const time = (iso: string | null | undefined) => (iso ? new Date(iso).toISOString().replace('T', ' ').slice(0, 19) : '-');

export function printTimeline(d: IncidentDetail, log: (line: string) => void = console.log): void {
  const i = d.incident;
  log(`${i.id}  ${i.mode && i.mode !== 'live' ? `[演练 DRILL ${i.mode}]  ` : ''}${i.planId} v${i.planVersion}  level ${i.level ?? '-'}  ${i.state} (stage ${i.stage})`);
  for (const e of d.timeline) {
    log(`  ${time(e.at)}  ${e.kind.padEnd(24)} ${(e.actor + (e.simulated ? ' [sim]' : '')).padEnd(20)} ${e.message}`);
  }
}

function printTasks(tasks: Array<Record<string, string | null>>): void {
  if (!tasks.length) console.log('no tasks');
  for (const t of tasks) {
    console.log(`${String(t.id).padEnd(44)} ${String(t.state).padEnd(12)} ${String(t.kind).padEnd(9)} team ${String(t.team).padEnd(12)} due ${time(t.deadlineAt)}  ${t.title}`);
  }
}

export function sessionCommands(): Command[] {
  const login = new Command('login')
    .description('remember the API address and your token for later commands')
    .requiredOption('--token <token>', 'a token from `yingji token create`')
    .option('--api <url>', 'the API address', 'http://127.0.0.1:3000')
    .action(async (o: { token: string; api: string }) => {
      const me = await new ApiClient(o.api, o.token).get<unknown[]>('/tasks?mine=true');
      console.log(`saved to ${writeCliConfig({ api: o.api, token: o.token })} (${me.length} task(s) in your inbox)`);
    });

  const incident = new Command('incident').description('launch and steer incidents');
  incident
    .command('launch <planId>')
    .description('launch a published plan for a new incident (commanders)')
    .option('--version <n>', 'plan version (default: the latest)', (v) => Number(v))
    .option('--fact <name=value>', 'a fact the plan classifies by (repeat)', collect, [])
    .option('--time-scale <n>', 'compress every plan duration by this factor (rehearsals)', (v) => Number(v))
    .action(async (planId: string, o: { version?: number; fact: string[]; timeScale?: number }) => {
      const d = await apiClient().post<IncidentDetail>('/incidents', { planId, planVersion: o.version, facts: parseFacts(o.fact), timeScale: o.timeScale });
      printTimeline(d);
    });
  incident
    .command('list')
    .option('--state <state>', 'open | closed | failed')
    .action(async (o: { state?: string }) => {
      const rows = await apiClient().get<Array<Record<string, string>>>(`/incidents${o.state ? `?state=${o.state}` : ''}`);
      for (const r of rows) {
        const drill = r.mode === 'live' ? '' : `[演练 DRILL ${r.mode}] `;
        console.log(`${r.id}  ${String(r.state).padEnd(7)} level ${String(r.level ?? '-').padEnd(4)} ${r.planId} v${r.planVersion}  opened ${time(r.openedAt)}  ${drill}${r.title}`);
      }
    });
  incident
    .command('show <id>')
    .description('an incident with its timeline')
    .action(async (id: string) => printTimeline(await apiClient().get<IncidentDetail>(`/incidents/${id}`)));
  incident
    .command('override <id>')
    .requiredOption('--level <level>', 'I | II | III | IV')
    .requiredOption('--reason <text>', 'why')
    .action(async (id: string, o: { level: string; reason: string }) => {
      const s = await apiClient().post<{ level: string; levelReason: string }>(`/incidents/${id}/override`, o);
      console.log(`level ${s.level}: ${s.levelReason}`);
    });
  incident
    .command('note <id> <text>')
    .action(async (id: string, text: string) => {
      await apiClient().post(`/incidents/${id}/notes`, { text });
      console.log('noted');
    });
  incident
    .command('close <id>')
    .option('--reason <text>')
    .action(async (id: string, o: { reason?: string }) => {
      const s = await apiClient().post<{ stage: string }>(`/incidents/${id}/close`, o);
      console.log(`incident ${id}: ${s.stage}`);
    });

  const tasks = new Command('tasks')
    .description('your tasks (your teams); --all for every task you may see')
    .option('--all', 'not only my teams')
    .option('--state <state>', 'open | acknowledged | failed | done | skipped')
    .action(async (o: { all?: boolean; state?: string }) => {
      const q = new URLSearchParams({ ...(o.all ? {} : { mine: 'true' }), ...(o.state ? { state: o.state } : {}) });
      printTasks(await apiClient().get(`/tasks?${q}`));
    });

  const task = new Command('task').description('act on one task');
  task.command('ack <id>').action(async (id: string) => {
    const t = await apiClient().post<{ state: string }>(`/tasks/${id}/acknowledge`);
    console.log(`${id}: ${t.state}`);
  });
  task
    .command('complete <id>')
    .option('--outcome <text>')
    .option('--note <text>', 'the reason, when completing a failed automated step by hand')
    .option('--check <item>', 'a checklist item done, as written in the plan (repeat)', collect, [])
    .option('--evidence <url>', 'a link to evidence (repeat)', collect, [])
    .option('--fact <name=value>', "a fact the step provides, e.g. suspectedAccounts=wang.wu,li.si (repeat)", collect, [])
    .action(async (id: string, o: { outcome?: string; note?: string; check: string[]; evidence: string[]; fact: string[] }) => {
      const facts = o.fact.length ? parseFacts(o.fact) : undefined;
      const t = await apiClient().post<{ state: string }>(`/tasks/${id}/complete`, { outcome: o.outcome, note: o.note, checklist: o.check, evidence: o.evidence, facts });
      console.log(`${id}: ${t.state}`);
    });
  task.command('decide <id> <option>').option('--note <text>').action(async (id: string, option: string, o: { note?: string }) => {
    const t = await apiClient().post<{ decision: string }>(`/tasks/${id}/decide`, { option, note: o.note });
    console.log(`${id}: decided ${t.decision}`);
  });

  return [login, incident, tasks, task];
}

