import { ACTION_NAMES, ACTIONS } from './actions';
import { formatDuration, parseDuration } from './duration';
import { renderMessage } from './message';
import { formatProblem, parsePlan } from './parse-plan';
import type { ParsePlanResult } from './parse-plan';
import type { Plan } from './plan.types';
import { didYouMean, editDistance } from '../text/did-you-mean';
import { formatPath } from '../yaml/reader';

/**
 * The example of plan-format.md, with its two abridged lines written as valid YAML and its webhook
 * variable under the name a deployment allows (only YINGJI_PLAN_* are read).
 */
const FORMAT_EXAMPLE = `apiVersion: yingji/v1
kind: EmergencyPlan
id: einvoice-db-crash            # stable, lowercase, dashes
version: 3                       # integer; a published id+version never changes
title: 发票数据库崩溃 Invoice database crash
owner: it-ops
incidentTypes: [db-crash, db-unavailable]

levels:
  - level: I
    when: { any: [ { fact: invoicesAffected, gte: 100000 }, { fact: outageMinutes, gte: 240 } ] }
  - level: II
    when: { any: [ { fact: invoicesAffected, gte: 10000 }, { fact: dataLeaked, eq: true } ] }
  - level: III
    when: { fact: invoicesAffected, gte: 1000 }
  - level: IV
    when: { always: true }

roles:
  commander: { team: it-ops, role: commander }
  dba: { team: dba }
  tax: { team: tax-sync }
  finance: { team: finance }

objectives:
  rto: { I: 30m, II: 1h, III: 4h, IV: 1d }
  rpo: 15m

steps:
  - id: isolate
    title: 隔离故障库，停止写入 Stop writes to the failed database
    owner: dba
    type: manual
    within: 10m
    checklist: [停止开票服务写入, 保留现场日志]
  - id: choose-path
    title: 切换备库还是原地恢复 Fail over or restore in place
    owner: commander
    type: decision
    after: [isolate]
    options:
      - { id: failover, next: [failover-standby] }
      - { id: restore,  next: [restore-invoices] }
  - id: restore-invoices
    owner: dba
    type: automated
    action: restoreByPriority
    with: { backup: latest, priorities: [current-period-undeclared, red-letter, high-value, current-period, last-12-months, archive] }
    within: 30m
  - id: failover-standby
    owner: dba
    type: manual
    within: 15m
  - id: tell-finance
    type: notify
    after: [isolate]
    to: [finance, commander]
    channels: [email, webhook]
    message: "发票库故障，{level}级，预计恢复 {rto}"
  - id: verify
    owner: dba
    type: automated
    action: verifyRestore
    after: [restore-invoices, failover-standby]   # waits for whichever branch ran
    levels: [I, II, III]                          # skipped at level IV
    within: 15m

escalation:
  - { after: 0m, notify: [owner-lead] }
  - { after: 10m, notify: [commander] }
  - { after: 30m, notify: [management] }

notify:
  channels:
    email:   { to: { commander: ops-oncall@example.com, finance: finance@example.com } }
    webhook: { url: "\${YINGJI_PLAN_WEBHOOK_URL}", format: wecom }
  onStages: [classified, escalated, restored, closed]

review:
  owner: commander
  within: 72h

drill:
  facts: { invoicesAffected: 25000, outageMinutes: 0 }
  faults:
    - { kind: drop-table, target: invoices }
  expect:
    - { step: restore-invoices, within: 20m }
    - { rpo: 15m }
`;

const env = { YINGJI_PLAN_WEBHOOK_URL: 'https://hooks.example.com/yingji' };

function ok(res: ParsePlanResult): Plan {
  if (!res.ok) throw new Error(res.problems.map(formatProblem).join('\n'));
  return res.plan;
}
function problems(res: ParsePlanResult): string[] {
  if (res.ok) throw new Error('expected problems, the plan is valid');
  return res.problems.map(formatProblem);
}

