// Plan checks: evaluated and revised in time (管理办法 Art. 35–36), content complete (GB/T 29639),
// every role reaching somebody today. One result per plan, owned by the plan's owner.
import { checkReachability } from '../responsibility/reachability';
import type { CheckResult, ComplianceFacts, PlanFact } from './compliance.types';
import { day, daysBefore, daysBetween, monthsBefore } from './dates';
import type { Thresholds } from './thresholds';

const REVIEW_CLAUSE = '生产安全事故应急预案管理办法 Art. 35–36';

/** The plan's current version was published within N years. */
export function planEvaluated(p: PlanFact, now: Date, t: Thresholds): CheckResult {
  const since = monthsBefore(now, t.planReviewYears * 12);
  const ok = p.publishedAt >= since;
  return {
    id: 'plans.evaluated',
    subject: p.id,
    area: 'plans',
    title: `预案每 ${t.planReviewYears} 年评估修订 Plan evaluated within ${t.planReviewYears} years`,
    status: ok ? 'pass' : 'fail',
    evidence: [
      `${p.id} v${p.version} published ${day(p.publishedAt)}`,
      ok ? `within ${t.planReviewYears} years (since ${day(since)})` : `older than ${t.planReviewYears} years: due ${day(monthsBefore(p.publishedAt, -t.planReviewYears * 12))}`,
    ],
    clause: REVIEW_CLAUSE,
    owner: p.owner,
  };
}

/** A drill that found problems is followed by a new version within N days (Art. 36: "a drill found problems"). */
export function planRevisedAfterDrill(p: PlanFact, facts: Pick<ComplianceFacts, 'drills' | 'now'>, t: Thresholds): CheckResult {
  const pending = facts.drills
    .filter((d) => d.planId === p.id && d.findings > 0 && d.finishedAt && d.finishedAt > p.publishedAt)
    .sort((a, b) => a.finishedAt!.getTime() - b.finishedAt!.getTime());
  const late = pending.filter((d) => d.finishedAt! < daysBefore(facts.now, t.reviseAfterDrillDays));
  const evidence = [`${p.id} v${p.version} published ${day(p.publishedAt)}`];
  if (pending.length === 0) evidence.push('no drill with findings since this version');
  for (const d of pending) {
    const age = daysBetween(d.finishedAt!, facts.now);
    evidence.push(`drill ${d.id} (${day(d.finishedAt!)}) found ${d.findings} problem(s), ${age} days ago${age > t.reviseAfterDrillDays ? `: no new version within ${t.reviseAfterDrillDays} days` : ''}`);
  }
  return {
    id: 'plans.revised',
    subject: p.id,
    area: 'plans',
    title: `演练发现问题后修订 Plan revised within ${t.reviseAfterDrillDays} days of a drill that found problems`,
    status: late.length ? 'fail' : 'pass',
    evidence,
    clause: REVIEW_CLAUSE,
    owner: p.owner,
  };
}

/**
 * GB/T 29639-2020's elements, as far as a plan file holds them. Support measures (保障措施) are not
 * a field of a plan file, and contacts live in the team directory (see plans.reachable).
 */
export function planContent(p: PlanFact): CheckResult {
  const plan = p.plan;
  const steps = plan.steps ?? [];
  const elements: Array<[string, boolean, string]> = [
    ['适用范围 scope', Boolean(plan.description?.trim() || plan.incidentTypes?.length), 'description or incidentTypes'],
    ['响应分级 levels', (plan.levels ?? []).length >= 2, 'at least two level rules'],
    ['组织机构及职责 organisation & duties', Boolean(plan.roles?.commander) && Object.keys(plan.roles ?? {}).length >= 2, 'a commander and the roles that own steps'],
    ['信息报告与预警 report & warn', steps.some((s) => s.type === 'notify') || Boolean(plan.notify?.onStages?.length), 'a notify step or notify.onStages'],
    ['应急处置 handle', steps.some((s) => s.type === 'manual' || s.type === 'automated'), 'a manual or automated step'],
    ['后期处置 aftermath', Boolean(plan.review?.owner), 'review.owner (复盘)'],
  ];
  const missing = elements.filter(([, ok]) => !ok);
  return {
    id: 'plans.content',
    subject: p.id,
    area: 'plans',
    title: '预案要素齐全 Plan covers the required elements',
    status: missing.length ? 'fail' : 'pass',
    evidence: [
      `${p.id} v${p.version}`,
      ...elements.map(([name, ok, how]) => `${ok ? 'has' : 'MISSING'} ${name} (${how})`),
      'not checked here: 保障措施 support (not a plan field); contacts (plans.reachable)',
    ],
    clause: 'GB/T 29639-2020',
    owner: p.owner,
  };
}

/** Every role of the plan reaches at least one person on one of its channels, by today's directory. */
export function planReachable(p: PlanFact, directory: ComplianceFacts['directory']): CheckResult {
  const base = { id: 'plans.reachable', subject: p.id, area: 'plans' as const, title: '每个角色今天可联系到人 Every role reaches a person today', clause: '(project)', owner: p.owner };
  if (!directory.ok) {
    return { ...base, status: 'fail', evidence: [`the team directory ${directory.file} does not load:`, ...directory.problems] };
  }
  const r = checkReachability(p.plan, directory.directory);
  const reached = r.roles.filter((x) => x.reachable);
  return {
    ...base,
    status: r.unreachable.length ? 'fail' : 'pass',
    evidence: [
      `${p.id} v${p.version} against ${directory.file}: ${reached.length} of ${r.roles.length} roles reach someone`,
      ...r.unreachable.map((f) => `role ${f.role} (team ${f.team}) reaches nobody: ${f.message}`),
    ],
  };
}
