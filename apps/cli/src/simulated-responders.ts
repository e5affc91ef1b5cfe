// Simulated responders: answer an incident's tasks through the API as each team would, for demos,
// rehearsals and tests. Their tokens are simulated responders' (apps/cli/src/simulation.ts), so every action they take is marked simulated in the timeline.
import type { Plan } from '../../../domain/plan/plan.types';
import { ApiClient } from './api-client';

interface TaskRow {
  id: string;
  stepId: string;
  kind: string;
  title: string;
  team: string;
  ownerRole: string;
  state: string;
  options: string[] | null;
  checklist: string[];
  deadlineAt: string | null;
  failure: string | null;
}

export interface IncidentDetail {
  incident: { id: string; state: string; stage: string; level: string | null; planId: string; planVersion: number; mode?: string };
  steps: Array<{ stepId: string; state: string }>;
  tasks: TaskRow[];
  timeline: Array<{ at: string; kind: string; actor: string; simulated: boolean; message: string; taskId: string | null }>;
  notifications: Array<{ channel: string; status: string; reason: string }>;
  findings: Array<{ text: string; owner: string; due: string }>;
}

export interface RespondOptions {
  /** The commander's client: decides for the commander, completes failed actions by hand, holds the review. */
  commander: ApiClient;
  /** One client per team, calling as a responder of that team. */
  teams: Record<string, ApiClient>;
  incidentId: string;
  /** The option a decision step takes (default: the plan's drill expectation, else the first option). */
  decisions?: Record<string, string>;
  /** Facts a step's owner enters when completing it (its plan's `provides`), by step id. */
  facts?: Record<string, Record<string, unknown>>;
  /** Steps to answer late, in milliseconds after the task appears (to show escalation). */
  late?: Record<string, number>;
  log?: (line: string) => void;
  timeoutMs?: number;
}

/** The options a plan's drill expects its decisions to take. */
export function expectedDecisions(plan: Plan): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of plan.drill?.expect ?? []) if (typeof e.decision === 'string' && typeof e.option === 'string') out[e.decision] = e.option;
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Answers every task as it appears until the incident closes; returns the closed incident. */
export async function respondUntilClosed(o: RespondOptions): Promise<IncidentDetail> {
  const log = o.log ?? (() => undefined);
  const deadline = Date.now() + (o.timeoutMs ?? 10 * 60_000);
  const seenAt = new Map<string, number>();
  const handled = new Set<string>();
  for (;;) {
    const d = await o.commander.get<IncidentDetail>(`/incidents/${o.incidentId}`);
    if (d.incident.state === 'closed') return d;
    if (d.incident.state === 'failed') throw new Error(`incident ${o.incidentId} failed: ${d.timeline.at(-1)?.message}`);
    if (Date.now() > deadline) throw new Error(`incident ${o.incidentId} did not close in time (stage ${d.incident.stage})`);
    for (const t of d.tasks) {
      const key = `${t.id}:${t.state}`;
      if ((t.state !== 'open' && t.state !== 'failed') || handled.has(key)) continue;
      if (!seenAt.has(t.id)) seenAt.set(t.id, Date.now());
      const wait = o.late?.[t.stepId];
      if (wait !== undefined && Date.now() - seenAt.get(t.id)! < wait) continue;
      handled.add(key);
      await answer(o, t, log);
    }
    await sleep(250);
  }
}

async function answer(o: RespondOptions, t: TaskRow, log: (line: string) => void): Promise<void> {
  const team = o.teams[t.team];
  if (t.kind === 'review') {
    // A drill's review accepts every finding the drill raised as an improvement item for its team.
    const drill = o.incidentId.startsWith('drill-')
      ? await o.commander.get<{ findings: Array<{ id: string; stepId?: string; team?: string; text: string }> }>(`/drills/${o.incidentId}`)
      : undefined;
    const findings = drill?.findings.length
      ? drill.findings.map((f) => ({ findingId: f.id, stepId: f.stepId, text: f.text, owner: f.team ?? t.team, due: quarterFromNow() }))
      : [{ text: 'Rehearse this plan again next quarter', owner: t.team, due: quarterFromNow() }];
    log(`  commander holds the review: ${t.title} (${findings.length} improvement item(s) accepted)`);
    await o.commander.post(`/tasks/${t.id}/complete`, { outcome: 'review held', findings });
    return;
  }
  if (t.state === 'failed') {
    log(`  commander completes "${t.title}" by hand (${t.failure})`);
    await o.commander.post(`/tasks/${t.id}/complete`, { outcome: 'done by hand', note: `done by hand by the simulated team: ${t.failure}` });
    return;
  }
  if (t.kind === 'decision') {
    const option = o.decisions?.[t.stepId] ?? t.options?.[0];
    const who = t.ownerRole === 'commander' || !team ? o.commander : team;
    log(`  ${t.ownerRole === 'commander' ? 'commander' : `team ${t.team}`} decides "${t.title}": ${option}`);
    await who.post(`/tasks/${t.id}/decide`, { option });
    return;
  }
  const who = t.ownerRole === 'commander' || !team ? o.commander : team;
  log(`  team ${t.team} completes "${t.title}"`);
  await who.post(`/tasks/${t.id}/acknowledge`, {});
  await who.post(`/tasks/${t.id}/complete`, { outcome: 'done', checklist: t.checklist, facts: o.facts?.[t.stepId] });
}

function quarterFromNow(): string {
  const d = new Date(Date.now() + 90 * 86_400_000);
  return d.toISOString().slice(0, 10);
}
