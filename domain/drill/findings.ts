// Findings of a drill (drills-and-scoring.md "Findings and improvement"): each missed deadline,
// required step not done, escalation, lost P0 invoice, exceeded objective and failed expectation,
// with the step, the team and the evidence. Pure; measures shared with the score (measure.ts).
import type { DrillFacts, DrillFinding } from './drill.types';
import {
  bi,
  elapsedEvidence,
  evaluateExpectations,
  expectationFailedText,
  planDuration,
  rpoResult,
  rtoResult,
  span,
  stepName,
  stepTiming,
  taxPlatformResult,
} from './measure';

function compact(finding: DrillFinding): DrillFinding {
  if (finding.team === undefined) delete finding.team;
  if (finding.stepId === undefined) delete finding.stepId;
  return finding;
}

function recoveryFindings(facts: DrillFacts): DrillFinding[] {
  const out: DrillFinding[] = [];
  const est = facts.recoveryEstimated ? { zh: '（估算）', en: ' (estimated)' } : { zh: '', en: '' };
  const estEvidence = facts.recoveryEstimated ? '; estimated from planned durations' : '';
  const rto = rtoResult(facts);
  if (!rto.met && rto.targetMs !== undefined) {
    const target = planDuration(rto.targetMs);
    out.push({
      id: 'rto-exceeded',
      kind: 'rto-exceeded',
      text:
        rto.achievedMs === undefined
          ? bi(`服务未恢复，RTO 目标 ${target}${est.zh}`, `Service was never restored, RTO target ${target}${est.en}`)
          : bi(`恢复用时 ${span(rto.achievedMs)}，超过 RTO 目标 ${target}${est.zh}`, `Recovery took ${span(rto.achievedMs)}, RTO target ${target}${est.en}`),
      evidence: `faultAt ${facts.faultAt ?? '-'}; restoredAt ${facts.restoredAt ?? '-'}; RTO ${rto.achievedMs !== undefined ? span(rto.achievedMs) : '-'} against ${target}${
        rto.ratio !== undefined ? ` (${Math.round(rto.ratio * 100) / 100}×)` : ''
      }; timeScale ${facts.timeScale}${estEvidence}`,
    });
  }
  const rpo = rpoResult(facts);
  const loss = rpo.loss;
  if (loss && rpo.p0Lost) {
    const byClass = Object.entries(loss.byClass)
      .filter(([, n]) => n > 0)
      .map(([c, n]) => `${c} ${n}`)
      .join(', ');
    out.push({
      id: 'p0-lost',
      kind: 'p0-lost',
      text: bi(`丢失 P0 发票 ${loss.p0} 张（当期未申报）`, `${loss.p0} P0 invoice(s) lost (current-period-undeclared)`),
      evidence: `lost by class: ${byClass || '-'}; total ${loss.total}; P0 ${loss.p0}; window ${span(loss.windowMs)}`,
    });
  }
  if (loss && rpo.windowExceeded) {
    const target = planDuration(rpo.targetMs!);
    out.push({
      id: 'rpo-exceeded',
      kind: 'rpo-exceeded',
      text: bi(`数据丢失跨度 ${span(loss.windowMs)}，超过 RPO ${target}`, `Data loss reaches back ${span(loss.windowMs)}, RPO ${target}`),
      evidence: `faultAt ${facts.faultAt ?? '-'}; lost ${loss.total} invoices; oldest lost change ${span(loss.windowMs)} before the fault; RPO ${target}`,
    });
  }
  return out;
}

