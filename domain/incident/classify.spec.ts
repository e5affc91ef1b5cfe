import { readFileSync } from 'fs';
import { join } from 'path';
import { ClassificationError, classifyIncident, LEVEL_NAMES, levelLabel, overrideClassification, tryClassifyIncident } from './classify';
import { formatProblem, parsePlan } from '../plan/parse-plan';
import type { Level, Plan } from '../plan/plan.types';

function shipped(name: string): Plan {
  const res = parsePlan(readFileSync(join(__dirname, '..', '..', 'plans', `${name}.yaml`), 'utf8'), { file: name });
  if (!res.ok) throw new Error(res.problems.map(formatProblem).join('\n'));
  return res.plan;
}

type Case = [label: string, facts: Record<string, unknown>, level: Level];

/** Each threshold of each shipped plan: just below, at, and just above. */
const BOUNDARIES: Record<string, { base: Record<string, unknown>; cases: Case[] }> = {
  'einvoice-db-crash': {
    base: { invoicesAffected: 0, outageMinutes: 0, dataLeaked: false },
    cases: [
      ['invoices just below I', { invoicesAffected: 99_999 }, 'II'],
      ['invoices at I', { invoicesAffected: 100_000 }, 'I'],
      ['invoices just above I', { invoicesAffected: 100_001 }, 'I'],
      ['outage just below I', { outageMinutes: 239 }, 'IV'],
      ['outage at I', { outageMinutes: 240 }, 'I'],
      ['outage just above I', { outageMinutes: 241 }, 'I'],
      ['invoices just below II', { invoicesAffected: 9_999 }, 'III'],
      ['invoices at II', { invoicesAffected: 10_000 }, 'II'],
      ['invoices just above II', { invoicesAffected: 10_001 }, 'II'],
      ['data leaked', { dataLeaked: true }, 'II'],
      ['invoices just below III', { invoicesAffected: 999 }, 'IV'],
      ['invoices at III', { invoicesAffected: 1_000 }, 'III'],
      ['invoices just above III', { invoicesAffected: 1_001 }, 'III'],
    ],
  },
  'einvoice-data-corruption': {
    base: { invoicesCorrupted: 0, declaredCorrupted: 0 },
    cases: [
      ['corrupted just below I', { invoicesCorrupted: 49_999 }, 'II'],
      ['corrupted at I', { invoicesCorrupted: 50_000 }, 'I'],
      ['corrupted just above I', { invoicesCorrupted: 50_001 }, 'I'],
      ['declared, corrupted just below I', { declaredCorrupted: 1, invoicesCorrupted: 9_999 }, 'II'],
      ['declared, corrupted at I', { declaredCorrupted: 1, invoicesCorrupted: 10_000 }, 'I'],
      ['declared, corrupted just above I', { declaredCorrupted: 1, invoicesCorrupted: 10_001 }, 'I'],
      ['declared just below II', { declaredCorrupted: 0 }, 'IV'],
      ['declared at II', { declaredCorrupted: 1 }, 'II'],
      ['declared above II', { declaredCorrupted: 2 }, 'II'],
      ['corrupted just below II', { invoicesCorrupted: 4_999 }, 'III'],
      ['corrupted at II', { invoicesCorrupted: 5_000 }, 'II'],
      ['corrupted just above II', { invoicesCorrupted: 5_001 }, 'II'],
      ['corrupted just below III', { invoicesCorrupted: 99 }, 'IV'],
      ['corrupted at III', { invoicesCorrupted: 100 }, 'III'],
      ['corrupted just above III', { invoicesCorrupted: 101 }, 'III'],
    ],
  },
  'einvoice-missing-invoices': {
    base: { missingInvoices: 0, missingAmountYuan: 0, daysToDeclarationDeadline: 20 },
    cases: [
      ['deadline near, missing just below I', { daysToDeclarationDeadline: 3, missingInvoices: 9_999 }, 'III'],
      ['deadline near, missing at I', { daysToDeclarationDeadline: 3, missingInvoices: 10_000 }, 'I'],
      ['deadline near, missing just above I', { daysToDeclarationDeadline: 3, missingInvoices: 10_001 }, 'I'],
      ['many missing, deadline just outside I', { missingInvoices: 10_000, daysToDeclarationDeadline: 4 }, 'II'],
      ['many missing, deadline at I', { missingInvoices: 10_000, daysToDeclarationDeadline: 3 }, 'I'],
      ['many missing, deadline inside I', { missingInvoices: 10_000, daysToDeclarationDeadline: 2 }, 'I'],
      ['amount just below II', { missingAmountYuan: 9_999_999 }, 'IV'],
      ['amount at II', { missingAmountYuan: 10_000_000 }, 'II'],
      ['amount just above II', { missingAmountYuan: 10_000_001 }, 'II'],
      ['missing just below III', { missingInvoices: 99 }, 'IV'],
      ['missing at III', { missingInvoices: 100 }, 'III'],
      ['missing just above III', { missingInvoices: 101 }, 'III'],
      ['deadline just outside III', { daysToDeclarationDeadline: 4 }, 'IV'],
      ['deadline at III', { daysToDeclarationDeadline: 3 }, 'III'],
      ['deadline inside III', { daysToDeclarationDeadline: 2 }, 'III'],
    ],
  },
  'einvoice-tax-platform-outage': {
    base: { outageMinutes: 0, daysToDeclarationDeadline: 20, regionsAffected: 1, platformAnnounced: false },
    cases: [
      ['deadline near, outage just below I', { daysToDeclarationDeadline: 2, outageMinutes: 479 }, 'II'],
      ['deadline near, outage at I', { daysToDeclarationDeadline: 2, outageMinutes: 480 }, 'I'],
      ['deadline near, outage just above I', { daysToDeclarationDeadline: 2, outageMinutes: 481 }, 'I'],
      ['long outage, deadline just outside I', { outageMinutes: 480, daysToDeclarationDeadline: 3 }, 'II'],
      ['outage just below II', { outageMinutes: 239 }, 'III'],
      ['outage at II', { outageMinutes: 240 }, 'II'],
      ['outage just above II', { outageMinutes: 241 }, 'II'],
      ['deadline near, outage just below II', { daysToDeclarationDeadline: 2, outageMinutes: 59 }, 'IV'],
      ['deadline near, outage at II', { daysToDeclarationDeadline: 2, outageMinutes: 60 }, 'II'],
      ['deadline near, outage just above II', { daysToDeclarationDeadline: 2, outageMinutes: 61 }, 'II'],
      ['outage just below III', { outageMinutes: 59 }, 'IV'],
      ['outage at III', { outageMinutes: 60 }, 'III'],
      ['one region', { regionsAffected: 1 }, 'IV'],
      ['two regions, not announced', { regionsAffected: 2 }, 'III'],
      ['two regions, announced maintenance', { regionsAffected: 2, platformAnnounced: true }, 'IV'],
    ],
  },
  'einvoice-data-leak': {
    base: { recordsLeaked: 0, personalInfo: false, leakSource: 'misconfiguration' },
    cases: [
      ['records just below I', { recordsLeaked: 99_999 }, 'II'],
      ['records at I', { recordsLeaked: 100_000 }, 'I'],
      ['records just above I', { recordsLeaked: 100_001 }, 'I'],
      ['personal info, records just below I', { personalInfo: true, recordsLeaked: 9_999 }, 'III'],
      ['personal info, records at I', { personalInfo: true, recordsLeaked: 10_000 }, 'I'],
      ['records just below II', { recordsLeaked: 9_999 }, 'III'],
      ['records at II', { recordsLeaked: 10_000 }, 'II'],
      ['records just above II', { recordsLeaked: 10_001 }, 'II'],
      ['an insider', { leakSource: 'insider' }, 'II'],
      ['an external attack', { leakSource: 'external-attack' }, 'II'],
      ['a partner mistake', { leakSource: 'partner' }, 'IV'],
      ['records just below III', { recordsLeaked: 99 }, 'IV'],
      ['records at III', { recordsLeaked: 100 }, 'III'],
      ['records just above III', { recordsLeaked: 101 }, 'III'],
    ],
  },
};