describe('parsePlan: the plan-format.md example', () => {
  const plan = ok(parsePlan(FORMAT_EXAMPLE, { file: 'einvoice-db-crash.yaml', env }));

  it('reads every section', () => {
    expect(plan.id).toBe('einvoice-db-crash');
    expect(plan.version).toBe(3);
    expect(plan.levels.map((l) => l.level)).toEqual(['I', 'II', 'III', 'IV']);
    expect(Object.keys(plan.roles)).toEqual(['commander', 'dba', 'tax', 'finance']);
    expect(plan.steps.map((s) => `${s.id}:${s.type}`)).toEqual([
      'isolate:manual',
      'choose-path:decision',
      'restore-invoices:automated',
      'failover-standby:manual',
      'tell-finance:notify',
      'verify:automated',
    ]);
    expect(plan.review).toEqual({ owner: 'commander', within: '72h', withinMs: 72 * 3_600_000 });
    expect(plan.drill?.expect).toEqual([{ step: 'restore-invoices', within: '20m', withinMs: 1_200_000 }, { rpo: '15m', rpoMs: 900_000 }]);
  });

  it('takes every fault a live drill can inject for real, with its settings', () => {
    const faults = `  faults:
    - { kind: drop-table, target: invoice_changes }
    - { kind: truncate-table, target: invoices }
    - { kind: delete-rows, target: invoices, share: 0.1, filter: current-period-undeclared }
    - { kind: corrupt-rows, target: invoices, count: 40, field: number }
    - { kind: stop-database, duration: 5m }`;
    const text = FORMAT_EXAMPLE.replace('  faults:\n    - { kind: drop-table, target: invoices }', faults);
    expect(ok(parsePlan(text, { file: 'p.yaml', env })).drill?.faults).toEqual([
      { kind: 'drop-table', target: 'invoice_changes' },
      { kind: 'truncate-table', target: 'invoices' },
      { kind: 'delete-rows', target: 'invoices', share: 0.1, filter: 'current-period-undeclared' },
      { kind: 'corrupt-rows', target: 'invoices', count: 40, field: 'number' },
      { kind: 'stop-database', duration: '5m', durationMs: 300_000 },
    ]);
  });

  it('converts durations to milliseconds beside the text', () => {
    expect(plan.steps[0]).toMatchObject({ within: '10m', withinMs: 600_000 });
    expect(plan.objectives).toEqual({
      rto: { I: '30m', II: '1h', III: '4h', IV: '1d' },
      rtoMs: { I: 1_800_000, II: 3_600_000, III: 14_400_000, IV: 86_400_000 },
      rpo: '15m',
      rpoMs: 900_000,
    });
    expect(plan.escalation).toEqual([
      { after: '0m', afterMs: 0, notify: ['owner-lead'] },
      { after: '10m', afterMs: 600_000, notify: ['commander'] },
      { after: '30m', afterMs: 1_800_000, notify: ['management'] },
    ]);
  });

  it('substitutes ${NAME} from the environment it is given', () => {
    expect(plan.notify?.channels?.webhook).toEqual({ url: 'https://hooks.example.com/yingji', format: 'wecom' });
  });

  it('gives plain data that survives JSON (it crosses into workflow code)', () => {
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });

  it('reads a single rto for every level', () => {
    const p = ok(parsePlan(FORMAT_EXAMPLE.replace('rto: { I: 30m, II: 1h, III: 4h, IV: 1d }', 'rto: 2h'), { env }));
    expect(p.objectives).toMatchObject({ rto: '2h', rtoMs: 7_200_000 });
  });

  it('explains the abridged lines of the example as written in the document', () => {
    const verbatim = FORMAT_EXAMPLE.replace('webhook: { url: "${YINGJI_PLAN_WEBHOOK_URL}", format: wecom }', 'webhook: { url: ${YINGJI_PLAN_WEBHOOK_URL}, format: wecom }');
    expect(problems(parsePlan(verbatim, { file: 'x.yaml', env }))).toEqual([
      'x.yaml:76:21 notify.channels.webhook.url: YAML syntax error: "${...}" inside { } or [ ] must be quoted, e.g. url: "${YINGJI_PLAN_WEBHOOK_URL}"',
    ]);
    const escalation = FORMAT_EXAMPLE.replace('  - { after: 0m, notify: [owner-lead] }', '  - after: 0m   notify: [owner-lead]');
    expect(problems(parsePlan(escalation, { file: 'x.yaml', env }))[0]).toMatch(/^x\.yaml:69:12 escalation\[0\]\.after: YAML syntax error: Nested mappings/);
  });
});

