import fc from 'fast-check';
import type { DrillFacts, DrillScore, DrillStepFacts, ScorePart } from './drill.types';
import { gradeOf, scoreDrill } from './score';

import { at, facts, MIN, PERFECT_EXPECT, step, T0, timed } from '../../test/support/drill-facts';

/** A drill with nothing to measure but recovery: no steps, audiences or expectations; full marks. */
function bare(over: Partial<DrillFacts> = {}): DrillFacts {
  return facts({ steps: [], audiences: [], expect: [], ...over });
}

const part = (s: DrillScore, p: ScorePart) => s.parts.find((x) => x.part === p)!;
const pts = (s: DrillScore, p: ScorePart) => part(s, p).points;
const lost = (s: DrillScore, p: ScorePart) => s.lost.filter((l) => l.part === p);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function expectConsistent(s: DrillScore): void {
  for (const p of s.parts) expect(sum(lost(s, p.part).map((l) => l.points))).toBeCloseTo(p.weight - p.points, 9);
  expect(Math.abs(sum(s.lost.map((l) => l.points)) - (100 - s.total))).toBeLessThanOrEqual(0.05 + 1e-9);
  for (const l of s.lost) expect(l.reason).toMatch(/^[^/]*[\u4e00-\u9fff][^]* \/ [^\u4e00-\u9fff]*[A-Za-z][^\u4e00-\u9fff]*$/);
}

// ---------------------------------------------------------------------------------------------

describe('scoreDrill: a perfect live drill', () => {
  it('scores 100, 优秀, every part full, nothing lost', () => {
    const s = scoreDrill(facts());
    expect(s).toEqual({
      total: 100,
      grade: '优秀 Excellent',
      parts: [
        { part: 'recovery', weight: 30, points: 30, estimated: false },
        { part: 'timeliness', weight: 25, points: 25, estimated: false },
        { part: 'completeness', weight: 20, points: 20, estimated: false },
        { part: 'communication', weight: 15, points: 15, estimated: false },
        { part: 'expectations', weight: 10, points: 10, estimated: false },
      ],
      lost: [],
    });
  });

  it('is the same for the same facts', () => {
    expect(scoreDrill(facts())).toEqual(scoreDrill(facts()));
  });
});

