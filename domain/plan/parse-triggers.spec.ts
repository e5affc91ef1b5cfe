import { formatProblem, parsePlan } from './parse-plan';

/** A small valid plan with `triggers` as given (YAML lines under `triggers:`); its problems as text. */
function problems(triggers: string): string[] {
  const text = `apiVersion: yingji/v1
kind: EmergencyPlan
id: t
version: 1
title: 测试 Test
owner: it-ops
levels:
  - level: II
    when: { fact: outageMinutes, gte: 60 }
  - level: IV
    when: { always: true }
triggers:
${triggers}
roles:
  dba: { team: dba }
steps:
  - { id: check, type: manual, owner: dba }
`;
  const res = parsePlan(text, { file: 't.yaml' });
  return res.ok ? [] : res.problems.map(formatProblem);
}

describe('plan triggers', () => {
  it('accepts equal, one-of and regex matchers, and facts of the right kind', () => {
    expect(problems(`  - match: { alertname: A, severity: [critical, warning], instance: { regex: "db-\\\\d+" } }
    launch: auto
    level: II
    facts: { outageMinutes: { label: outage_minutes, default: 0 } }`)).toEqual([]);
  });

  it('says where a trigger is wrong, with line and column', () => {
    expect(problems('  - launch: auto')).toEqual(['t.yaml:13:5 triggers[0].match: missing required field "match"']);
    expect(problems('  - match: {}\n    level: II')).toEqual(['t.yaml:13:12 triggers[0].match: a trigger needs at least one label to match, e.g. { alertname: InvoiceDatabaseDown }']);
    expect(problems('  - match: { alertname: A }\n    launch: automatic\n    level: II')).toEqual([
      't.yaml:14:13 triggers[0].launch: unknown value "automatic"; expected "auto" (start the plan at once) or "propose" (a commander confirms in triage)',
    ]);
    expect(problems('  - match: { alert-name: A }\n    level: II')).toEqual(['t.yaml:13:14 triggers[0].match.alert-name: "alert-name" is not a label name: use letters, digits and _, not starting with a digit']);
  });

  it('refuses regexes Prometheus would not run (RE2 has no lookaround)', () => {
    expect(problems('  - match: { instance: { regex: "(?!test).*" } }\n    level: II')).toEqual([
      't.yaml:13:33 triggers[0].match.instance.regex: "(?!test).*" uses lookaround ((?=, (?!, (?<=, (?<!), which Prometheus regexes (RE2) do not have',
    ]);
  });

  it('types constants and defaults as the level rules compare the fact', () => {
    expect(problems('  - match: { alertname: A }\n    facts: { outageMinutes: { value: "90" } }')).toEqual([
      't.yaml:14:38 triggers[0].facts.outageMinutes.value: the value of fact "outageMinutes" must be a number (levels[0].when.gte compares it with a number), found the text "90"',
    ]);
    expect(problems('  - match: { alertname: A }\n    facts: { outageMinutes: { label: m, default: none } }')).toEqual([
      't.yaml:14:50 triggers[0].facts.outageMinutes.default: the default of fact "outageMinutes" must be a number (levels[0].when.gte compares it with a number), found the text "none"',
    ]);
    expect(problems('  - match: { alertname: A }\n    facts: { outageMinutes: { label: m, annotation: m } }')).toEqual([
      't.yaml:14:29 triggers[0].facts.outageMinutes: fact "outageMinutes" comes from one place, but this names "label" and "annotation"',
    ]);
  });

  it('refuses a trigger whose incidents could not be classified', () => {
    expect(problems('  - match: { alertname: A }')).toEqual([
      't.yaml:13:5 triggers[0]: this trigger gives no value for fact "outageMinutes", which levels[0] reads: add it to the trigger\'s facts (with a default), or give the trigger a level',
    ]);
  });
});
