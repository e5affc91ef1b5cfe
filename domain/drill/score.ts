// The drill score (drills-and-scoring.md "Score"): a pure function of the recorded facts. Each part
// is computed as its weight minus the points it lost, and every lost point is listed with its
// reason, so the score reads line by line.
import type { DrillFacts, DrillScore, LostPoints, ScorePart } from './drill.types';
import {
  audienceReach,
  bi,
  checklist,
  evaluateExpectations,
  expectationFailedText,
  FIRST_NOTIFICATION_MS,
  firstNotification,
  planDuration,
  rpoResult,
  rtoResult,
  span,
  stepName,
  taxPlatformResult,
  timedSteps,
} from './measure';

export const PART_WEIGHTS: Readonly<Record<ScorePart, number>> = {
  recovery: 30,
  timeliness: 25,
  completeness: 20,
  communication: 15,
  expectations: 10,
};

const RTO_POINTS = 20;
const RPO_POINTS = 10;
/** Recovery points lost when a resync sent the platform invoices it already had (its own line, like the RPO's). */
export const DUPLICATE_UPLOAD_POINTS = 5;
const AUDIENCE_POINTS = 10;
const FIRST_NOTIFICATION_POINTS = 5;

/** Rounds to `digits` decimals, halves away from zero (1.005 → 1.01). */
function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round((x + Math.sign(x) * Number.EPSILON * Math.max(1, Math.abs(x))) * f) / f;
}

interface Loss {
  points: number;
  reason: string;
  stepId?: string;
}

export function gradeOf(total: number): DrillScore['grade'] {
  if (total >= 90) return '优秀 Excellent';
  if (total >= 75) return '良好 Good';
  if (total >= 60) return '合格 Pass';
  return '不合格 Fail';
}

function recovery(facts: DrillFacts): Loss[] {
  const lost: Loss[] = [];
  const est = facts.recoveryEstimated ? { zh: '（估算）', en: ' (estimated)' } : { zh: '', en: '' };
  const rto = rtoResult(facts);
  if (rto.earned < 1 && rto.targetMs !== undefined) {
    const target = planDuration(rto.targetMs);
    const reason =
      rto.achievedMs === undefined
        ? bi(`服务未恢复，RTO 目标 ${target}${est.zh}`, `Service never restored, RTO target ${target}${est.en}`)
        : bi(
            `恢复用时 ${span(rto.achievedMs)}，超过 RTO 目标 ${target}（${round(rto.ratio!, 2)} 倍）${est.zh}`,
            `Recovery took ${span(rto.achievedMs)} against RTO ${target} (${round(rto.ratio!, 2)}×)${est.en}`,
          );
    lost.push({ points: RTO_POINTS * (1 - rto.earned), reason });
  }
  const rpo = rpoResult(facts);
  const reasons: string[] = [];
  if (rpo.earned < 1 && rpo.loss) {
    if (rpo.p0Lost) {
      reasons.push(bi(`丢失 P0 发票 ${rpo.loss.p0} 张（当期未申报）`, `${rpo.loss.p0} P0 invoice(s) lost (current-period-undeclared)`));
    }
    if (rpo.windowExceeded) {
      const target = planDuration(rpo.targetMs!);
      reasons.push(bi(`数据丢失跨度 ${span(rpo.loss.windowMs)}，超过 RPO ${target}`, `Data loss reaches back ${span(rpo.loss.windowMs)} against RPO ${target}`));
    }
  }
  // An invoice not on the platform at the declaration deadline cannot be declared: as bad as losing
  // it for the period, so it costs the RPO points like a lost P0 invoice.
  const tax = taxPlatformResult(facts);
  if (tax && tax.unsyncedAtDeadline > 0) {
    reasons.push(bi(`申报期限时仍有 ${tax.unsyncedAtDeadline} 张发票未同步到税务平台`, `${tax.unsyncedAtDeadline} invoice(s) not synced to the tax platform at the declaration deadline`));
  }
  if (reasons.length > 0) lost.push({ points: RPO_POINTS, reason: reasons.join('; ') });
  // Within the part's weight: a drill that already lost every recovery point loses no more here.
  const left = PART_WEIGHTS.recovery - lost.reduce((sum, l) => sum + l.points, 0);
  if (tax && tax.duplicateUploads > 0 && left > 0) {
    lost.push({
      points: Math.min(DUPLICATE_UPLOAD_POINTS, left),
      reason: bi(`补传重复上传 ${tax.duplicateUploads} 张平台已有的发票（6783）`, `Resync uploaded ${tax.duplicateUploads} invoice(s) the platform already had (6783)`),
    });
  }
  return lost;
}

function timeliness(facts: DrillFacts): Loss[] {
  const weight = PART_WEIGHTS.timeliness;
  const timed = timedSteps(facts);
  const total = timed.reduce((sum, t) => sum + t.timing.withinMs, 0);
  const lost: Loss[] = [];
  for (const { step, timing } of timed) {
    if (timing.earned >= 1) continue;
    const name = stepName(step);
    const within = planDuration(timing.withinMs);
    let reason: string;
    if (timing.status === 'late' || timing.status === 'very-late') {
      const took = span(timing.tookMs!);
      const credit = timing.status === 'late' ? { zh: '2 倍时限内，计一半', en: 'within 2×, half credit' } : { zh: '超过 2 倍时限，不计分', en: 'beyond 2×, no credit' };
      reason = bi(`步骤超时 ${name} 完成用时 ${took}，时限 ${within}（${credit.zh}）`, `Step ${name} took ${took} against ${within} (${credit.en})`);
    } else if (timing.status === 'not-done') {
      reason = bi(`步骤未完成 ${name}（${step.state}），时限 ${within}`, `Step ${name} not done (${step.state}), deadline ${within}`);
    } else {
      reason = bi(`步骤 ${name} 的开始或完成时间未记录，时限 ${within}`, `Step ${name} has no recorded start or finish, deadline ${within}`);
    }
    lost.push({ points: (weight * timing.withinMs * (1 - timing.earned)) / total, reason, stepId: step.id });
  }
  return lost;
}