describe('scoreDrill: recovery (30 = RTO 20 + RPO 10)', () => {
  it('RTO exactly at target earns the full 20', () => {
    // 60m / 60m = 1× → 20; RPO 10 → 30
    const s = scoreDrill(bare({ rtoMs: 60 * MIN }));
    expect(pts(s, 'recovery')).toBe(30);
    expect(lost(s, 'recovery')).toEqual([]);
  });

  it('RTO at 1.25× earns 15', () => {
    // 75m / 60m = 1.25 → 20 × (2 − 1.25) = 15; + RPO 10 = 25
    const s = scoreDrill(bare({ rtoMs: 75 * MIN }));
    expect(pts(s, 'recovery')).toBe(25);
    expect(lost(s, 'recovery')).toEqual([{ part: 'recovery', points: 5, reason: expect.stringContaining('1h15m') }]);
  });

  it('RTO at exactly 1.5× earns 10 of 20', () => {
    // 90m / 60m = 1.5 → 20 × (2 − 1.5) = 10; recovery 10 + 10 = 20; total 100 − 10 = 90
    const s = scoreDrill(bare({ rtoMs: 90 * MIN }));
    expect(pts(s, 'recovery')).toBe(20);
    expect(s.total).toBe(90);
    expect(lost(s, 'recovery')).toEqual([
      { part: 'recovery', points: 10, reason: '恢复用时 1h30m，超过 RTO 目标 1h（1.5 倍） / Recovery took 1h30m against RTO 1h (1.5×)' },
    ]);
  });

  it.each([
    ['exactly 2×', 120],
    ['3×', 180],
  ])('RTO at %s earns 0 of 20', (_label, minutes) => {
    // ratio ≥ 2 → 0; recovery = RPO 10 only
    const s = scoreDrill(bare({ rtoMs: minutes * MIN }));
    expect(pts(s, 'recovery')).toBe(10);
    expect(lost(s, 'recovery').map((l) => l.points)).toEqual([20]);
  });

  it('never restored: RTO 0 with a reason', () => {
    // rtoMs undefined with a target → 0; recovery = 10
    const s = scoreDrill(bare({ rtoMs: undefined, restoredAt: undefined }));
    expect(pts(s, 'recovery')).toBe(10);
    expect(lost(s, 'recovery')).toEqual([{ part: 'recovery', points: 20, reason: '服务未恢复，RTO 目标 1h / Service never restored, RTO target 1h' }]);
  });

  it('no RTO target: the 20 are earned and nothing is listed', () => {
    const s = scoreDrill(bare({ objectives: { rpoMs: 15 * MIN }, rtoMs: undefined }));
    expect(pts(s, 'recovery')).toBe(30);
    expect(s.lost).toEqual([]);
  });

  it('a lost P0 invoice: RPO 0', () => {
    // p0 = 2 > 0 → RPO 0 although the window (5m) is within the RPO (15m); recovery 20
    const s = scoreDrill(bare({ loss: { byClass: { 'current-period-undeclared': 2, archive: 1 }, total: 3, p0: 2, windowMs: 5 * MIN } }));
    expect(pts(s, 'recovery')).toBe(20);
    expect(lost(s, 'recovery')).toEqual([
      { part: 'recovery', points: 10, reason: '丢失 P0 发票 2 张（当期未申报） / 2 P0 invoice(s) lost (current-period-undeclared)' },
    ]);
  });

  it('RPO window exceeded without P0 loss: RPO 0', () => {
    // window 20m > RPO 15m, p0 0 → RPO 0; recovery 20
    const s = scoreDrill(bare({ loss: { byClass: { archive: 4 }, total: 4, p0: 0, windowMs: 20 * MIN } }));
    expect(pts(s, 'recovery')).toBe(20);
    expect(lost(s, 'recovery')).toEqual([{ part: 'recovery', points: 10, reason: '数据丢失跨度 20m，超过 RPO 15m / Data loss reaches back 20m against RPO 15m' }]);
  });

  it('RPO window exactly at the RPO, or no RPO target, keeps the 10', () => {
    // 15m ≤ 15m → 10; no target and p0 0 → 10
    expect(pts(scoreDrill(bare({ loss: { byClass: { archive: 4 }, total: 4, p0: 0, windowMs: 15 * MIN } })), 'recovery')).toBe(30);
    expect(pts(scoreDrill(bare({ objectives: { rtoMs: 60 * MIN }, loss: { byClass: { archive: 4 }, total: 4, p0: 0, windowMs: 9 * 60 * MIN } })), 'recovery')).toBe(30);
  });

  it('tabletop: no loss measured (RPO 10), RTO estimated, the part flagged estimated', () => {
    // estimated RTO 50m ≤ 60m → 20; loss undefined → 10; recovery 30 marked estimated, other parts not
    const s = scoreDrill(bare({ mode: 'tabletop', loss: undefined, recoveryEstimated: true, rtoMs: 50 * MIN, faultAt: undefined, faults: [] }));
    expect(part(s, 'recovery')).toEqual({ part: 'recovery', weight: 30, points: 30, estimated: true });
    expect(s.parts.filter((p) => p.estimated).map((p) => p.part)).toEqual(['recovery']);
    expect(s.total).toBe(100);
  });

  it('tabletop with an estimated RTO over target says so', () => {
    // estimated 72m / 60m = 1.2 → 20 × 0.8 = 16; recovery 26
    const s = scoreDrill(bare({ mode: 'tabletop', loss: undefined, recoveryEstimated: true, rtoMs: 72 * MIN }));
    expect(part(s, 'recovery')).toEqual({ part: 'recovery', weight: 30, points: 26, estimated: true });
    expect(lost(s, 'recovery')).toEqual([
      { part: 'recovery', points: 4, reason: '恢复用时 1h12m，超过 RTO 目标 1h（1.2 倍）（估算） / Recovery took 1h12m against RTO 1h (1.2×) (estimated)' },
    ]);
  });
});