/** The tax platform's side of the drill: not resynced after its return, unsynced at the deadline, sent twice. */
function taxPlatformFindings(facts: DrillFacts): DrillFinding[] {
  const t = facts.taxPlatform;
  const r = taxPlatformResult(facts);
  if (!t || !r) return [];
  const out: DrillFinding[] = [];
  const examples = t.stillUnsyncedExamples.length ? `; e.g. ${t.stillUnsyncedExamples.join(', ')}` : '';
  if (r.status === 'not-resynced' || r.status === 'platform-not-back') {
    out.push({
      id: 'not-resynced',
      kind: 'not-resynced',
      text:
        r.status === 'platform-not-back'
          ? bi(`演练测量时税务平台尚未恢复，${t.stillUnsynced} 张发票未同步`, `The tax platform was not back when the drill was measured; ${t.stillUnsynced} invoice(s) not synced`)
          : bi(`平台恢复后未完成补传：${t.stillUnsynced} 张发票仍未同步`, `Not resynced after the platform's return: ${t.stillUnsynced} invoice(s) still not synced`),
      evidence: `tenant ${t.tenant}; platform back ${t.returnedAt}; unsynced at the return ${t.unsyncedAtReturn}; still unsynced ${t.stillUnsynced} when measured ${t.measuredAt}${examples}`,
    });
  }
  if (r.unsyncedAtDeadline > 0) {
    out.push({
      id: 'unsynced-at-deadline',
      kind: 'unsynced-at-deadline',
      text: bi(`申报期限时 ${r.unsyncedAtDeadline} 张发票未同步到税务平台`, `${r.unsyncedAtDeadline} invoice(s) not synced to the tax platform at the declaration deadline`),
      evidence: `deadline ${t.deadline?.at ?? '-'} (${t.deadline?.from ?? '-'})${
        t.deadlineAfterEnd ? `; the drill ended before it: counted when measured ${t.measuredAt}, nothing syncs a sandbox after its drill` : ''
      }; unsynced ${r.unsyncedAtDeadline}${examples}`,
    });
  }
  if (r.duplicateUploads > 0) {
    out.push({
      id: 'duplicate-uploads',
      kind: 'duplicate-uploads',
      text: bi(`重复上传 ${r.duplicateUploads} 张平台已有的发票`, `${r.duplicateUploads} invoice(s) uploaded again that the platform already had`),
      evidence: `tenant ${t.tenant} /_sim/stats: alreadyExists (6783) ${t.duplicateUploads}; repeated request serials (6655, nothing stored twice) ${t.duplicateSerials}; batches accepted ${t.uploads}`,
    });
  }
  return out;
}

function stepFindings(facts: DrillFacts): DrillFinding[] {
  const out: DrillFinding[] = [];
  for (const step of facts.steps) {
    if (!step.required) continue;
    const name = stepName(step);
    if (step.state !== 'done') {
      const within = step.withinMs !== undefined ? planDuration(step.withinMs) : undefined;
      out.push(
        compact({
          id: `not-done:${step.id}`,
          kind: 'step-not-done',
          stepId: step.id,
          team: step.team,
          text: bi(`必需步骤未完成：${name}（${step.state}）`, `Required step ${name} not done (${step.state})`),
          evidence: [
            `state ${step.state}`,
            `startedAt ${step.startedAt ?? '-'}`,
            ...(step.acknowledgedAt ? [`acknowledgedAt ${step.acknowledgedAt}`] : []),
            ...(within ? [`within ${within}`] : []),
            `escalations ${step.escalations}`,
            `drill finishedAt ${facts.finishedAt ?? '-'}`,
          ].join('; '),
        }),
      );
      continue;
    }
    const timing = stepTiming(facts, step);
    if (timing && (timing.status === 'late' || timing.status === 'very-late')) {
      const within = planDuration(timing.withinMs);
      out.push(
        compact({
          id: `late:${step.id}`,
          kind: 'missed-deadline',
          stepId: step.id,
          team: step.team,
          text: bi(`步骤超时：${name} 完成用时 ${span(timing.tookMs!)}，时限 ${within}`, `Step ${name} took ${span(timing.tookMs!)} against ${within}`),
          evidence: [
            `startedAt ${step.startedAt}`,
            ...(step.acknowledgedAt ? [`acknowledgedAt ${step.acknowledgedAt}`] : []),
            `finishedAt ${step.finishedAt}`,
            `took ${elapsedEvidence(facts, step.startedAt!, step.finishedAt!, timing.tookMs!)}`,
            `within ${within} (${Math.round((timing.tookMs! / timing.withinMs) * 100) / 100}×)`,
            ...(step.finishedBy ? [`finishedBy ${step.finishedBy}${step.simulated ? ' (simulated)' : ''}`] : []),
          ].join('; '),
        }),
      );
    }
  }
  return out;
}