function completeness(facts: DrillFacts): Loss[] {
  const weight = PART_WEIGHTS.completeness;
  const required = facts.steps.filter((s) => s.required);
  const units = required.reduce((sum, s) => sum + 1 + checklist(s).ticked.length + checklist(s).unticked.length, 0);
  const lost: Loss[] = [];
  for (const step of required) {
    const name = stepName(step);
    const items = checklist(step);
    if (step.state !== 'done') {
      const n = items.ticked.length + items.unticked.length;
      lost.push({
        points: (weight * (1 + n)) / units,
        reason: bi(
          `必需步骤未完成 ${name}（${step.state}）：1 步${n > 0 ? ` + ${n} 项检查` : ''}不计分`,
          `Required step ${name} not done (${step.state}): 1 step${n > 0 ? ` + ${n} checklist item(s)` : ''} earn nothing`,
        ),
        stepId: step.id,
      });
    } else if (items.unticked.length > 0) {
      lost.push({
        points: (weight * items.unticked.length) / units,
        reason: bi(
          `步骤 ${name} 有 ${items.unticked.length} 项检查未勾选：${items.unticked.join('、')}`,
          `Step ${name}: ${items.unticked.length} checklist item(s) not ticked: ${items.unticked.join(', ')}`,
        ),
        stepId: step.id,
      });
    }
  }
  return lost;
}

function communication(facts: DrillFacts): Loss[] {
  const lost: Loss[] = [];
  const share = AUDIENCE_POINTS / Math.max(1, facts.audiences.length);
  for (const audience of facts.audiences) {
    const reach = audienceReach(facts, audience);
    if (reach.met) continue;
    const within = reach.withinMs !== undefined ? planDuration(reach.withinMs) : undefined;
    const reason =
      reach.status === 'never'
        ? bi(`未通知到 ${reach.role}${within ? `（时限 ${within}）` : ''}`, `Audience ${reach.role} never reached${within ? ` (deadline ${within})` : ''}`)
        : bi(
            `通知 ${reach.role} 超时：定级后 ${reach.delayMs !== undefined ? span(reach.delayMs) : '未知'} 才通知到，时限 ${within}`,
            `Audience ${reach.role} reached after ${reach.delayMs !== undefined ? span(reach.delayMs) : 'an unknown time'} against ${within}`,
          );
    lost.push({ points: share, reason });
  }
  const first = firstNotification(facts);
  if (!first.met) {
    const limit = planDuration(FIRST_NOTIFICATION_MS);
    lost.push({
      points: FIRST_NOTIFICATION_POINTS,
      reason:
        facts.firstNotificationAt === undefined
          ? bi(`定级后未发出任何通知（应在 ${limit} 内）`, `No notification sent after classification (limit ${limit})`)
          : bi(
              `首次通知在定级后 ${first.delayMs !== undefined ? span(first.delayMs) : '未知时间'} 发出，超过 ${limit}`,
              `First notification ${first.delayMs !== undefined ? span(first.delayMs) : 'at an unknown time'} after classification, limit ${limit}`,
            ),
    });
  }
  return lost;
}

function expectations(facts: DrillFacts): Loss[] {
  const results = evaluateExpectations(facts);
  const share = PART_WEIGHTS.expectations / Math.max(1, results.length);
  return results.filter((r) => !r.met).map((r) => ({ points: share, reason: expectationFailedText(r), stepId: r.stepId }));
}

const PARTS: Array<[ScorePart, (facts: DrillFacts) => Loss[]]> = [
  ['recovery', recovery],
  ['timeliness', timeliness],
  ['completeness', completeness],
  ['communication', communication],
  ['expectations', expectations],
];

export function scoreDrill(facts: DrillFacts): DrillScore {
  const parts: DrillScore['parts'] = [];
  const lost: LostPoints[] = [];
  for (const [part, measure] of PARTS) {
    const weight = PART_WEIGHTS[part];
    const losses = measure(facts).filter((l) => l.points > 1e-9);
    const raw = Math.min(weight, Math.max(0, weight - losses.reduce((sum, l) => sum + l.points, 0)));
    const points = round(raw, 2);
    parts.push({ part, weight, points, estimated: part === 'recovery' && facts.recoveryEstimated });
    // Rounded losses; the last absorbs the rounding so that the part's losses add up to weight − points.
    const entries: LostPoints[] = losses.map((l) => ({ part, points: round(l.points, 2), reason: l.reason, ...(l.stepId !== undefined ? { stepId: l.stepId } : {}) }));
    if (entries.length > 0) {
      const listed = entries.reduce((sum, e) => sum + e.points, 0);
      const last = entries[entries.length - 1];
      last.points = round(last.points + round(weight - points, 2) - listed, 2);
    }
    lost.push(...entries);
  }
  const total = round(
    parts.reduce((sum, p) => sum + p.points, 0),
    1,
  );
  return { total, grade: gradeOf(total), parts, lost };
}