describe('scoreDrill: timeliness (25, weighted by deadline)', () => {
  it('on time 1, late within 2× half, beyond 2× zero, weights = deadlines', () => {
    // a: 10m, took 8m → 1; b: 30m, took 45m (1.5×) → 0.5; c: 20m, took 41m (2.05×) → 0
    // 25 × (10×1 + 30×0.5 + 20×0) / 60 = 25 × 25/60 = 10.4167 → 10.42
    // lost b = 25 × 30 × 0.5 / 60 = 6.25; c = 25 × 20 / 60 = 8.33
    const s = scoreDrill(bare({ steps: [timed('a', 10, 0, 8), timed('b', 30, 0, 45, { team: 'dba' }), timed('c', 20, 0, 41)] }));
    expect(pts(s, 'timeliness')).toBe(10.42);
    expect(lost(s, 'timeliness')).toEqual([
      { part: 'timeliness', points: 6.25, stepId: 'b', reason: '步骤超时 b [dba] 完成用时 45m，时限 30m（2 倍时限内，计一半） / Step b [dba] took 45m against 30m (within 2×, half credit)' },
      { part: 'timeliness', points: 8.33, stepId: 'c', reason: '步骤超时 c [ops] 完成用时 41m，时限 20m（超过 2 倍时限，不计分） / Step c [ops] took 41m against 20m (beyond 2×, no credit)' },
    ]);
    expectConsistent(s);
  });

  it('exactly at the deadline earns 1, exactly at 2× earns half', () => {
    // a: 10m in 10m → 1; b: 10m in 20m → 0.5 → 25 × 15/20 = 18.75
    const s = scoreDrill(bare({ steps: [timed('a', 10, 0, 10), timed('b', 10, 0, 20)] }));
    expect(pts(s, 'timeliness')).toBe(18.75);
  });

  it('a required step not done earns 0; optional steps and steps without a deadline do not count', () => {
    // a: 10m on time → 1; b: 30m, failed → 0; opt (not required, late) and free (no deadline) ignored
    // 25 × 10/40 = 6.25
    const s = scoreDrill(
      bare({
        steps: [
          timed('a', 10, 0, 5),
          step('b', { withinMs: 30 * MIN, state: 'failed', startedAt: at(5) }),
          timed('opt', 5, 0, 50, { required: false }),
          step('free', { startedAt: at(0), finishedAt: at(300) }),
        ],
      }),
    );
    expect(pts(s, 'timeliness')).toBe(6.25);
    expect(lost(s, 'timeliness')).toEqual([
      { part: 'timeliness', points: 18.75, stepId: 'b', reason: '步骤未完成 b [ops]（failed），时限 30m / Step b [ops] not done (failed), deadline 30m' },
    ]);
  });

  it('no required step with a deadline: the 25 are earned', () => {
    expect(pts(scoreDrill(bare({ steps: [step('free')] })), 'timeliness')).toBe(25);
  });

  it('applies timeScale 60: 45 s of wall time is 45m of plan time', () => {
    // a: 30m deadline, wall 45 s × 60 = 45m → late (0.5); b: 30m, wall 20 s × 60 = 20m → 1
    // 25 × (30×0.5 + 30×1) / 60 = 18.75
    const s = scoreDrill(bare({ timeScale: 60, steps: [timed('a', 30, 0, 0.75), timed('b', 30, 0, 20 / 60)] }));
    expect(pts(s, 'timeliness')).toBe(18.75);
    expect(lost(s, 'timeliness')[0].reason).toContain('took 45m against 30m');
  });
});

