// Hand-built drill facts, score and findings for report tests: a live drill of the
// einvoice-db-crash plan (level II, commander chose "restore"), with one late step (choose-path),
// an escalation, a missed RTO by 1.5 minutes and 37 lost invoices (no P0). The score is written out
// literally (it is not computed by domain/drill/score.ts here); it is what scoreDrill gave for these
// facts when the fixture was written: 84.9, 良好 Good.
import type { DrillFacts, DrillFinding, DrillScore, DrillStepFacts } from '../../domain/drill/drill.types';
import type { DrillReport } from '../../domain/drill/report';

const MIN = 60_000;
export const DRILL_START = '2025-06-12T01:30:00.000Z';

export interface FixtureOptions {
  /** Plan time runs this much faster than real time (timestamps are divided by it). */
  timeScale?: number;
  planTitle?: string;
}

type StepSpec = Omit<DrillStepFacts, 'startedAt' | 'acknowledgedAt' | 'finishedAt' | 'checklist' | 'escalations'> & {
  /** Plan minutes after the drill started. */
  start?: number;
  ack?: number;
  finish?: number;
  checklist?: { planned: string[]; ticked: string[] };
  escalations?: number;
};

/** Drill facts whose timestamps are plan minutes divided by `timeScale`. */
export function dbCrashDrillFacts(options: FixtureOptions = {}): DrillFacts {
  const timeScale = options.timeScale ?? 1;
  const t0 = Date.parse(DRILL_START);
  const at = (planMin: number) => new Date(t0 + (planMin * MIN) / timeScale).toISOString();
  const step = (s: StepSpec): DrillStepFacts => {
    const { start, ack, finish, checklist, escalations, ...rest } = s;
    return {
      ...rest,
      ...(start !== undefined ? { startedAt: at(start) } : {}),
      ...(ack !== undefined ? { acknowledgedAt: at(ack) } : {}),
      ...(finish !== undefined ? { finishedAt: at(finish) } : {}),
      checklist: checklist ?? { planned: [], ticked: [] },
      escalations: escalations ?? 0,
    };
  };
  const steps: DrillStepFacts[] = [
    step({
      id: 'isolate', title: '隔离故障库，停止写入 Stop writes to the failed database', type: 'manual', ownerRole: 'dba', team: 'dba',
      required: true, state: 'done', withinMs: 10 * MIN, start: 1, ack: 3, finish: 9, finishedBy: 'li.wei',
      checklist: { planned: ['停止开票服务写入 Stop the issuing service\'s writes', '保留现场日志 Keep the database logs'], ticked: ['停止开票服务写入 Stop the issuing service\'s writes', '保留现场日志 Keep the database logs'] },
    }),
    step({ id: 'tell-finance', title: '通知财务 Tell finance issuing is down', type: 'notify', required: true, state: 'done', start: 9, finish: 9.2 }),
    step({
      id: 'check-backup', title: '校验最新备份链 Verify the latest backup chain', type: 'automated', ownerRole: 'dba', team: 'dba',
      required: true, state: 'done', withinMs: 10 * MIN, start: 9, finish: 12, outcome: 'chain ok: full + 14 incrementals',
    }),
    step({
      id: 'choose-path', title: '切换备库还是原地恢复 Fail over or restore in place', type: 'decision', ownerRole: 'commander', team: 'it-ops',
      required: true, state: 'done', withinMs: 10 * MIN, start: 12, ack: 15, finish: 25, finishedBy: 'zhang.min', decision: 'restore', escalations: 1,
    }),
    step({
      id: 'failover-standby', title: '提升备库并切换连接 Promote the standby and repoint the application', type: 'manual', ownerRole: 'dba', team: 'dba',
      required: false, state: 'skipped', withinMs: 15 * MIN,
      checklist: { planned: ['确认备库延迟 Check standby replication lag', '提升备库 Promote the standby', '切换应用连接 Repoint the issuing service'], ticked: [] },
    }),
    step({
      id: 'restore-invoices', title: '按优先级恢复发票 Restore invoices by priority', type: 'automated', ownerRole: 'dba', team: 'dba',
      required: true, state: 'done', withinMs: 30 * MIN, start: 25, finish: 52, outcome: 'restored 24 963 of 25 000 invoices',
    }),
    step({
      id: 'verify', title: '校验恢复结果 Verify the restored invoices', type: 'automated', ownerRole: 'dba', team: 'dba',
      required: true, state: 'done', withinMs: 15 * MIN, start: 52, finish: 62, outcome: '37 invoices missing or different',
    }),
    step({
      id: 'resync-platform', title: '补传恢复期间的发票 Resend invoices held during the outage', type: 'automated', ownerRole: 'tax', team: 'tax-sync',
      required: true, state: 'done', withinMs: 60 * MIN, start: 62, finish: 75,
    }),
    step({
      id: 'test-issuing', title: '试开发票并恢复业务 Issue a test invoice and reopen issuing', type: 'manual', ownerRole: 'app', team: 'app-dev',
      required: true, state: 'done', withinMs: 15 * MIN, start: 62, ack: 64, finish: 71, finishedBy: 'chen.jie',
      checklist: {
        planned: ['开具一张测试发票 Issue a test invoice', '红冲该测试发票 Red-flush the test invoice', '打开开票入口 Reopen issuing'],
        ticked: ['开具一张测试发票 Issue a test invoice', '打开开票入口 Reopen issuing'],
      },
    }),
    step({ id: 'announce-restored', title: '通知恢复 Announce the recovery', type: 'notify', required: true, state: 'done', start: 75, finish: 75.3 }),
  ];
  return {
    drillId: 'drill-einvoice-db-crash-20250612-0130',
    planId: 'einvoice-db-crash',
    planVersion: 3,
    planTitle: options.planTitle ?? '发票数据库崩溃 Invoice database crash',
    mode: 'live-drill',
    unannounced: true,
    level: 'II',
    timeScale,
    startedAt: at(0),
    classifiedAt: at(1),
    finishedAt: at(76),
    objectives: { rtoMs: 60 * MIN, rpoMs: 15 * MIN },
    faultAt: at(0.5),
    faults: [{ kind: 'drop-table', target: 'invoices', at: at(0.5), detail: 'DROP TABLE invoices in sandbox drill_20250612_0130' }],
    restoredAt: at(62),
    recoveryEstimated: false,
    rtoMs: 61.5 * MIN,
    loss: { byClass: { 'current-period': 30, archive: 7 }, total: 37, p0: 0, windowMs: 4 * MIN },
    steps,
    audiences: [
      { role: 'finance', withinMs: 15 * MIN, firstReachedAt: at(9.2) },
      { role: 'commander', withinMs: 15 * MIN, firstReachedAt: at(9.2) },
      { role: 'management', withinMs: 30 * MIN, firstReachedAt: at(75.3) },
    ],
    firstNotificationAt: at(9.2),
    decisions: { 'choose-path': 'restore' },
    escalations: [{ stepId: 'choose-path', team: 'it-ops', at: at(22), notified: ['it-ops-lead'] }],
    expect: [
      { level: 'II' },
      { decision: 'choose-path', option: 'restore' },
      { step: 'restore-invoices', within: '20m', withinMs: 20 * MIN },
      { rpo: '15m', rpoMs: 15 * MIN },
      { rto: '1h', rtoMs: 60 * MIN },
    ],
  };
}

