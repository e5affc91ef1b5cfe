// scheduledDrill: what a drill schedule starts. It picks the plan's latest published version at that
// moment and runs it as a drill (emergencyPlan in tabletop or live-drill mode) under a drill id.
import { executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { Level } from '../domain/plan/plan.types';
import { emergencyPlan } from './emergency-plan.workflow';

export interface ScheduledDrillInput {
  planId: string;
  mode: 'tabletop' | 'live-drill';
  level?: Level;
  timeScale?: number;
  keepSandbox?: boolean;
  unannounced?: boolean;
  /** Who created the schedule: the drill is launched in their name. */
  scheduledBy: string;
}

const lookup = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 5 } });

export async function scheduledDrill(input: ScheduledDrillInput): Promise<string> {
  const plan = await lookup.loadDrillPlan({ planId: input.planId });
  // Schedules name their runs `<schedule id>-<time>`: the drill id keeps that time, so it is unique.
  const drillId = `drill-${workflowInfo().workflowId.replace(/^drill-schedule-/, '').toLowerCase()}`.slice(0, 80);
  await executeChild(emergencyPlan, {
    workflowId: drillId,
    args: [
      {
        incidentId: drillId,
        plan,
        facts: plan.drill?.facts ?? {},
        mode: input.mode,
        launchedBy: `${input.scheduledBy} (schedule)`,
        timeScale: input.timeScale ?? 1,
        level: input.level,
        drill: { unannounced: input.unannounced ?? false, keepSandbox: input.keepSandbox ?? false },
      },
    ],
  });
  return drillId;
}