describe('scoreDrill: completeness (20)', () => {
  it('a skipped required step earns nothing, not even its ticked items', () => {
    // units: a 1+2, b 1+2, c 1 = 7; earned: a 3, b 0 (skipped, x ticked does not count), c 1 = 4
    // 20 × 4/7 = 11.4286 → 11.43; lost b = 20 × 3/7 = 8.57
    const s = scoreDrill(
      bare({
        steps: [
          step('a', { checklist: { planned: ['p', 'q'], ticked: ['p', 'q'] } }),
          step('b', { state: 'skipped', checklist: { planned: ['x', 'y'], ticked: ['x'] } }),
          step('c'),
        ],
      }),
    );
    expect(pts(s, 'completeness')).toBe(11.43);
    expect(lost(s, 'completeness')).toEqual([
      {
        part: 'completeness',
        points: 8.57,
        stepId: 'b',
        reason: '必需步骤未完成 b [ops]（skipped）：1 步 + 2 项检查不计分 / Required step b [ops] not done (skipped): 1 step + 2 checklist item(s) earn nothing',
      },
    ]);
  });

  it('unticked checklist items lose their unit; ticks outside the plan do not count', () => {
    // units: a 1+3, b 1 = 5; earned: a 1 + 1 ('p'; 'extra' is not planned), b 1 = 3 → 20 × 3/5 = 12
    const s = scoreDrill(bare({ steps: [step('a', { checklist: { planned: ['p', 'q', 'r'], ticked: ['p', 'extra'] } }), step('b')] }));
    expect(pts(s, 'completeness')).toBe(12);
    expect(lost(s, 'completeness')).toEqual([
      { part: 'completeness', points: 8, stepId: 'a', reason: '步骤 a [ops] 有 2 项检查未勾选：q、r / Step a [ops]: 2 checklist item(s) not ticked: q, r' },
    ]);
  });

  it('pending, running, waiting and failed required steps earn nothing; optional steps do not count', () => {
    // units 5 (five required steps, no checklists); earned 1 (done) → 20 × 1/5 = 4
    const s = scoreDrill(
      bare({
        steps: [
          step('done'),
          step('p', { state: 'pending' }),
          step('r', { state: 'running' }),
          step('w', { state: 'waiting' }),
          step('f', { state: 'failed' }),
          step('opt', { required: false, state: 'skipped' }),
        ],
      }),
    );
    expect(pts(s, 'completeness')).toBe(4);
    expect(lost(s, 'completeness').map((l) => [l.stepId, l.points])).toEqual([
      ['p', 4],
      ['r', 4],
      ['w', 4],
      ['f', 4],
    ]);
  });

  it('no required step: the 20 are earned', () => {
    expect(pts(scoreDrill(bare({ steps: [step('opt', { required: false, state: 'pending' })] })), 'completeness')).toBe(20);
  });
});

