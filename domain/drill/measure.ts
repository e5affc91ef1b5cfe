// What a drill's recorded facts measure: step lateness, recovery against the objectives, audience
// reach, first notification and drill.expect entries. Shared by score.ts and findings.ts so the
// score and the findings never disagree. Pure: no clock, no I/O (Date.parse only reads its input).
import { formatDuration, parseDuration } from '../plan/duration';
import { EXPECT_KINDS } from '../plan/vocabulary';
import type { DrillAudienceFacts, DrillFacts, DrillStepFacts, TaxPlatformFacts } from './drill.types';

/** The first notification must go out within this much plan time of classification. */
export const FIRST_NOTIFICATION_MS = 5 * 60_000;

/** `中文 / English` */
export function bi(zh: string, en: string): string {
  return `${zh} / ${en}`;
}

/** A plan duration as written (`30m`, `1h`, `90m`). */
export function planDuration(ms: number): string {
  return formatDuration(ms);
}

/** A measured duration, whole seconds, largest units first: `45m`, `1h30m`, `2m5s`, `0s`. */
export function span(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let s = Math.round(Math.abs(ms) / 1000);
  if (s === 0) return '0s';
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  return sign + parts.join('');
}

/** `restore-invoices [dba]` */
export function stepName(step: Pick<DrillStepFacts, 'id' | 'team'>): string {
  return step.team ? `${step.id} [${step.team}]` : step.id;
}

function scale(facts: DrillFacts): number {
  return Number.isFinite(facts.timeScale) && facts.timeScale > 0 ? facts.timeScale : 1;
}

/** Plan time between two timestamps: wall time × timeScale, whole milliseconds. */
export function planElapsed(facts: DrillFacts, from: string | undefined, to: string | undefined): number | undefined {
  if (from === undefined || to === undefined) return undefined;
  const a = Date.parse(from);
  const b = Date.parse(to);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return undefined;
  return Math.round((b - a) * scale(facts));
}

/** `45m plan time (wall 45s × timeScale 60)`, or just `45m` at timeScale 1. */
export function elapsedEvidence(facts: DrillFacts, from: string, to: string, planMs: number): string {
  const s = scale(facts);
  if (s === 1) return `${span(planMs)}`;
  return `${span(planMs)} plan time (wall ${span(Date.parse(to) - Date.parse(from))} × timeScale ${s})`;
}

/** Deadlines for audiences and the first notification count from classification; a drill that records none counts from its start. */
export function clockStart(facts: DrillFacts): string {
  return facts.classifiedAt ?? facts.startedAt;
}

// ---------------------------------------------------------------------------------------------
// Steps

export type StepTimingStatus = 'on-time' | 'late' | 'very-late' | 'not-done' | 'unmeasured';

export interface StepTiming {
  status: StepTimingStatus;
  /** Share of the step's weight earned: 1 on time, 0.5 late up to 2× the deadline, else 0. */
  earned: number;
  withinMs: number;
  /** Plan time from the step's start to its finish (done steps with both timestamps). */
  tookMs?: number;
}

/** Timeliness of a step with a deadline (`within`); undefined for steps without one. */
export function stepTiming(facts: DrillFacts, step: DrillStepFacts): StepTiming | undefined {
  const withinMs = step.withinMs;
  if (withinMs === undefined || !(withinMs > 0)) return undefined;
  if (step.state !== 'done') return { status: 'not-done', earned: 0, withinMs };
  const tookMs = planElapsed(facts, step.startedAt, step.finishedAt);
  if (tookMs === undefined) return { status: 'unmeasured', earned: 0, withinMs };
  if (tookMs <= withinMs) return { status: 'on-time', earned: 1, withinMs, tookMs };
  if (tookMs <= 2 * withinMs) return { status: 'late', earned: 0.5, withinMs, tookMs };
  return { status: 'very-late', earned: 0, withinMs, tookMs };
}