describe('parsePlan: plan variables (${NAME}, only YINGJI_PLAN_*)', () => {
  const withTitle = (title: string) => FORMAT_EXAMPLE.replace('title: 发票数据库崩溃 Invoice database crash', `title: "${title}"`);

  it('reports a missing variable at its exact position, never reading process.env', () => {
    process.env.YINGJI_PLAN_WEBHOOK_URL = 'https://from-process-env.example.com';
    try {
      expect(problems(parsePlan(FORMAT_EXAMPLE, { file: 'p.yaml' }))).toEqual([
        'p.yaml:76:22 notify.channels.webhook.url: environment variable YINGJI_PLAN_WEBHOOK_URL is not set (used here as ${YINGJI_PLAN_WEBHOOK_URL})',
      ]);
    } finally {
      delete process.env.YINGJI_PLAN_WEBHOOK_URL;
    }
  });

  it('refuses any other name by name alone: the same answer whether or not the variable exists, and its value never appears', () => {
    const secret = 'postgres://yingji:s3cret-password@db.internal:5432/yingji';
    const text = withTitle('${DATABASE_URL}');
    const refusal = ['p.yaml:5:9 title: only variables named YINGJI_PLAN_* may be used in a plan (used here as ${DATABASE_URL}); set YINGJI_PLAN_DATABASE_URL instead'];
    const present = problems(parsePlan(text, { file: 'p.yaml', env: { ...env, DATABASE_URL: secret } }));
    const absent = problems(parsePlan(text, { file: 'p.yaml', env }));
    expect(present).toEqual(refusal);
    expect(absent).toEqual(refusal);
    expect(present.join('\n')).not.toContain('s3cret');
  });

  it('refuses the design document\'s ${WEBHOOK_URL} and names that only look like plan variables', () => {
    const text = FORMAT_EXAMPLE.replace('${YINGJI_PLAN_WEBHOOK_URL}', '${WEBHOOK_URL}');
    expect(problems(parsePlan(text, { file: 'p.yaml', env: { WEBHOOK_URL: 'https://hooks.example.com/yingji' } }))).toEqual([
      'p.yaml:76:22 notify.channels.webhook.url: only variables named YINGJI_PLAN_* may be used in a plan (used here as ${WEBHOOK_URL}); set YINGJI_PLAN_WEBHOOK_URL instead',
    ]);
    const lookalikes = { ...env, YINGJI_PLAN_: 'x', yingji_plan_title: 'x' };
    expect(problems(parsePlan(withTitle('${YINGJI_PLAN_} ${yingji_plan_title}'), { file: 'p.yaml', env: lookalikes }))).toEqual([
      'p.yaml:5:9 title: only variables named YINGJI_PLAN_* may be used in a plan (used here as ${YINGJI_PLAN_}); set a name such as YINGJI_PLAN_TITLE instead',
      'p.yaml:5:25 title: only variables named YINGJI_PLAN_* may be used in a plan (used here as ${yingji_plan_title}); set a name such as YINGJI_PLAN_TITLE instead',
    ]);
  });

  it('substitutes several variables in one string and reports each missing one', () => {
    const text = withTitle('${YINGJI_PLAN_A} and ${YINGJI_PLAN_B} and ${YINGJI_PLAN_C}');
    expect(ok(parsePlan(text, { env: { ...env, YINGJI_PLAN_A: 'x', YINGJI_PLAN_B: 'y', YINGJI_PLAN_C: 'z' } })).title).toBe('x and y and z');
    expect(problems(parsePlan(text, { file: 'p.yaml', env: { ...env, YINGJI_PLAN_B: 'y' } }))).toEqual([
      'p.yaml:5:9 title: environment variable YINGJI_PLAN_A is not set (used here as ${YINGJI_PLAN_A})',
      'p.yaml:5:51 title: environment variable YINGJI_PLAN_C is not set (used here as ${YINGJI_PLAN_C})',
    ]);
  });

  it('refuses malformed references', () => {
    const bad = (s: string) => problems(parsePlan(withTitle(s), { file: 'p.yaml', env }));
    expect(bad('cost ${lower-case}')).toEqual(['p.yaml:5:14 title: "${lower-case}" is not a valid variable reference: names use letters, digits and _']);
    expect(bad('open ${NAME')).toEqual(['p.yaml:5:14 title: "${" starts a variable reference but has no closing "}"']);
  });

  it('substitutes inside durations and action parameters too', () => {
    const text = FORMAT_EXAMPLE.replace('within: 10m', 'within: "${YINGJI_PLAN_ISOLATE_WITHIN}"').replace('backup: latest', 'backup: "${YINGJI_PLAN_BACKUP_ID}"');
    const plan = ok(parsePlan(text, { env: { ...env, YINGJI_PLAN_ISOLATE_WITHIN: '5m', YINGJI_PLAN_BACKUP_ID: 'full-2025-03-01' } }));
    expect(plan.steps[0]).toMatchObject({ within: '5m', withinMs: 300_000 });
    expect(plan.steps[2]).toMatchObject({ with: { backup: 'full-2025-03-01' } });
  });
});

