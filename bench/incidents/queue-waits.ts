// Where a run waited on the worker rather than on work: read from the incidents' own histories, how
// long each workflow task and activity sat scheduled before a worker started it, and how many
// workflow tasks timed out (started, not finished within 10 s: a worker with too much at once).
// The same read gives each history's cost (costs.ts), so the histories are fetched once.
import type { Client } from '@temporalio/client';
import { inPool } from './contenders';
import { HistoryCost, historyCost } from './costs';
import { percentile } from './measure';

export interface QueueWaits {
  workflowTaskTimeouts: number;
  /** ms from scheduled to started, one per workflow task / activity. */
  workflowTasks: number[];
  activities: number[];
  /** One per workflow read. */
  costs: HistoryCost[];
}

type Stamp = { seconds?: unknown; nanos?: number | null } | null | undefined;
const ms = (t: Stamp) => Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);

export async function queueWaits(client: Client, label: string, workflowIds: string[]): Promise<QueueWaits> {
  const out: QueueWaits = { workflowTaskTimeouts: 0, workflowTasks: [], activities: [], costs: [] };
  await inPool(`${label}: read histories`, workflowIds, 10, async (id) => {
    const history = await client.workflow.getHandle(id).fetchHistory();
    out.costs.push(historyCost(history));
    const { events } = history;
    const scheduledAt = new Map<number, number>();
    for (const e of events ?? []) {
      const at = ms(e.eventTime);
      if (e.workflowTaskScheduledEventAttributes || e.activityTaskScheduledEventAttributes) scheduledAt.set(Number(e.eventId), at);
      const wft = e.workflowTaskStartedEventAttributes;
      if (wft) out.workflowTasks.push(at - (scheduledAt.get(Number(wft.scheduledEventId)) ?? at));
      const act = e.activityTaskStartedEventAttributes;
      if (act) out.activities.push(at - (scheduledAt.get(Number(act.scheduledEventId)) ?? at));
      if (e.workflowTaskTimedOutEventAttributes) out.workflowTaskTimeouts++;
    }
  });
  return out;
}

/** One line: timeouts, and p99 / max of each wait. */
export function describeWaits(w: QueueWaits): string {
  const of = (xs: number[]) => (xs.length ? `p99 ${percentile(xs, 99).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms` : 'none');
  return `${w.workflowTaskTimeouts} workflow task timeouts; waiting for a worker: workflow tasks ${of(w.workflowTasks)}; activities ${of(w.activities)}`;
}
