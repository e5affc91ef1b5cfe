// The drill report (drills-and-scoring.md "The report"): the recorded facts, the score and the
// findings of one drill, the improvement items accepted in its review, and earlier drills of the same
// plan for the trend. Pure: no clock, no I/O; `generatedAt` is passed in by whoever builds it.
import type { DrillFacts, DrillFinding, DrillScore, DrillStepFacts } from './drill.types';
import { planElapsed, stepTiming } from './measure';

export interface DrillReport {
  drill: DrillFacts;
  score: DrillScore;
  findings: DrillFinding[];
  /** Findings the commander accepted as improvement items in the review (复盘). */
  acceptedFindings?: Array<{ findingId?: string; text: string; owner: string; due: string }>;
  /** Earlier drills of the same plan, oldest first, this drill last. */
  trend: Array<{ drillId: string; startedAt: string; score: number; grade: string; rtoMs?: number; lostInvoices?: number }>;
  generatedAt: string;
}

export interface TeamRow {
  team: string;
  /** Required steps the team owned in this drill. */
  tasks: number;
  /** Done within the step's deadline (plan time), or done with no deadline. */
  onTime: number;
  /** Done, but after the deadline. */
  late: number;
  /** Not done when the drill ended (still running, failed, never started or skipped). */
  notDone: number;
  /** Median plan-time response (acknowledged, else finished, minus started) over steps that responded. */
  medianResponseMs?: number;
}

/** How a step ended against its deadline: `on-time`, `late` (done after it), or `not-done`. */
export function stepTimeliness(facts: DrillFacts, step: DrillStepFacts): 'on-time' | 'late' | 'not-done' {
  if (step.state !== 'done') return 'not-done';
  // The scoring's own timing; done without a deadline, or without recorded times, nothing says it was late.
  const status = stepTiming(facts, step)?.status;
  return status === 'late' || status === 'very-late' ? 'late' : 'on-time';
}

/** Plan-time response of a step: acknowledged (else finished) minus started. */
export function stepResponseMs(facts: DrillFacts, step: DrillStepFacts): number | undefined {
  const response = planElapsed(facts, step.startedAt, step.acknowledgedAt ?? step.finishedAt);
  return response === undefined || response < 0 ? undefined : response;
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * One row per team that owned a required step, in the order teams first appear in the plan. Steps
 * off the drill's path (not required) and steps without a team (notifications) are left out.
 */
export function teamTable(facts: DrillFacts): TeamRow[] {
  const rows = new Map<string, { row: TeamRow; responses: number[] }>();
  for (const step of facts.steps) {
    if (!step.required || !step.team) continue;
    let entry = rows.get(step.team);
    if (!entry) {
      entry = { row: { team: step.team, tasks: 0, onTime: 0, late: 0, notDone: 0 }, responses: [] };
      rows.set(step.team, entry);
    }
    entry.row.tasks += 1;
    const timeliness = stepTimeliness(facts, step);
    if (timeliness === 'on-time') entry.row.onTime += 1;
    else if (timeliness === 'late') entry.row.late += 1;
    else entry.row.notDone += 1;
    const response = stepResponseMs(facts, step);
    if (response !== undefined) entry.responses.push(response);
  }
  return [...rows.values()].map(({ row, responses }) => {
    const medianResponseMs = median(responses);
    return medianResponseMs === undefined ? row : { ...row, medianResponseMs };
  });
}