describe('parsePlan: problems', () => {
  it('returns every problem at once, in file order', () => {
    const text = FORMAT_EXAMPLE.replace('version: 3 ', 'version: 0 ')
      .replace('after: [isolate]\n    options', 'after: [isolat]\n    options')
      .replace('action: verifyRestore', 'action: verifyRestor')
      .replace('within: 72h', 'within: 3 days');
    expect(problems(parsePlan(text, { file: 'einvoice-db-crash.yaml', env }))).toEqual([
      'einvoice-db-crash.yaml:4:10 version: expected a version: a whole number of 1 or more, found the number 0',
      'einvoice-db-crash.yaml:40:13 steps[1].after[0]: unknown step "isolat" (did you mean "isolate"?)',
      'einvoice-db-crash.yaml:63:13 steps[5].action: unknown action "verifyRestor" (did you mean "verifyRestore"?)',
      'einvoice-db-crash.yaml:81:11 review.within: "3 days" is not a duration: write a whole number and one unit (s, m, h or d), e.g. 90s, 15m, 1h, 2d',
    ]);
  });

  it('lists the fields allowed when an unknown one is not a near miss', () => {
    const text = FORMAT_EXAMPLE.replace('review:\n  owner: commander', 'review:\n  owner: commander\n  colour: blue');
    expect(problems(parsePlan(text, { file: 'p.yaml', env }))).toEqual(['p.yaml:81:3 review.colour: unknown field "colour"; fields here are "owner" and "within"']);
  });

  it('checks option references of drill expectations', () => {
    const text = FORMAT_EXAMPLE.replace('    - { rpo: 15m }', '    - { rpo: 15m }\n    - { decision: choose-path, option: restor }');
    expect(problems(parsePlan(text, { file: 'p.yaml', env }))).toEqual(['p.yaml:90:40 drill.expect[2].option: decision "choose-path" has no option "restor" (did you mean "restore"?)']);
  });

  it('checks that a fact read by an action is provided by a step it waits for', () => {
    const base = FORMAT_EXAMPLE.replace('with: { backup: latest,', 'with: { pointInTime: { fact: brokeAt },');
    expect(ok(parsePlan(base.replace('    checklist: [停止开票服务写入, 保留现场日志]', '    provides: [brokeAt]'), { env })).steps[0]).toMatchObject({ provides: ['brokeAt'] });
    const notBefore = base.replace('    owner: dba\n    type: manual\n    within: 15m', '    owner: dba\n    type: manual\n    within: 15m\n    provides: [brokeAt]');
    expect(problems(parsePlan(notBefore, { file: 'p.yaml', env }))).toEqual([
      'p.yaml:48:34 steps[2].with.pointInTime.fact: fact "brokeAt" is provided by "failover-standby", which step "restore-invoices" does not wait for; add it to "after"',
    ]);
  });
});