describe.each(Object.keys(BOUNDARIES))('%s level boundaries', (name) => {
  const plan = shipped(name);
  const { base, cases } = BOUNDARIES[name];
  it.each(cases)('%s -> %s', (_label, facts, level) => {
    expect(classifyIncident(plan, { ...base, ...facts }).level).toBe(level);
  });
  it('classifies its drill facts at the level the drill expects', () => {
    const expected = plan.drill?.expect?.find((e) => 'level' in e)?.level;
    expect(classifyIncident(plan, plan.drill?.facts ?? {}).level).toBe(expected);
  });
});

describe('classifyIncident', () => {
  const plan = shipped('einvoice-db-crash');
  const facts = { invoicesAffected: 25_000, outageMinutes: 0, dataLeaked: false };

  it('names the matched rule and why it matched', () => {
    const c = classifyIncident(plan, facts);
    expect(c).toMatchObject({ level: 'II', computedLevel: 'II', ruleIndex: 1 });
    expect(c.rule).toBe(plan.levels[1]);
    expect(c.description).toBe('levels[1] → II 重大 Serious: invoicesAffected is 25000 (≥ 10000)');
    expect(c.reason).toBe(c.description);
    expect(c.overridden).toBeUndefined();
  });

  it('describes the catch-all', () => {
    expect(classifyIncident(plan, { invoicesAffected: 3, outageMinutes: 0, dataLeaked: false }).description).toBe(
      'levels[3] → IV 一般 General: no earlier rule matched (catch-all)',
    );
  });

  it('refuses an unknown fact the rule depends on, naming it', () => {
    const run = () => classifyIncident(plan, { invoicesAffected: 5 });
    expect(run).toThrow(ClassificationError);
    expect(run).toThrow('levels[0] (level I): unknown fact "outageMinutes": the level rules need it, but the incident\'s facts do not include it');
    const r = tryClassifyIncident(plan, { invoicesAffected: 5 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'unknown-fact', fact: 'outageMinutes', ruleIndex: 0 });
  });

  it('does not need facts that cannot change the outcome', () => {
    // any: one part is true, so outageMinutes does not matter; rules below the match are not tried.
    expect(classifyIncident(plan, { invoicesAffected: 200_000 }).level).toBe('I');
    expect(classifyIncident(plan, { invoicesAffected: 20_000, outageMinutes: 0 }).level).toBe('II');
  });

  it('refuses a mistyped fact, naming it', () => {
    const r = tryClassifyIncident(plan, { invoicesAffected: '25000', outageMinutes: 0, dataLeaked: false });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatchObject({ code: 'mistyped-fact', fact: 'invoicesAffected', ruleIndex: 0 });
      expect(r.error.message).toBe('levels[0] (level I): fact "invoicesAffected" is "25000" (text), but the level rules compare it with a number (gte 100000)');
    }
    const b = tryClassifyIncident(plan, { invoicesAffected: 50_000, outageMinutes: 0, dataLeaked: 'yes' });
    expect(!b.ok && b.error.fact).toBe('dataLeaked');
  });

  it('records a commander override with the computed level', () => {
    const c = classifyIncident(plan, facts, { level: 'I', reason: '临近申报期 Declaration deadline tomorrow', by: 'zhang-wei' });
    expect(c).toMatchObject({ level: 'I', computedLevel: 'II', ruleIndex: 1 });
    expect(c.overridden).toEqual({ from: 'II', to: 'I', reason: '临近申报期 Declaration deadline tomorrow', by: 'zhang-wei' });
    expect(c.reason).toBe(`${c.description}; overridden to I 特别重大 Especially serious by zhang-wei: 临近申报期 Declaration deadline tomorrow`);
    const later = overrideClassification(classifyIncident(plan, facts), { level: 'III', reason: 'contained', by: 'li-na' });
    expect(later.overridden).toEqual({ from: 'II', to: 'III', reason: 'contained', by: 'li-na' });
  });

  it('refuses an override without a reason, a person or a valid level', () => {
    expect(() => classifyIncident(plan, facts, { level: 'I', reason: ' ', by: 'x' })).toThrow('an override needs a reason');
    expect(() => classifyIncident(plan, facts, { level: 'I', reason: 'r', by: '' })).toThrow('an override needs the person who decided it (by)');
    expect(() => classifyIncident(plan, facts, { level: 'V' as Level, reason: 'r', by: 'x' })).toThrow('an override needs a level');
  });

  it('refuses rules where nothing matches (a plan built without the validator)', () => {
    expect(() => classifyIncident({ levels: [{ level: 'II', when: { fact: 'x', gt: 1 } }] }, { x: 0 })).toThrow(/no level rule matched/);
  });

  it('names the levels in both languages', () => {
    expect(LEVEL_NAMES.III).toEqual({ zh: '较大', en: 'Relatively serious' });
    expect(levelLabel('I')).toBe('I 特别重大 Especially serious');
  });

  it('evaluates not, all and in', () => {
    const rules = {
      levels: [
        { level: 'I' as Level, when: { all: [{ fact: 'a', in: ['x', 'y'] }, { not: { fact: 'b', eq: true } }] } },
        { level: 'IV' as Level, when: { always: true as const } },
      ],
    };
    expect(classifyIncident(rules, { a: 'y', b: false }).level).toBe('I');
    expect(classifyIncident(rules, { a: 'y', b: true }).level).toBe('IV');
    expect(classifyIncident(rules, { a: 'z' }).level).toBe('IV');
    expect(() => classifyIncident(rules, { a: 'x' })).toThrow('unknown fact "b"');
  });
});