/** Required steps with a deadline: the ones timeliness is computed over. */
export function timedSteps(facts: DrillFacts): Array<{ step: DrillStepFacts; timing: StepTiming }> {
  const out: Array<{ step: DrillStepFacts; timing: StepTiming }> = [];
  for (const step of facts.steps) {
    if (!step.required) continue;
    const timing = stepTiming(facts, step);
    if (timing) out.push({ step, timing });
  }
  return out;
}

/** Checklist items of a step that are planned and ticked, and planned but not ticked (plan order). */
export function checklist(step: DrillStepFacts): { ticked: string[]; unticked: string[] } {
  const ticked = new Set(step.checklist.ticked);
  const planned = [...new Set(step.checklist.planned)];
  return { ticked: planned.filter((i) => ticked.has(i)), unticked: planned.filter((i) => !ticked.has(i)) };
}

// ---------------------------------------------------------------------------------------------
// Recovery objectives

export interface RtoResult {
  targetMs?: number;
  achievedMs?: number;
  /** achieved / target */
  ratio?: number;
  /** Share of the RTO points earned: 1 within target, linear to 0 at 2× target, 0 if never restored. */
  earned: number;
  /** False only when there is a target and it was missed (or service was never restored). */
  met: boolean;
  estimated: boolean;
}

export function rtoResult(facts: DrillFacts): RtoResult {
  const targetMs = facts.objectives.rtoMs;
  const achievedMs = facts.rtoMs;
  const estimated = facts.recoveryEstimated;
  if (targetMs === undefined || !(targetMs > 0)) return { achievedMs, earned: 1, met: true, estimated };
  if (achievedMs === undefined) return { targetMs, earned: 0, met: false, estimated };
  const ratio = achievedMs / targetMs;
  const earned = ratio <= 1 ? 1 : ratio >= 2 ? 0 : 2 - ratio;
  return { targetMs, achievedMs, ratio, earned, met: ratio <= 1, estimated };
}

export interface RpoResult {
  targetMs?: number;
  loss?: DrillFacts['loss'];
  /** Any invoice of the highest priority class lost. */
  p0Lost: boolean;
  /** The loss reaches further back than the RPO. */
  windowExceeded: boolean;
  /** Share of the RPO points earned: 0 on any P0 loss or a window beyond the RPO, else 1 (also without measured loss). */
  earned: number;
}

export function rpoResult(facts: DrillFacts): RpoResult {
  const targetMs = facts.objectives.rpoMs;
  const loss = facts.loss;
  if (!loss) return { targetMs, p0Lost: false, windowExceeded: false, earned: 1 };
  const p0Lost = loss.p0 > 0;
  const windowExceeded = targetMs !== undefined && loss.windowMs > targetMs;
  return { targetMs, loss, p0Lost, windowExceeded, earned: p0Lost || windowExceeded ? 0 : 1 };
}

// ---------------------------------------------------------------------------------------------
// Communication

export interface AudienceReach {
  role: string;
  withinMs?: number;
  /** Plan time from classification to first reach. */
  delayMs?: number;
  status: 'on-time' | 'late' | 'never';
  met: boolean;
}

export function audienceReach(facts: DrillFacts, audience: DrillAudienceFacts): AudienceReach {
  const { role, withinMs } = audience;
  if (audience.firstReachedAt === undefined) return { role, withinMs, status: 'never', met: false };
  const delayMs = planElapsed(facts, clockStart(facts), audience.firstReachedAt);
  const onTime = withinMs === undefined || (delayMs !== undefined && delayMs <= withinMs);
  return { role, withinMs, delayMs, status: onTime ? 'on-time' : 'late', met: onTime };
}

export interface FirstNotification {
  delayMs?: number;
  met: boolean;
}

export function firstNotification(facts: DrillFacts): FirstNotification {
  if (facts.firstNotificationAt === undefined) return { met: false };
  const delayMs = planElapsed(facts, clockStart(facts), facts.firstNotificationAt);
  return { delayMs, met: delayMs !== undefined && delayMs <= FIRST_NOTIFICATION_MS };
}

// ---------------------------------------------------------------------------------------------
// drill.expect