describe('parsePlan: never throws', () => {
  const inputs: unknown[] = ['', '   \n', '\u0000\u0001\u0002', '[1, 2', 'just text', '42', '- a\n- b', '{{{{', '&a [*a]', ': : :', 'a: !!binary aGVsbG8=', '['.repeat(3000), 'x: '.repeat(2000), null, 42, {}];
  it.each(inputs.map((i) => [JSON.stringify(i)?.slice(0, 30), i]))('%s', (_label, input) => {
    const res = parsePlan(input as string, { file: 'g.yaml' });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.problems.length).toBeGreaterThan(0);
    for (const p of res.problems) {
      expect(p.file).toBe('g.yaml');
      expect(p.line).toBeGreaterThanOrEqual(1);
      expect(p.column).toBeGreaterThanOrEqual(1);
      expect(p.message.length).toBeGreaterThan(0);
    }
  });

  it('reads anchors and aliases', () => {
    const text = FORMAT_EXAMPLE.replace('checklist: [停止开票服务写入, 保留现场日志]', 'checklist: &keep [停止开票服务写入, 保留现场日志]').replace(
      '    owner: dba\n    type: manual\n    within: 15m',
      '    owner: dba\n    type: manual\n    within: 15m\n    checklist: *keep',
    );
    const plan = ok(parsePlan(text, { env }));
    expect(plan.steps[3]).toMatchObject({ checklist: ['停止开票服务写入', '保留现场日志'] });
  });
});

describe('formatting', () => {
  it('formats problems as file:line:col path: message', () => {
    expect(formatProblem({ file: 'a.yaml', line: 41, column: 12, path: 'steps[2].after[0]', message: 'unknown step "isolat"' })).toBe('a.yaml:41:12 steps[2].after[0]: unknown step "isolat"');
    expect(formatProblem({ file: 'a.yaml', line: 1, column: 1, path: '', message: 'the file is empty' })).toBe('a.yaml:1:1: the file is empty');
  });

  it('formats paths', () => {
    expect(formatPath(['steps', 2, 'after', 0])).toBe('steps[2].after[0]');
    expect(formatPath(['notify', 'channels', 'email', 'to', 'a b'])).toBe('notify.channels.email.to["a b"]');
    expect(formatPath([])).toBe('');
  });
});

describe('did you mean', () => {
  it('measures edits, counting a swap of neighbours as one', () => {
    expect(editDistance('isolate', 'isolat')).toBe(1);
    expect(editDistance('isolate', 'isolaet')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });
  it('suggests close names only', () => {
    expect(didYouMean('isolat', ['isolate', 'verify'])).toBe('isolate');
    expect(didYouMean('ge', ['eq', 'ne', 'gt', 'gte'])).toBe('gte');
    expect(didYouMean('Commander', ['commander'])).toBe('commander');
    expect(didYouMean('zzz', ['isolate', 'verify'])).toBeUndefined();
  });
});

describe('durations and messages', () => {
  it('parses <n>s|m|h|d only', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    for (const bad of ['1h30m', '10 m', '-5m', '5', '5w', '']) expect(parseDuration(bad)).toBeUndefined();
    expect(formatDuration(5_400_000)).toBe('90m');
    expect(formatDuration(86_400_000)).toBe('1d');
  });

  it('fills placeholders and keeps unknown ones visible', () => {
    expect(renderMessage('{level}级 {{x}} {fact.n} {nope}', { values: { level: 'II' }, facts: { n: 3 } })).toBe('II级 {x} 3 {nope}');
  });
});

