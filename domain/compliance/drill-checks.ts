// Drill checks: each plan drilled within N months (管理办法 Art. 33), each drill evaluated with its
// findings turned into improvement items (AQ/T 9009), and no improvement item overdue.
import type { CheckResult, ComplianceFacts, PlanFact } from './compliance.types';
import { day, monthsBefore } from './dates';
import type { Thresholds } from './thresholds';

const EVALUATION_CLAUSE = 'AQ/T 9009-2015; GB/T 46792-2025 (scores in App. D)';

/**
 * Plans carry no kind (综合/专项/现场处置): every plan is held to the special-plan rule, one drill
 * in `drillMonths`, unless listed as on-site (`onSiteDrillMonths`). A drill of any mode, tabletop
 * included, that finished counts. A plan first published less than that ago and not drilled yet is not late.
 */
export function drilledInTime(p: PlanFact, facts: Pick<ComplianceFacts, 'drills' | 'now'>, t: Thresholds): CheckResult {
  const months = t.onSitePlans.includes(p.id) ? t.onSiteDrillMonths : t.drillMonths;
  const since = monthsBefore(facts.now, months);
  const done = facts.drills.filter((d) => d.planId === p.id && d.finishedAt).sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
  const last = done[0];
  const base = {
    id: 'drills.in-time',
    subject: p.id,
    area: 'drills' as const,
    title: `每 ${months} 个月至少演练一次 Drilled at least every ${months} months`,
    clause: '生产安全事故应急预案管理办法 Art. 33; GB/T 38645-2020 App. A',
    owner: p.owner,
  };
  if (last && last.startedAt >= since) {
    return { ...base, status: 'pass', evidence: [`${p.id}: last drilled ${day(last.startedAt)} (${last.id}, ${last.mode}), within ${months} months (since ${day(since)})`] };
  }
  if (!last) {
    const due = monthsBefore(p.firstPublishedAt, -months);
    if (due > facts.now) return { ...base, status: 'pass', evidence: [`${p.id}: never drilled; first published ${day(p.firstPublishedAt)}, first drill due by ${day(due)}`] };
    return { ...base, status: 'fail', evidence: [`${p.id}: never drilled since it was first published ${day(p.firstPublishedAt)} (due by ${day(due)})`] };
  }
  return { ...base, status: 'fail', evidence: [`${p.id}: last drilled ${day(last.startedAt)} (${last.id}, ${last.mode}), more than ${months} months ago (before ${day(since)})`] };
}

/** Every drill of the plan finished in the window has a score (its evaluation report) and, when it found problems, improvement items. */
export function drillsEvaluated(p: PlanFact, facts: Pick<ComplianceFacts, 'drills' | 'now'>, t: Thresholds): CheckResult {
  const since = monthsBefore(facts.now, t.drillMonths);
  const drills = facts.drills.filter((d) => d.planId === p.id && d.finishedAt && d.startedAt >= since);
  const evidence: string[] = [];
  let bad = 0;
  for (const d of drills) {
    const problems: string[] = [];
    if (!d.score) problems.push('no evaluation (never scored)');
    if (d.findings > 0 && d.improvementItems === 0) problems.push(`${d.findings} finding(s) but no improvement item recorded`);
    if (problems.length) bad++;
    const what = d.score ? `scored ${d.score.total} ${d.score.grade}, ${d.findings} finding(s), ${d.improvementItems} improvement item(s)` : `${d.findings} finding(s)`;
    evidence.push(`drill ${d.id} (${day(d.startedAt)}): ${problems.length ? problems.join('; ') : what}`);
  }
  if (drills.length === 0) evidence.push(`${p.id}: no drill finished since ${day(since)}`);
  return {
    id: 'drills.evaluated',
    subject: p.id,
    area: 'drills',
    title: '演练有评估报告和整改项 Each drill evaluated, its findings tracked',
    status: bad ? 'fail' : 'pass',
    evidence,
    clause: EVALUATION_CLAUSE,
    owner: p.owner,
  };
}

/**
 * Improvement items past their due date. Items have no state of their own: an item counts as
 * addressed once a newer version of its plan was published after the item was recorded (plan
 * draft-next turns items into the next version).
 */
export function improvementsOnTime(p: PlanFact, facts: Pick<ComplianceFacts, 'improvementItems' | 'now'>): CheckResult {
  const today = day(facts.now);
  const open = facts.improvementItems.filter((i) => i.planId === p.id && i.createdAt > p.publishedAt);
  const overdue = open.filter((i) => i.dueDate < today);
  return {
    id: 'drills.improvements',
    subject: p.id,
    area: 'drills',
    title: '整改项按期完成 No improvement item overdue',
    status: overdue.length ? 'fail' : 'pass',
    evidence: [
      `${p.id}: ${open.length} open improvement item(s) since v${p.version} (${day(p.publishedAt)})`,
      ...overdue.map((i) => `item ${i.id} of ${i.incidentId} for ${i.owner} due ${i.dueDate} is overdue: ${i.text}`),
    ],
    clause: EVALUATION_CLAUSE,
    owner: p.owner,
  };
}