describe('scoreDrill: communication (15 = audiences 10 + first notification 5)', () => {
  it('an audience reached late and one never reached lose their shares', () => {
    // 3 audiences, 10/3 each. finance: 20m after classification (at 1) > 15m → lost;
    // legal never reached → lost; commander (no deadline) reached at 50 → earned.
    // 15 − 20/3 = 8.3333 → 8.33; lost 3.33 + 3.34 (the last takes the rounding) = 6.67
    const s = scoreDrill(
      bare({
        audiences: [
          { role: 'finance', withinMs: 15 * MIN, firstReachedAt: at(21) },
          { role: 'legal', withinMs: 30 * MIN },
          { role: 'commander', firstReachedAt: at(50) },
        ],
      }),
    );
    expect(pts(s, 'communication')).toBe(8.33);
    expect(lost(s, 'communication')).toEqual([
      { part: 'communication', points: 3.33, reason: '通知 finance 超时：定级后 20m 才通知到，时限 15m / Audience finance reached after 20m against 15m' },
      { part: 'communication', points: 3.34, reason: '未通知到 legal（时限 30m） / Audience legal never reached (deadline 30m)' },
    ]);
    expectConsistent(s);
  });

  it('an audience reached exactly at its deadline earns its share', () => {
    // 15m after classification ≤ 15m → 15
    expect(pts(scoreDrill(bare({ audiences: [{ role: 'finance', withinMs: 15 * MIN, firstReachedAt: at(16) }] })), 'communication')).toBe(15);
  });

  it('first notification after 5 minutes loses 5', () => {
    // classified at 1, first notification at 8 → 7m > 5m → 15 − 5 = 10
    const s = scoreDrill(bare({ firstNotificationAt: at(8) }));
    expect(pts(s, 'communication')).toBe(10);
    expect(lost(s, 'communication')).toEqual([
      { part: 'communication', points: 5, reason: '首次通知在定级后 7m 发出，超过 5m / First notification 7m after classification, limit 5m' },
    ]);
  });

  it('first notification exactly 5 minutes after classification keeps the 5; none at all loses them', () => {
    expect(pts(scoreDrill(bare({ firstNotificationAt: at(6) })), 'communication')).toBe(15);
    const s = scoreDrill(bare({ firstNotificationAt: undefined }));
    expect(pts(s, 'communication')).toBe(10);
    expect(lost(s, 'communication')[0].reason).toBe('定级后未发出任何通知（应在 5m 内） / No notification sent after classification (limit 5m)');
  });

  it('timeScale 60: 7 s of wall time is 7m of plan time', () => {
    // first notification 7 s after classification × 60 = 7m > 5m → lose 5;
    // finance reached 14 s after → 14m ≤ 15m → its share is kept → 10
    const classified = T0 + MIN;
    const s = scoreDrill(
      bare({
        timeScale: 60,
        classifiedAt: new Date(classified).toISOString(),
        firstNotificationAt: new Date(classified + 7_000).toISOString(),
        audiences: [{ role: 'finance', withinMs: 15 * MIN, firstReachedAt: new Date(classified + 14_000).toISOString() }],
      }),
    );
    expect(pts(s, 'communication')).toBe(10);
  });

  it('without a classification time deadlines count from the drill start', () => {
    // start 0, reached at 16 → 16m > 15m → lose 10; first notification at 2 → 2m ≤ 5m
    const s = scoreDrill(bare({ classifiedAt: undefined, audiences: [{ role: 'finance', withinMs: 15 * MIN, firstReachedAt: at(16) }] }));
    expect(pts(s, 'communication')).toBe(5);
  });
});