describe('action registry', () => {
  it('describes every v1 action and its parameters', () => {
    expect(ACTION_NAMES).toHaveLength(11);
    for (const name of ACTION_NAMES) {
      expect(ACTIONS[name].name).toBe(name);
      expect(ACTIONS[name].description.length).toBeGreaterThan(10);
      for (const p of Object.values(ACTIONS[name].params)) expect(p.description.length).toBeGreaterThan(3);
    }
  });

  it('validates parameter values with paths into lists', () => {
    const p = ACTIONS.restoreByPriority.params;
    expect(p.priorities.check(['red-letter', 'archive'])).toEqual([]);
    expect(p.priorities.check(['red-letter', 'red-letter'])).toEqual([{ path: [1], message: '"red-letter" is listed twice' }]);
    expect(p.pointInTime.check('2025-03-31T23:59:00+08:00')).toEqual([]);
    expect(p.pointInTime.check({ fact: 'brokeAt' })).toEqual([]);
    expect(p.pointInTime.check('yesterday')[0].message).toMatch(/^expected a date-time with a zone/);
    expect(ACTIONS.restoreByPriority.checkAll?.({ backup: 'full-1', pointInTime: '2025-03-31T23:59:00+08:00' })).toHaveLength(1);
    expect(ACTIONS.reconcileInvoices.params.taxpayers.check(['91110108MA01ABCDE1'])).toEqual([]);
    expect(ACTIONS.reconcileInvoices.params.period.check('2025-13')).toHaveLength(1);
  });
});

describe('parsePlan: limits, checked before the expensive work', () => {
  const head = FORMAT_EXAMPLE.slice(0, FORMAT_EXAMPLE.indexOf('steps:'));
  const manySteps = (n: number) => `${head}steps:\n${Array.from({ length: n }, (_, i) => `  - { id: s-${i}, type: manual, owner: dba }\n`).join('')}`;

  it('refuses more than 500 steps at the first one over, before reading any step', () => {
    const started = Date.now();
    const res = problems(parsePlan(manySteps(5000), { file: 'big.yaml', env }));
    expect(res).toEqual(['big.yaml:530:5 steps[500]: a plan may have at most 500 steps; this one has 5000 (split it into several plans)']);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('accepts exactly 500 steps', () => {
    expect(ok(parsePlan(manySteps(500), { env })).steps).toHaveLength(500);
  });

  it('refuses a text over 256 KiB before parsing it, naming its size', () => {
    const text = `${FORMAT_EXAMPLE}\n# ${'padding '.repeat(40_000)}\n`;
    expect(problems(parsePlan(text, { file: 'big.yaml', env }))).toEqual([
      'big.yaml:1:1: the plan is 315.1 KiB (322649 bytes); a plan may be at most 256 KiB (262144 bytes): split it into several plans',
    ]);
    // Counted in UTF-8 bytes, as stored and sent: 100,000 Chinese characters are 300,000 bytes.
    expect(problems(parsePlan(`${FORMAT_EXAMPLE}\n# ${'发'.repeat(100_000)}\n`, { file: 'big.yaml', env }))[0]).toMatch(/^big\.yaml:1:1: the plan is 295\.6 KiB \(302649 bytes\)/);
  });

  it('stops after 100 problems, saying so where it stopped, instead of suggesting a name for each of thousands', () => {
    const refs = Array.from({ length: 20_000 }, (_, i) => `isolat${i % 10}`).join(', ');
    const text = FORMAT_EXAMPLE.replace('after: [isolate]\n    options', `after: [${refs}]\n    options`);
    const started = Date.now();
    const res = problems(parsePlan(text, { file: 'p.yaml', env }));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(res).toHaveLength(101);
    expect(res[0]).toBe('p.yaml:40:13 steps[1].after[0]: unknown step "isolat0" (did you mean "isolate"?)');
    expect(res[100]).toMatch(/^p\.yaml:40:\d+ steps\[1\]\.after\[100\]: more than 100 problems; the check stopped here: fix the ones above first$/);
  });

  it('finds a repeated field in a map of 15,000 fields in well under a second', () => {
    const fields = Array.from({ length: 15_000 }, (_, i) => `    f${i}: x\n`).join('');
    const text = FORMAT_EXAMPLE.replace('drill:', `x-extra:\n${fields}    f7: again\ndrill:`);
    const started = Date.now();
    const res = problems(parsePlan(text, { file: 'p.yaml', env }));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(res).toEqual([expect.stringMatching(/^p\.yaml:\d+:5 x-extra\.f7: the field "f7" is written twice; keep one$/)]);
  });
});
