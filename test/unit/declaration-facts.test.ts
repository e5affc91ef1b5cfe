// A plan takes taxDeadlineHours from the declaration calendar at launch (plan `facts` section):
// it parses, its drill need not type the fact, the fact is computed from the launch time, and a
// fact the caller gives wins.
import { classifyIncident } from '../../domain/incident/classify';
import { launchFacts } from '../../domain/plan/launch-facts';
import { formatProblem, parsePlan } from '../../domain/plan/parse-plan';
import type { Plan } from '../../domain/plan/plan.types';

const CALENDAR_PLAN = `
apiVersion: yingji/v1
kind: EmergencyPlan
id: deadline-example
version: 1
title: 申报期示例 Deadline example
owner: tax-sync
facts:
  taxDeadlineHours: { from: declaration-calendar }
levels:
  - level: I
    when: { all: [ { fact: outageMinutes, gte: 60 }, { fact: taxDeadlineHours, lte: 48 } ] }
  - level: III
    when: { fact: outageMinutes, gte: 60 }
  - level: IV
    when: { always: true }
roles:
  tax: { team: tax-sync }
steps:
  - { id: confirm-outage, owner: tax, type: manual, within: 15m }
drill:
  facts: { outageMinutes: 90 }
`;

function plan(text = CALENDAR_PLAN): Plan {
  const res = parsePlan(text);
  if (!res.ok) throw new Error(res.problems.map(formatProblem).join('\n'));
  return res.plan;
}
const beijing = (local: string) => new Date(`${local}+08:00`);

describe('facts taken from the declaration calendar', () => {
  it('parse, and a drill need not type them', () => {
    expect(plan().facts).toEqual({ taxDeadlineHours: { from: 'declaration-calendar' } });
  });

  it('a drill must still give every other fact the rules read', () => {
    const res = parsePlan(CALENDAR_PLAN.replace('facts: { outageMinutes: 90 }', 'facts: { regionsAffected: 2 }'));
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.problems.map(formatProblem)).toEqual(['plan.yaml:22:10 drill.facts: the drill\'s facts have no value for "outageMinutes", which levels[0] reads']);
  });

  it('are computed at launch from the current time, and classify the incident', () => {
    const p = plan();
    // 2024-12-15 00:00 Beijing: the November period closes at the end of 2024-12-16 (published), 48 h away.
    const near = launchFacts(p, { outageMinutes: 90 }, beijing('2024-12-15T00:00:00'));
    expect(near).toEqual({ outageMinutes: 90, taxDeadlineHours: 48 });
    expect(classifyIncident(p, near).level).toBe('I');
    // On the 5th, eleven days before it: level III.
    const far = launchFacts(p, { outageMinutes: 90 }, beijing('2024-12-05T00:00:00'));
    expect(far.taxDeadlineHours).toBe(12 * 24);
    expect(classifyIncident(p, far).level).toBe('III');
  });

  it('a fact the caller gives wins over the calendar', () => {
    expect(launchFacts(plan(), { outageMinutes: 90, taxDeadlineHours: 500 }, beijing('2024-12-15T00:00:00')).taxDeadlineHours).toBe(500);
  });

  it('outside the calendar, launching is refused with the reason', () => {
    expect(() => launchFacts(plan(), {}, beijing('2028-06-01T00:00:00'))).toThrow('fact "taxDeadlineHours" from declaration-calendar: the declaration calendar covers 2023-12 to 2027-11; it has no deadline for 2028-05');
  });

  it('plans without a facts section are unchanged', () => {
    expect(launchFacts({}, { outageMinutes: 5 }, new Date())).toEqual({ outageMinutes: 5 });
  });
});
