import { Command } from 'commander';
import { apiClient } from './session';

interface RoutineTaskRow {
  id: string;
  kind: string;
  team: string;
  title: string;
  state: string;
  openedAt: string;
  dueAt: string | null;
  closedAt: string | null;
  closedBy: string | null;
  outcome: string | null;
  detail: Record<string, unknown>;
}

const when = (s: string | null) => (s ? s.slice(0, 16).replace('T', ' ') : '-');

/** One line a task: when, state, team, id, title (and the outcome once closed). */
export function printRoutineTasks(rows: RoutineTaskRow[]): void {
  if (rows.length === 0) {
    console.log('no routine tasks');
    return;
  }
  for (const t of rows) {
    const state = t.state === 'open' ? `open, due ${when(t.dueAt)}` : `closed ${when(t.closedAt)} by ${t.closedBy}: ${t.outcome}`;
    console.log(`${when(t.openedAt)}  ${t.id}  ${t.team.padEnd(12)} ${t.kind.padEnd(16)} ${t.title}  [${state}]`);
  }
}

/** `yingji routine-tasks`: the routine tasks (例行任务) of your teams, through the API as you. */
export function routineTaskCommands(): Command {
  const cmd = new Command('routine-tasks')
    .description("routine tasks (例行任务): your teams' work outside any incident, such as the access review for security (auditors and admins: every team's)")
    .option('--open', 'only the open ones')
    .option('--json', 'print them as JSON')
    .action(async (o: { open?: boolean; json?: boolean }) => {
      const rows = await apiClient().get<RoutineTaskRow[]>(`/routine-tasks${o.open ? '?state=open' : ''}`);
      if (o.json) console.log(JSON.stringify(rows, null, 2));
      else printRoutineTasks(rows);
    });
  cmd
    .command('show <id>')
    .description('one routine task with its detail')
    .action(async (id: string) => {
      const t = await apiClient().get<RoutineTaskRow>(`/routine-tasks/${encodeURIComponent(id)}`);
      printRoutineTasks([t]);
      console.log(JSON.stringify(t.detail, null, 2));
    });
  return cmd;
}