export function dbCrashDrillScore(): DrillScore {
  return {
    total: 84.9,
    grade: '良好 Good',
    parts: [
      { part: 'recovery', weight: 30, points: 29.5, estimated: false },
      { part: 'timeliness', weight: 25, points: 24.17, estimated: false },
      { part: 'completeness', weight: 20, points: 18.57, estimated: false },
      { part: 'communication', weight: 15, points: 6.67, estimated: false },
      { part: 'expectations', weight: 10, points: 6, estimated: false },
    ],
    lost: [
      { part: 'recovery', points: 0.5, reason: '恢复用时 1h1m30s，超过 RTO 目标 1h（1.03 倍） / Recovery took 1h1m30s against RTO 1h (1.03×)' },
      {
        part: 'timeliness', points: 0.83, stepId: 'choose-path',
        reason: '步骤超时 choose-path [it-ops] 完成用时 13m，时限 10m（2 倍时限内，计一半） / Step choose-path [it-ops] took 13m against 10m (within 2×, half credit)',
      },
      {
        part: 'completeness', points: 1.43, stepId: 'test-issuing',
        reason: '步骤 test-issuing [app-dev] 有 1 项检查未勾选：红冲该测试发票 Red-flush the test invoice / Step test-issuing [app-dev]: 1 checklist item(s) not ticked: 红冲该测试发票 Red-flush the test invoice',
      },
      { part: 'communication', points: 3.33, reason: '通知 management 超时：定级后 1h14m18s 才通知到，时限 30m / Audience management reached after 1h14m18s against 30m' },
      { part: 'communication', points: 5, reason: '首次通知在定级后 8m12s 发出，超过 5m / First notification 8m12s after classification, limit 5m' },
      {
        part: 'expectations', points: 2, stepId: 'restore-invoices',
        reason: '预期未达成：步骤 restore-invoices 在演练开始后 20m 内完成（演练开始后 52m 完成） / Expectation not met: step restore-invoices within 20m of the drill start (finished 52m after the drill start)',
      },
      { part: 'expectations', points: 2, reason: '预期未达成：RTO 不超过 1h（恢复用时 1h1m30s） / Expectation not met: RTO within 1h (restored after 1h1m30s)' },
    ],
  };
}

