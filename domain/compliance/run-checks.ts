// Every compliance check over one set of gathered facts: the report `yingji compliance`,
// `GET /compliance`, the HTML page and the schedule share. Pure: same facts, same report.
import { backupChecks } from './backup-checks';
import { AREAS } from './compliance.types';
import type { Area, CheckResult, CheckStatus, ComplianceFacts } from './compliance.types';
import { drilledInTime, drillsEvaluated, improvementsOnTime } from './drill-checks';
import { DrAssessment, drLevelCheck } from './dr-level';
import { planContent, planEvaluated, planReachable, planRevisedAfterDrill } from './plan-checks';
import { accessChecks, archiveCheck, auditChecks } from './security-checks';
import type { Thresholds } from './thresholds';

export type Counts = Record<CheckStatus, number>;

export interface ComplianceReport {
  at: string;
  thresholds: Thresholds;
  summary: Counts;
  byArea: Record<Area, Counts>;
  dr: DrAssessment;
  checks: CheckResult[];
}

/** The routine-task key of a result: `compliance:<checkId>[:<subject>]`. */
export const checkKey = (c: Pick<CheckResult, 'id' | 'subject'>) => `compliance:${c.id}${c.subject ? `:${c.subject}` : ''}`;

export function runChecks(facts: ComplianceFacts, t: Thresholds): ComplianceReport {
  const plans = [...facts.plans].sort((a, b) => a.id.localeCompare(b.id));
  const dr = drLevelCheck(facts, t);
  const checks: CheckResult[] = [
    ...plans.flatMap((p) => [planEvaluated(p, facts.now, t), planRevisedAfterDrill(p, facts, t), planContent(p), planReachable(p, facts.directory)]),
    ...plans.flatMap((p) => [drilledInTime(p, facts, t), drillsEvaluated(p, facts, t), improvementsOnTime(p, facts)]),
    ...backupChecks(facts, t),
    dr.check,
    ...auditChecks(facts, t),
    ...accessChecks(facts, t),
    archiveCheck(t),
  ];
  const zero = (): Counts => ({ pass: 0, fail: 0, unknown: 0 });
  const summary = zero();
  const byArea = Object.fromEntries(AREAS.map((a) => [a, zero()])) as Record<Area, Counts>;
  for (const c of checks) {
    summary[c.status]++;
    byArea[c.area][c.status]++;
  }
  return { at: facts.now.toISOString(), thresholds: t, summary, byArea, dr: dr.assessment, checks };
}