/** Every automated step whose action failed, with its error, even when a person then completed it by hand. */
function automatedFailureFindings(facts: DrillFacts): DrillFinding[] {
  return facts.steps
    .filter((step) => step.type === 'automated' && step.failure !== undefined)
    .map((step) => {
      const name = stepName(step);
      const byHand = step.state === 'done' ? { zh: '，后由人工完成', en: ', then completed by hand' } : { zh: '', en: '' };
      return compact({
        id: `automated-failed:${step.id}`,
        kind: 'automated-step-failed',
        stepId: step.id,
        team: step.team,
        text: bi(`自动步骤失败：${name}${byHand.zh}`, `Automated step ${name} failed${byHand.en}`),
        evidence: [
          `error ${step.failure}`,
          `state ${step.state}`,
          ...(step.state === 'done' && step.finishedBy ? [`completed by hand by ${step.finishedBy}${step.simulated ? ' (simulated)' : ''}`] : []),
        ].join('; '),
      });
    });
}

function escalationFindings(facts: DrillFacts): DrillFinding[] {
  const count = new Map<string, number>();
  return facts.escalations.map((e) => {
    const n = (count.get(e.stepId) ?? 0) + 1;
    count.set(e.stepId, n);
    const step = facts.steps.find((s) => s.id === e.stepId);
    const team = e.team ?? step?.team;
    const name = stepName({ id: e.stepId, team });
    const who = e.notified.length > 0 ? e.notified : ['-'];
    return compact({
      id: `escalation:${e.stepId}:${n}`,
      kind: 'escalation',
      stepId: e.stepId,
      team,
      text: bi(`步骤 ${name} 第 ${n} 次升级，通知 ${who.join('、')}`, `Step ${name} escalated (${n}), notified ${who.join(', ')}`),
      evidence: [
        `escalated at ${e.at}`,
        `notified ${who.join(', ')}`,
        ...(step?.startedAt ? [`step startedAt ${step.startedAt}`] : []),
        ...(step?.withinMs !== undefined ? [`within ${planDuration(step.withinMs)}`] : []),
        ...(step ? [`step state ${step.state}`] : []),
      ].join('; '),
    });
  });
}

function expectationFindings(facts: DrillFacts): DrillFinding[] {
  return evaluateExpectations(facts)
    .filter((r) => !r.met)
    .map((r) =>
      compact({
        id: `expect:${r.index}`,
        kind: 'expectation-failed',
        stepId: r.stepId,
        team: r.team,
        text: expectationFailedText(r),
        evidence: r.evidence,
      }),
    );
}

/**
 * One finding per problem, in this order: recovery (RTO, P0 loss, RPO), the tax platform (not
 * resynced, unsynced at the deadline, duplicate uploads), required steps in plan order
 * (not done, or finished late), automated steps that failed, escalations as they fired, failed
 * expectations. Ids are stable within a drill: `rto-exceeded`, `p0-lost`, `rpo-exceeded`,
 * `not-resynced`, `unsynced-at-deadline`, `duplicate-uploads`, `not-done:<step>`, `late:<step>`, `automated-failed:<step>`,
 * `escalation:<step>:<n>` (n counts that step's escalations from 1), `expect:<index>` (0-based
 * position in drill.expect).
 */
export function drillFindings(facts: DrillFacts): DrillFinding[] {
  return [...recoveryFindings(facts), ...taxPlatformFindings(facts), ...stepFindings(facts), ...automatedFailureFindings(facts), ...escalationFindings(facts), ...expectationFindings(facts)];
}
