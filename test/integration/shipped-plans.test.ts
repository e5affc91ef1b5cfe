import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiClient } from '../../apps/cli/src/api-client';
import { expectedDecisions, respondUntilClosed } from '../../apps/cli/src/simulated-responders';
import { PROJECT_ROOT } from '../../apps/shared/config';
import { parsePlan } from '../../domain/plan/parse-plan';
import type { Plan } from '../../domain/plan/plan.types';
import { Harness, workflowCompleted } from './support/harness';
import { EinvoiceWorld, responders, startEinvoiceWorld } from './support/einvoice-world';
import { recordHistory } from './support/histories';

const planFiles = fs.readdirSync(path.join(PROJECT_ROOT, 'plans')).filter((f) => /\.yaml$/.test(f) && !f.startsWith('teams'));

// Every shipped plan runs to `closed` through the HTTP API, each team answering with its own token.
describe('every shipped plan runs to closed through the API', () => {
  let world: EinvoiceWorld;
  let h: Harness;
  let commander: ApiClient;
  let teams: Record<string, ApiClient>;
  // The plans' actions work on a real (empty) invoice database and the real simulator of their own.
  beforeAll(async () => {
    world = await startEinvoiceWorld('shipped');
    h = world.h;
    for (const f of planFiles) await h.publishPlan(f);
    ({ commander, teams } = await responders(h, { commanderTeams: ['it-ops'], simulated: true }));
  });
  afterAll(() => world?.close());

  it.each(planFiles)('%s', async (file) => {
    const parsed = parsePlan(fs.readFileSync(path.join(PROJECT_ROOT, 'plans', file), 'utf8'), { file, env: {} });
    if (!parsed.ok) throw new Error(`${file} does not parse`);
    const plan: Plan = parsed.plan;
    const launched = await commander.post<{ incident: { id: string } }>('/incidents', { planId: plan.id, facts: plan.drill?.facts ?? {} });
    const id = launched.incident.id;
    const done = await respondUntilClosed({ commander, teams, incidentId: id, decisions: expectedDecisions(plan), timeoutMs: 90_000 });

    expect(done.incident).toMatchObject({ state: 'closed', stage: 'closed', planId: plan.id, planVersion: plan.version });
    // Every step of the plan ends done or skipped, and the timeline says so with who and when.
    const finalKinds = new Map(done.timeline.filter((e) => e.kind === 'step.done' || e.kind === 'step.skipped').map((e) => [e.message, e]));
    expect(done.steps.map((s) => s.stepId).sort()).toEqual(plan.steps.map((s) => s.id).sort());
    for (const s of done.steps) expect(['done', 'skipped']).toContain(s.state);
    expect(finalKinds.size).toBe(plan.steps.length);
    for (const e of done.timeline) {
      expect(e.actor).toBeTruthy();
      expect(Number.isNaN(Date.parse(e.at))).toBe(false);
    }
    // People's actions carry their names; the simulated ones are marked.
    const completions = done.timeline.filter((e) => e.kind === 'task.completed' || e.kind === 'task.decided');
    expect(completions.length).toBeGreaterThan(0);
    for (const c of completions) expect(c.simulated).toBe(true);
    const decisions = plan.steps.filter((s) => s.type === 'decision' && done.steps.find((x) => x.stepId === s.id)?.state === 'done');
    for (const d of decisions) expect(done.timeline.some((e) => e.kind === 'task.decided' && e.taskId === `${id}.${d.id}`)).toBe(true);
    expect(done.findings.length).toBe(1);
    await workflowCompleted(h, id);

    await recordHistory(h, id, plan.id);
  });
});
