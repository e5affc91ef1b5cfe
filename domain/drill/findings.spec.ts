import type { DrillStepFacts } from './drill.types';
import { drillFindings } from './findings';
import { scoreDrill } from './score';

import { at, facts, MIN, step, timed } from '../../test/support/drill-facts';

/** The clean drill's steps with one replaced. */
function withStep(id: string, over: Partial<DrillStepFacts>): DrillStepFacts[] {
  return facts().steps.map((s) => (s.id === id ? { ...s, ...over } : s));
}

describe('drillFindings', () => {
  it('a clean drill has no findings', () => {
    expect(drillFindings(facts())).toEqual([]);
  });

  it('a required step finished late (within 2×): missed-deadline with step, team and timestamps', () => {
    // restore-invoices 30m deadline, 10 → 55 = 45m (1.5×)
    const [f] = drillFindings(facts({ steps: withStep('restore-invoices', { finishedAt: at(55), finishedBy: 'li.wei' }) }));
    expect(f).toEqual({
      id: 'late:restore-invoices',
      kind: 'missed-deadline',
      stepId: 'restore-invoices',
      team: 'dba',
      text: '步骤超时：restore-invoices [dba] 完成用时 45m，时限 30m / Step restore-invoices [dba] took 45m against 30m',
      evidence: `startedAt ${at(10)}; finishedAt ${at(55)}; took 45m; within 30m (1.5×); finishedBy li.wei`,
    });
  });

  it('a step beyond 2× is a missed deadline too; a step on time or exactly at its deadline is not', () => {
    // isolate 10m in 25m (2.5×) → late; verify 20m in exactly 20m → fine
    const steps = withStep('isolate', { finishedAt: at(25) }).map((s) => (s.id === 'verify' ? { ...s, finishedAt: at(50) } : s));
    expect(drillFindings(facts({ steps })).map((f) => [f.id, f.kind])).toEqual([['late:isolate', 'missed-deadline']]);
  });

  it('shows plan time and wall time at timeScale 60', () => {
    // restore-invoices wall 45 s × 60 = 45m plan time against 30m
    const steps = [timed('restore-invoices', 30, 0, 0.75, { team: 'dba' })];
    const [f] = drillFindings(facts({ timeScale: 60, steps, expect: [] }));
    expect(f.id).toBe('late:restore-invoices');
    expect(f.evidence).toContain('took 45m plan time (wall 45s × timeScale 60)');
  });

  it('a required step not done: step-not-done; an optional skipped step raises nothing', () => {
    const fs = drillFindings(facts({ steps: withStep('verify', { state: 'skipped', finishedAt: undefined, escalations: 1 }), expect: [] }));
    expect(fs).toEqual([
      {
        id: 'not-done:verify',
        kind: 'step-not-done',
        stepId: 'verify',
        team: 'dba',
        text: '必需步骤未完成：verify [dba]（skipped） / Required step verify [dba] not done (skipped)',
        evidence: `state skipped; startedAt ${at(30)}; within 20m; escalations 1; drill finishedAt ${at(50)}`,
      },
    ]);
  });

  it('a required step without a deadline that is not done is still a finding', () => {
    const steps = [...facts().steps, step('announce', { type: 'notify', team: undefined, state: 'pending' })];
    const f = drillFindings(facts({ steps })).find((x) => x.id === 'not-done:announce')!;
    expect(f).toEqual({
      id: 'not-done:announce',
      kind: 'step-not-done',
      stepId: 'announce',
      text: '必需步骤未完成：announce（pending） / Required step announce not done (pending)',
      evidence: `state pending; startedAt -; escalations 0; drill finishedAt ${at(50)}`,
    });
  });

  it('one finding per escalation, numbered per step, team from the escalation or the step', () => {
    const fs = drillFindings(
      facts({
        escalations: [
          { stepId: 'restore-invoices', at: at(40), notified: ['owner-lead'] },
          { stepId: 'verify', team: 'dba-oncall', at: at(45), notified: ['commander'] },
          { stepId: 'restore-invoices', at: at(50), notified: ['commander', 'management'] },
        ],
      }),
    );
    expect(fs.map((f) => [f.id, f.kind, f.stepId, f.team])).toEqual([
      ['escalation:restore-invoices:1', 'escalation', 'restore-invoices', 'dba'],
      ['escalation:verify:1', 'escalation', 'verify', 'dba-oncall'],
      ['escalation:restore-invoices:2', 'escalation', 'restore-invoices', 'dba'],
    ]);
    expect(fs[2].text).toBe('步骤 restore-invoices [dba] 第 2 次升级，通知 commander、management / Step restore-invoices [dba] escalated (2), notified commander, management');
    expect(fs[2].evidence).toBe(`escalated at ${at(50)}; notified commander, management; step startedAt ${at(10)}; within 30m; step state done`);
  });

  it('P0 invoices lost: p0-lost with the loss by class', () => {
    // window 5m ≤ 15m: no rpo-exceeded; the rpo expectation (window ≤ 15m) is met
    const fs = drillFindings(facts({ loss: { byClass: { 'current-period-undeclared': 2, 'red-letter': 1, archive: 0 }, total: 3, p0: 2, windowMs: 5 * MIN } }));
    expect(fs).toEqual([
      {
        id: 'p0-lost',
        kind: 'p0-lost',
        text: '丢失 P0 发票 2 张（当期未申报） / 2 P0 invoice(s) lost (current-period-undeclared)',
        evidence: 'lost by class: current-period-undeclared 2, red-letter 1; total 3; P0 2; window 5m',
      },
    ]);
  });

  it('RPO window exceeded without P0 loss: rpo-exceeded (and the rpo expectation fails)', () => {
    const fs = drillFindings(facts({ loss: { byClass: { archive: 4 }, total: 4, p0: 0, windowMs: 20 * MIN } }));
    expect(fs.map((f) => f.id)).toEqual(['rpo-exceeded', 'expect:3']);
    expect(fs[0]).toEqual({
      id: 'rpo-exceeded',
      kind: 'rpo-exceeded',
      text: '数据丢失跨度 20m，超过 RPO 15m / Data loss reaches back 20m, RPO 15m',
      evidence: `faultAt ${at(0)}; lost 4 invoices; oldest lost change 20m before the fault; RPO 15m`,
    });
  });

  it('RTO exceeded, and never restored', () => {
    const late = drillFindings(facts({ rtoMs: 90 * MIN, restoredAt: at(90), expect: [] }));
    expect(late).toEqual([
      {
        id: 'rto-exceeded',
        kind: 'rto-exceeded',
        text: '恢复用时 1h30m，超过 RTO 目标 1h / Recovery took 1h30m, RTO target 1h',
        evidence: `faultAt ${at(0)}; restoredAt ${at(90)}; RTO 1h30m against 1h (1.5×); timeScale 1`,
      },
    ]);
    const never = drillFindings(facts({ rtoMs: undefined, restoredAt: undefined, expect: [] }));
    expect(never.map((f) => f.text)).toEqual(['服务未恢复，RTO 目标 1h / Service was never restored, RTO target 1h']);
  });

  it('tabletop: an estimated RTO over target says estimated; no loss, no RPO findings', () => {
    const fs = drillFindings(facts({ mode: 'tabletop', recoveryEstimated: true, loss: undefined, faultAt: undefined, rtoMs: 75 * MIN, expect: [{ rpo: '15m', rpoMs: 15 * MIN }] }));
    expect(fs.map((f) => f.id)).toEqual(['rto-exceeded']);
    expect(fs[0].text).toContain('（估算）');
    expect(fs[0].text).toContain('(estimated)');
    expect(fs[0].evidence).toContain('estimated from planned durations');
  });

  it('each failed expectation: expect:<index> with the step and team where there is one', () => {
    const fs = drillFindings(
      facts({
        level: 'III',
        decisions: { 'choose-path': 'failover' },
        steps: withStep('restore-invoices', { finishedAt: at(50) }).map((s) => (s.id === 'choose-path' ? { ...s, decision: 'failover' } : s)),
        audiences: [{ role: 'finance', withinMs: 15 * MIN }],
      }),
    );
    const expectations = fs.filter((f) => f.kind === 'expectation-failed');
    expect(expectations.map((f) => [f.id, f.stepId, f.team])).toEqual([
      ['expect:0', undefined, undefined],
      ['expect:1', 'choose-path', 'ops'],
      ['expect:2', 'restore-invoices', 'dba'],
      ['expect:5', undefined, undefined],
    ]);
    expect(expectations[2]).toEqual({
      id: 'expect:2',
      kind: 'expectation-failed',
      stepId: 'restore-invoices',
      team: 'dba',
      text: '预期未达成：步骤 restore-invoices 在演练开始后 45m 内完成（演练开始后 50m 完成） / Expectation not met: step restore-invoices within 45m of the drill start (finished 50m after the drill start)',
      evidence: `drill started ${at(0)}; step finished ${at(50)}; 50m against 45m`,
    });
    expect(expectations[0].evidence).toBe(`level III; classifiedAt ${at(1)}`);
    expect(expectations[3].evidence).toBe(`classifiedAt ${at(1)}; finance firstReachedAt -`);
  });

  it('an automated step that failed and was completed by hand: automated-step-failed with its error and who finished it', () => {
    const failed = withStep('restore-invoices', { failure: 'no backup to restore to 2025-03-01T09:10:00Z: the catalog is empty', finishedBy: 'li.wei' });
    expect(drillFindings(facts({ steps: failed }))).toEqual([
      {
        id: 'automated-failed:restore-invoices',
        kind: 'automated-step-failed',
        stepId: 'restore-invoices',
        team: 'dba',
        text: '自动步骤失败：restore-invoices [dba]，后由人工完成 / Automated step restore-invoices [dba] failed, then completed by hand',
        evidence: 'error no backup to restore to 2025-03-01T09:10:00Z: the catalog is empty; state done; completed by hand by li.wei',
      },
    ]);
  });

  it('orders findings: recovery, steps in plan order, escalations, expectations; ids are unique', () => {
    const fs = drillFindings(
      facts({
        rtoMs: 90 * MIN,
        loss: { byClass: { 'current-period-undeclared': 1 }, total: 1, p0: 1, windowMs: 20 * MIN },
        steps: withStep('isolate', { finishedAt: at(15) }).map((s) => (s.id === 'verify' ? { ...s, state: 'failed' as const, finishedAt: undefined } : s)),
        escalations: [{ stepId: 'verify', at: at(45), notified: ['owner-lead'] }],
      }),
    );
    const ids = fs.map((f) => f.id);
    expect(ids).toEqual(['rto-exceeded', 'p0-lost', 'rpo-exceeded', 'late:isolate', 'not-done:verify', 'escalation:verify:1', 'expect:3', 'expect:4']);
    expect(new Set(ids).size).toBe(ids.length);
    for (const f of fs) expect(f.text).toMatch(/[\u4e00-\u9fff].* \/ .*[A-Za-z]/);
  });

  it('agrees with the score: same late steps and failed expectations', () => {
    const f = facts({
      level: 'I',
      steps: withStep('isolate', { finishedAt: at(15) }).map((s) => (s.id === 'verify' ? { ...s, finishedAt: at(80) } : s)),
    });
    const score = scoreDrill(f);
    const findings = drillFindings(f);
    expect(score.lost.filter((l) => l.part === 'timeliness').map((l) => l.stepId)).toEqual(findings.filter((x) => x.kind === 'missed-deadline').map((x) => x.stepId));
    expect(score.lost.filter((l) => l.part === 'expectations')).toHaveLength(findings.filter((x) => x.kind === 'expectation-failed').length);
    expect(score.lost.filter((l) => l.part === 'expectations').map((l) => l.reason)).toEqual(findings.filter((x) => x.kind === 'expectation-failed').map((x) => x.text));
  });
});