describe('scoreDrill: expectations (10, shared equally)', () => {
  // Each case has the single expectation given: met → 10, failed → 0 with the reason shown.
  const cases: Array<[label: string, entry: Record<string, unknown>, over: Partial<DrillFacts>, reason: string | null]> = [
    ['step within, met at the limit', { step: 'restore-invoices', within: '30m', withinMs: 30 * MIN }, {}, null],
    [
      'step within, finished too late',
      { step: 'restore-invoices', within: '20m', withinMs: 20 * MIN },
      {},
      '预期未达成：步骤 restore-invoices 在演练开始后 20m 内完成（演练开始后 30m 完成） / Expectation not met: step restore-invoices within 20m of the drill start (finished 30m after the drill start)',
    ],
    [
      'step within, not done',
      { step: 'verify', within: '1h', withinMs: 60 * MIN },
      { steps: facts().steps.map((s) => (s.id === 'verify' ? { ...s, state: 'failed' as const, finishedAt: undefined } : s)) },
      '预期未达成：步骤 verify 在演练开始后 1h 内完成（步骤未完成（failed）） / Expectation not met: step verify within 1h of the drill start (not done (failed))',
    ],
    ['rto met', { rto: '1h', rtoMs: 60 * MIN }, {}, null],
    ['rto failed: too slow', { rto: '30m', rtoMs: 30 * MIN }, {}, '预期未达成：RTO 不超过 30m（恢复用时 40m） / Expectation not met: RTO within 30m (restored after 40m)'],
    ['rto failed: never restored', { rto: '1h', rtoMs: 60 * MIN }, { rtoMs: undefined, restoredAt: undefined }, '预期未达成：RTO 不超过 1h（服务未恢复） / Expectation not met: RTO within 1h (service never restored)'],
    ['rpo met: nothing lost', { rpo: '0m', rpoMs: 0 }, {}, null],
    ['rpo met: window within', { rpo: '15m', rpoMs: 15 * MIN }, { loss: { byClass: { archive: 2 }, total: 2, p0: 0, windowMs: 10 * MIN } }, null],
    [
      'rpo failed: window beyond',
      { rpo: '15m', rpoMs: 15 * MIN },
      { loss: { byClass: { archive: 2 }, total: 2, p0: 0, windowMs: 20 * MIN } },
      '预期未达成：RPO 不超过 15m（丢失 2 张发票，跨度 20m） / Expectation not met: RPO within 15m (2 invoices lost, reaching back 20m)',
    ],
    ['rpo met: tabletop (estimated)', { rpo: '15m', rpoMs: 15 * MIN }, { mode: 'tabletop', loss: undefined, recoveryEstimated: true }, null],
    ['rpo failed: live drill without a loss measurement', { rpo: '15m', rpoMs: 15 * MIN }, { loss: undefined }, '预期未达成：RPO 不超过 15m（未测得数据丢失情况） / Expectation not met: RPO within 15m (data loss was not measured)'],
    ['level met', { level: 'II' }, {}, null],
    ['level failed', { level: 'I' }, {}, '预期未达成：定级为 I 级（定级为 II 级） / Expectation not met: classified at level I (classified II)'],
    ['level failed: not classified', { level: 'II' }, { level: undefined }, '预期未达成：定级为 II 级（未定级） / Expectation not met: classified at level II (not classified)'],
    ['notified met', { notified: 'finance', within: '15m', withinMs: 15 * MIN }, {}, null],
    ['notified failed: late', { notified: 'finance', within: '1m', withinMs: MIN }, {}, '预期未达成：定级后 1m 内通知到 finance（2m 后通知到） / Expectation not met: finance reached within 1m of classification (reached after 2m)'],
    [
      'notified failed: never reached',
      { notified: 'legal', within: '30m', withinMs: 30 * MIN },
      { audiences: [{ role: 'legal', withinMs: 30 * MIN }] },
      '预期未达成：定级后 30m 内通知到 legal（未通知到 legal） / Expectation not met: legal reached within 30m of classification (legal never reached)',
    ],
    ['decision met', { decision: 'choose-path', option: 'restore' }, {}, null],
    ['decision failed: other option', { decision: 'choose-path', option: 'failover' }, {}, '预期未达成：决策 choose-path 选择 failover（选择了 restore） / Expectation not met: decision choose-path takes failover (took restore)'],
    ['decision failed: no decision', { decision: 'choose-path', option: 'restore' }, { decisions: {} }, '预期未达成：决策 choose-path 选择 restore（未作出决策） / Expectation not met: decision choose-path takes restore (no decision taken)'],
  ];

  it.each(cases)('%s', (_label, entry, over, reason) => {
    const s = scoreDrill(facts({ ...over, expect: [entry] }));
    expect(pts(s, 'expectations')).toBe(reason === null ? 10 : 0);
    expect(lost(s, 'expectations').map((l) => l.reason)).toEqual(reason === null ? [] : [reason]);
  });

  it('names the step of step and decision expectations', () => {
    const s = scoreDrill(facts({ expect: [{ step: 'restore-invoices', within: '1m', withinMs: MIN }, { decision: 'choose-path', option: 'failover' }] }));
    expect(lost(s, 'expectations').map((l) => l.stepId)).toEqual(['restore-invoices', 'choose-path']);
  });

  it('shares 10 equally: 1 of 6 failed → 8.33', () => {
    // 10 − 10/6 = 8.3333 → 8.33; lost 1.67
    const s = scoreDrill(facts({ level: 'III' }));
    expect(pts(s, 'expectations')).toBe(8.33);
    expect(lost(s, 'expectations').map((l) => l.points)).toEqual([1.67]);
  });

  it('step expectations count from the drill start, in plan time (timeScale 60)', () => {
    // restore-invoices finishes 30 s of wall time after the start × 60 = 30m ≤ 30m → met; within 29m → failed
    const steps = [timed('restore-invoices', 30, 0.25, 0.5)];
    expect(pts(scoreDrill(bare({ timeScale: 60, steps, expect: [{ step: 'restore-invoices', within: '30m', withinMs: 30 * MIN }] })), 'expectations')).toBe(10);
    expect(pts(scoreDrill(bare({ timeScale: 60, steps, expect: [{ step: 'restore-invoices', within: '29m', withinMs: 29 * MIN }] })), 'expectations')).toBe(0);
  });

  it('an entry without the parsed milliseconds uses the written duration', () => {
    expect(pts(scoreDrill(facts({ expect: [{ step: 'restore-invoices', within: '30m' }] })), 'expectations')).toBe(10);
  });

  it('an unrecognised entry cannot be met', () => {
    const s = scoreDrill(facts({ expect: [{ weather: 'sunny' }] }));
    expect(pts(s, 'expectations')).toBe(0);
  });

  it('no entries: the 10 are earned', () => {
    expect(pts(scoreDrill(facts({ expect: [] })), 'expectations')).toBe(10);
  });
});