export interface ExpectationResult {
  /** Position in drill.expect (0-based). */
  index: number;
  /** The EXPECT_KINDS key, or `unknown`. */
  kind: string;
  met: boolean;
  /** Met on planned rather than measured figures (tabletop RPO). */
  estimated: boolean;
  /** What was expected, bilingual: `步骤 restore-invoices 20m 内完成 / step restore-invoices within 20m`. */
  expected: { zh: string; en: string };
  /** What happened, bilingual. */
  actual: { zh: string; en: string };
  /** The figures behind it. */
  evidence: string;
  stepId?: string;
  team?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** A duration field of an expectation: `<name>Ms` as parsed, else the written text. */
function durationField(entry: Record<string, unknown>, name: string): { ms?: number; text: string } {
  const raw = entry[`${name}Ms`];
  const ms = typeof raw === 'number' && Number.isFinite(raw) ? raw : parseDuration(str(entry[name]) ?? '');
  const text = str(entry[name]) ?? (ms !== undefined ? planDuration(ms) : '?');
  return { ms, text };
}

export function expectationKind(entry: Record<string, unknown>): string {
  return Object.keys(EXPECT_KINDS).find((k) => k in entry) ?? 'unknown';
}

export function evaluateExpectation(facts: DrillFacts, entry: Record<string, unknown>, index: number): ExpectationResult {
  const kind = expectationKind(entry);
  const base = { index, kind, estimated: false };
  switch (kind) {
    case 'step': {
      const id = String(entry.step);
      const within = durationField(entry, 'within');
      const expected = { zh: `步骤 ${id} 在演练开始后 ${within.text} 内完成`, en: `step ${id} within ${within.text} of the drill start` };
      const step = facts.steps.find((s) => s.id === id);
      if (!step) return { ...base, met: false, expected, actual: { zh: '演练中没有该步骤', en: 'the step is not in the drill' }, evidence: `no step ${id}`, stepId: id };
      const where = { stepId: id, team: step.team };
      if (step.state !== 'done') {
        return { ...base, ...where, met: false, expected, actual: { zh: `步骤未完成（${step.state}）`, en: `not done (${step.state})` }, evidence: `state ${step.state}` };
      }
      const took = planElapsed(facts, facts.startedAt, step.finishedAt);
      if (took === undefined) {
        return { ...base, ...where, met: false, expected, actual: { zh: '完成时间未记录', en: 'finish time not recorded' }, evidence: `drill started ${facts.startedAt}; finishedAt missing` };
      }
      const met = within.ms !== undefined && took <= within.ms;
      return {
        ...base,
        ...where,
        met,
        expected,
        actual: { zh: `演练开始后 ${span(took)} 完成`, en: `finished ${span(took)} after the drill start` },
        evidence: `drill started ${facts.startedAt}; step finished ${step.finishedAt}; ${elapsedEvidence(facts, facts.startedAt, step.finishedAt!, took)} against ${within.text}`,
      };
    }
    case 'rto': {
      const rto = durationField(entry, 'rto');
      const expected = { zh: `RTO 不超过 ${rto.text}`, en: `RTO within ${rto.text}` };
      const est = facts.recoveryEstimated ? { zh: '（估算）', en: ' (estimated)' } : { zh: '', en: '' };
      if (facts.rtoMs === undefined) {
        return { ...base, estimated: facts.recoveryEstimated, met: false, expected, actual: { zh: `服务未恢复${est.zh}`, en: `service never restored${est.en}` }, evidence: `faultAt ${facts.faultAt ?? '-'}; restoredAt -` };
      }
      return {
        ...base,
        estimated: facts.recoveryEstimated,
        met: rto.ms !== undefined && facts.rtoMs <= rto.ms,
        expected,
        actual: { zh: `恢复用时 ${span(facts.rtoMs)}${est.zh}`, en: `restored after ${span(facts.rtoMs)}${est.en}` },
        evidence: `faultAt ${facts.faultAt ?? '-'}; restoredAt ${facts.restoredAt ?? '-'}; RTO ${span(facts.rtoMs)} against ${rto.text}${facts.recoveryEstimated ? '; estimated from planned durations' : ''}`,
      };
    }
    case 'rpo': {
      const rpo = durationField(entry, 'rpo');
      const expected = { zh: `RPO 不超过 ${rpo.text}`, en: `RPO within ${rpo.text}` };
      const loss = facts.loss;
      if (!loss) {
        if (facts.mode === 'tabletop') {
          return { ...base, estimated: true, met: true, expected, actual: { zh: '桌面演练，未测量数据丢失（估算）', en: 'tabletop: loss not measured (estimated)' }, evidence: 'tabletop drill, no data touched' };
        }
        return { ...base, met: false, expected, actual: { zh: '未测得数据丢失情况', en: 'data loss was not measured' }, evidence: 'live drill without a loss measurement' };
      }
      const met = loss.total === 0 || (rpo.ms !== undefined && loss.windowMs <= rpo.ms);
      return {
        ...base,
        met,
        expected,
        actual:
          loss.total === 0
            ? { zh: '无发票丢失', en: 'no invoice lost' }
            : { zh: `丢失 ${loss.total} 张发票，跨度 ${span(loss.windowMs)}`, en: `${loss.total} invoices lost, reaching back ${span(loss.windowMs)}` },
        evidence: `lost ${loss.total} (P0 ${loss.p0}); window ${span(loss.windowMs)} against ${rpo.text}`,
      };
    }
    case 'level': {
      const level = String(entry.level);
      const expected = { zh: `定级为 ${level} 级`, en: `classified at level ${level}` };
      return {
        ...base,
        met: facts.level === level,
        expected,
        actual: facts.level ? { zh: `定级为 ${facts.level} 级`, en: `classified ${facts.level}` } : { zh: '未定级', en: 'not classified' },
        evidence: `level ${facts.level ?? '-'}; classifiedAt ${facts.classifiedAt ?? '-'}`,
      };
    }
    case 'notified': {
      const role = String(entry.notified);
      const within = durationField(entry, 'within');
      const expected = { zh: `定级后 ${within.text} 内通知到 ${role}`, en: `${role} reached within ${within.text} of classification` };
      const reached = facts.audiences.filter((a) => a.role === role && a.firstReachedAt !== undefined);
      reached.sort((a, b) => Date.parse(a.firstReachedAt!) - Date.parse(b.firstReachedAt!));
      const first = reached[0];
      if (!first) {
        const tracked = facts.audiences.some((a) => a.role === role);
        return {
          ...base,
          met: false,
          expected,
          actual: tracked ? { zh: `未通知到 ${role}`, en: `${role} never reached` } : { zh: `演练未跟踪 ${role} 的通知`, en: `${role} is not an audience of the drill` },
          evidence: `classifiedAt ${clockStart(facts)}; ${role} firstReachedAt -`,
        };
      }
      const delay = planElapsed(facts, clockStart(facts), first.firstReachedAt);
      if (delay === undefined) {
        return { ...base, met: false, expected, actual: { zh: '通知时间无法计算', en: 'reach time cannot be measured' }, evidence: `classifiedAt ${clockStart(facts)}; ${role} firstReachedAt ${first.firstReachedAt}` };
      }
      return {
        ...base,
        met: within.ms !== undefined && delay <= within.ms,
        expected,
        actual: { zh: `${span(delay)} 后通知到`, en: `reached after ${span(delay)}` },
        evidence: `classifiedAt ${clockStart(facts)}; ${role} firstReachedAt ${first.firstReachedAt}; ${elapsedEvidence(facts, clockStart(facts), first.firstReachedAt!, delay)} against ${within.text}`,
      };
    }
    case 'decision': {
      const id = String(entry.decision);
      const option = String(entry.option);
      const taken = facts.decisions[id];
      const step = facts.steps.find((s) => s.id === id);
      return {
        ...base,
        stepId: id,
        team: step?.team,
        met: taken === option,
        expected: { zh: `决策 ${id} 选择 ${option}`, en: `decision ${id} takes ${option}` },
        actual: taken === undefined ? { zh: '未作出决策', en: 'no decision taken' } : { zh: `选择了 ${taken}`, en: `took ${taken}` },
        evidence: `decisions.${id} = ${taken ?? '-'}`,
      };
    }
    default:
      return {
        ...base,
        met: false,
        expected: { zh: `无法识别的预期 ${JSON.stringify(entry)}`, en: `unrecognised expectation ${JSON.stringify(entry)}` },
        actual: { zh: '无法检查', en: 'cannot be checked' },
        evidence: `keys ${Object.keys(entry).join(', ')}; known kinds ${Object.keys(EXPECT_KINDS).join(', ')}`,
      };
  }
}

export function evaluateExpectations(facts: DrillFacts): ExpectationResult[] {
  return facts.expect.map((entry, i) => evaluateExpectation(facts, entry, i));
}

/** `预期未达成：… / Expectation not met: …` */
export function expectationFailedText(r: ExpectationResult): string {
  return bi(`预期未达成：${r.expected.zh}（${r.actual.zh}）`, `Expectation not met: ${r.expected.en} (${r.actual.en})`);
}

/**
 * When service was restored (drills-and-scoring.md): the restore and verification steps succeeded.
 * A recovery step whose action failed does not count, even when a person then marked it done by
 * hand: nothing measured says the data came back. A plan without such steps restores service when
 * its act stage ends.
 */
export function serviceRestoredAt(recoverySteps: DrillStepFacts[], actEndedAt: string | undefined): string | undefined {
  const required = recoverySteps.filter((s) => s.required);
  if (required.length === 0) return actEndedAt;
  if (!required.every((s) => s.state === 'done' && s.failure === undefined)) return undefined;
  return required.map((s) => s.finishedAt!).sort().at(-1);
}

// ---------------------------------------------------------------------------------------------
// Tax platform (live drills with a tax-platform fault)

export interface TaxPlatformResult {
  /**
   * `resynced`: every invoice unsynced at the platform's return synced since; `nothing-to-resync`:
   * none was; `not-resynced`: some still are; `platform-not-back`: its fault had not ended when measured.
   */
  status: 'resynced' | 'nothing-to-resync' | 'not-resynced' | 'platform-not-back';
  returnedAt: string;
  resyncedAt?: string;
  /** Plan time from the return to full resync (0 when nothing needed it). */
  resyncMs?: number;
  stillUnsynced: number;
  unsyncedAtDeadline: number;
  duplicateUploads: number;
}

export function taxPlatformResult(facts: DrillFacts): TaxPlatformResult | undefined {
  const t = facts.taxPlatform;
  if (!t) return undefined;
  const base = { returnedAt: t.returnedAt, stillUnsynced: t.stillUnsynced, unsyncedAtDeadline: t.unsyncedAtDeadline ?? 0, duplicateUploads: t.duplicateUploads };
  if (Date.parse(t.returnedAt) > Date.parse(t.measuredAt)) return { ...base, status: 'platform-not-back' };
  const resyncedAt = taxServiceRestoredAt(t);
  if (t.unsyncedAtReturn === 0) return { ...base, status: 'nothing-to-resync', resyncedAt, resyncMs: 0 };
  if (resyncedAt === undefined) return { ...base, status: 'not-resynced' };
  return { ...base, status: 'resynced', resyncedAt, resyncMs: Math.max(0, planElapsed(facts, t.returnedAt, resyncedAt) ?? 0) };
}

/**
 * For a drill of the tax platform (no restore steps): service is restored when invoices sync again,
 * i.e. at full resync after the platform's return; never while some invoice unsynced at the return
 * still is.
 */
export function taxServiceRestoredAt(t: TaxPlatformFacts): string | undefined {
  if (Date.parse(t.returnedAt) > Date.parse(t.measuredAt)) return undefined;
  if (t.unsyncedAtReturn === 0) return t.returnedAt;
  return t.stillUnsynced === 0 ? t.resyncedAt : undefined;
}