export function dbCrashFindings(): DrillFinding[] {
  return [
    {
      id: 'late:choose-path', kind: 'missed-deadline', stepId: 'choose-path', team: 'it-ops',
      text: '指挥决策超时 3 分钟 The commander decided 3 min after the deadline',
      evidence: 'started 01:42, deadline 01:52, decided 01:55 (restore)',
    },
    {
      id: 'escalation:choose-path:1', kind: 'escalation', stepId: 'choose-path', team: 'it-ops',
      text: '决策步骤升级至 it-ops 组长 Decision escalated to the it-ops lead', evidence: 'escalated at 01:52 to it-ops-lead',
    },
    { id: 'rto-exceeded', kind: 'rto-exceeded', text: 'RTO 超出 1.5 分钟 Recovery took 61.5 min, target 60 min', evidence: 'fault 01:30:30, restored 02:32' },
    {
      id: 'expect:2', kind: 'expectation-failed', stepId: 'restore-invoices', team: 'dba',
      text: '按优先级恢复未在演练开始后 20 分钟内完成 Restore by priority did not finish within 20 min of the drill start', evidence: 'finished 52 min after the drill start',
    },
    { id: 'expect:4', kind: 'expectation-failed', text: '预期 RTO 不超过 1 小时未达成 Expected RTO within 1 h', evidence: 'restored after 61.5 min' },
  ];
}

export function dbCrashReport(options: FixtureOptions = {}): DrillReport {
  const drill = dbCrashDrillFacts(options);
  return {
    drill,
    score: dbCrashDrillScore(),
    findings: dbCrashFindings(),
    acceptedFindings: [
      { findingId: 'late:choose-path', text: '预先约定切换/恢复的决策条件 Agree the fail-over vs restore criteria in advance', owner: 'zhang.min', due: '2025-07-01' },
      { findingId: 'expect:2', text: '恢复任务并行度由 2 提至 4 Raise restore parallelism from 2 to 4', owner: 'li.wei', due: '2025-06-30' },
    ],
    trend: [
      { drillId: 'drill-einvoice-db-crash-20250314-0900', startedAt: '2025-03-14T09:00:00.000Z', score: 71.5, grade: '合格 Pass', rtoMs: 84 * MIN, lostInvoices: 120 },
      { drillId: drill.drillId, startedAt: drill.startedAt, score: 84.9, grade: '良好 Good', rtoMs: drill.rtoMs, lostInvoices: drill.loss?.total },
    ],
    generatedAt: '2025-06-12T03:00:00.000Z',
  };
}