describe('scoreDrill: total and grade', () => {
  const p0 = { byClass: { 'current-period-undeclared': 1 }, total: 1, p0: 1, windowMs: MIN };
  const cases: Array<[label: string, over: Partial<DrillFacts>, total: number, grade: DrillScore['grade']]> = [
    // P0 lost → −10 → 90
    ['exactly 90', { loss: p0 }, 90, '优秀 Excellent'],
    // + RTO 1.005× (1h0m18s) → 20 × 0.995 = 19.9 → 89.9
    ['just below 90', { loss: p0, rtoMs: 3_618_000 }, 89.9, '良好 Good'],
    // P0 −10, RTO 1.75× → 20 × 0.25 = 5 (−15) → 75
    ['exactly 75', { loss: p0, rtoMs: 105 * MIN }, 75, '良好 Good'],
    // RTO 1.755× → 20 × 0.245 = 4.9 → 74.9
    ['just below 75', { loss: p0, rtoMs: 6_318_000 }, 74.9, '合格 Pass'],
    // never restored −20, P0 −10, the one expectation failed −10 → 60
    ['exactly 60', { loss: p0, rtoMs: undefined, expect: [{ level: 'I' }] }, 60, '合格 Pass'],
    // + a 1m step done in 1.5m (half) next to a 124m step on time: 25 × 0.5 / 125 = 0.1 → 59.9
    ['just below 60', { loss: p0, rtoMs: undefined, expect: [{ level: 'I' }], steps: [timed('a', 1, 0, 1.5), timed('b', 124, 0, 100)] }, 59.9, '不合格 Fail'],
  ];

  it.each(cases)('%s', (_label, over, total, grade) => {
    const s = scoreDrill(bare(over));
    expect(s.total).toBe(total);
    expect(s.grade).toBe(grade);
    expectConsistent(s);
  });

  it('gradeOf at the boundaries', () => {
    expect([90, 89.9, 75, 74.9, 60, 59.9, 0, 100].map(gradeOf)).toEqual([
      '优秀 Excellent',
      '良好 Good',
      '良好 Good',
      '合格 Pass',
      '合格 Pass',
      '不合格 Fail',
      '不合格 Fail',
      '优秀 Excellent',
    ]);
  });
});

describe('scoreDrill: lost points add up', () => {
  it('a drill that goes wrong everywhere: every loss listed, summing to 100 − total', () => {
    // recovery: RTO 1.5× → 10, P0 lost → 0                          = 10
    // timeliness: isolate 10m in 15m (0.5), choose-path 15m in 40m (0), restore 30m in 20m (1),
    //   verify 20m not done (0) → 25 × (5 + 0 + 30 + 0)/75 = 11.6667   = 11.67
    // completeness: units isolate 3, choose-path 1, restore 1, verify 2, announce 1 = 8;
    //   earned isolate 1+1, choose-path 1, restore 1, verify 0, announce 1 = 5 → 20 × 5/8 = 12.5
    // communication: finance late (−5), commander ok; first notification 10m (−5) → 5
    // expectations: level ✓, decision ✗ (failover), step ✓ (30m ≤ 45m), rpo ✗ (window 30m),
    //   rto ✗ (90m), notified ✗ (20m) → 10 × 2/6 = 3.3333 → 3.33
    // total 10 + 11.67 + 12.5 + 5 + 3.33 = 42.5 → 不合格
    const base = facts();
    const s = scoreDrill(
      facts({
        rtoMs: 90 * MIN,
        restoredAt: at(90),
        loss: { byClass: { 'current-period-undeclared': 3, 'red-letter': 1 }, total: 4, p0: 3, windowMs: 30 * MIN },
        steps: [
          timed('isolate', 10, 0, 15, { checklist: { planned: ['stop-writes', 'snapshot'], ticked: ['stop-writes'] } }),
          timed('choose-path', 15, 15, 55, { type: 'decision', decision: 'failover' }),
          timed('restore-invoices', 30, 10, 30, { type: 'automated', team: 'dba' }),
          step('verify', { withinMs: 20 * MIN, team: 'dba', state: 'running', startedAt: at(30), checklist: { planned: ['count-rows'], ticked: ['count-rows'] } }),
          base.steps[4],
          base.steps[5],
        ],
        audiences: [
          { role: 'finance', withinMs: 15 * MIN, firstReachedAt: at(21) },
          { role: 'commander', firstReachedAt: at(2) },
        ],
        firstNotificationAt: at(11),
        decisions: { 'choose-path': 'failover' },
      }),
    );
    expect(s.parts.map((p) => [p.part, p.points])).toEqual([
      ['recovery', 10],
      ['timeliness', 11.67],
      ['completeness', 12.5],
      ['communication', 5],
      ['expectations', 3.33],
    ]);
    expect(s.total).toBe(42.5);
    expect(s.grade).toBe('不合格 Fail');
    expect(s.lost).toHaveLength(2 + 3 + 2 + 2 + 4);
    expect(sum(s.lost.map((l) => l.points))).toBeCloseTo(100 - s.total, 9);
    expectConsistent(s);
  });

  it('holds for arbitrary drills', () => {
    const stepArb = fc.record({
      within: fc.option(fc.integer({ min: 1, max: 120 }), { nil: undefined }),
      took: fc.integer({ min: 0, max: 300 }),
      state: fc.constantFrom<DrillStepFacts['state']>('done', 'done', 'skipped', 'failed', 'pending'),
      required: fc.boolean(),
      planned: fc.integer({ min: 0, max: 3 }),
      ticked: fc.integer({ min: 0, max: 3 }),
    });
    const arb = fc.record({
      steps: fc.array(stepArb, { maxLength: 7 }),
      rto: fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }),
      p0: fc.integer({ min: 0, max: 2 }),
      window: fc.integer({ min: 0, max: 40 }),
      reached: fc.array(fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }), { maxLength: 7 }),
      first: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
      timeScale: fc.constantFrom(1, 60, 0.5),
      expectCount: fc.integer({ min: 0, max: 6 }),
    });
    fc.assert(
      fc.property(arb, (g) => {
        const f = facts({
          timeScale: g.timeScale,
          rtoMs: g.rto === undefined ? undefined : g.rto * MIN,
          loss: { byClass: {}, total: g.p0 + (g.window > 0 ? 1 : 0), p0: g.p0, windowMs: g.window * MIN },
          steps: g.steps.map((x, i) =>
            step(`s${i}`, {
              required: x.required,
              state: x.state,
              withinMs: x.within === undefined ? undefined : x.within * MIN,
              startedAt: at(0),
              finishedAt: x.state === 'done' ? at(x.took / g.timeScale) : undefined,
              checklist: { planned: ['a', 'b', 'c'].slice(0, x.planned), ticked: ['a', 'b', 'c'].slice(0, x.ticked) },
            }),
          ),
          audiences: g.reached.map((r, i) => ({ role: `r${i}`, withinMs: 15 * MIN, firstReachedAt: r === undefined ? undefined : at(1 + r / g.timeScale) })),
          firstNotificationAt: g.first === undefined ? undefined : at(1 + g.first / g.timeScale),
          expect: PERFECT_EXPECT.slice(0, g.expectCount),
        });
        const s = scoreDrill(f);
        expect(s.total).toBeGreaterThanOrEqual(0);
        expect(s.total).toBeLessThanOrEqual(100);
        expectConsistent(s);
        expect(scoreDrill(f)).toEqual(s);
      }),
      { seed: 20250301, numRuns: 300 },
    );
  });
});
