import * as fs from 'node:fs';
import * as path from 'node:path';
import { parsePlan } from './parse-plan';
import { draftNextVersion } from './draft-next';

const source = fs.readFileSync(path.join(__dirname, '../../plans/einvoice-db-crash.yaml'), 'utf8');

describe('draftNextVersion', () => {
  const items = [
    { source: 'drill-20261123-abc', stepId: 'restore-invoices', text: 'Restore took 45m against 30m:\nrestore from a warm standby first', owner: 'dba', due: '2026-12-31' },
    { source: 'drill-20261123-abc', text: 'Rehearse next quarter', owner: 'it-ops', due: '2027-02-28' },
    { source: 'inc-20261120-xyz', stepId: 'no-such-step', text: 'Unknown step goes to the top', owner: 'it-ops', due: '2027-01-15' },
  ];
  const draft = draftNextVersion(source, items);

  it('raises the version and still parses as a valid plan', () => {
    expect(draft.version).toBe(5);
    const parsed = parsePlan(draft.text, { file: 'draft.yaml', env: { YINGJI_PLAN_WEBHOOK_URL: 'http://x' } });
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.plan.version).toBe(5);
  });

  it('puts a step item as a comment right above that step, at its indentation', () => {
    const lines = draft.text.split('\n');
    const at = lines.findIndex((l) => l.trim() === '- id: restore-invoices');
    expect(lines[at - 1]).toBe('  # 改进 TODO (drill-20261123-abc; owner dba; due 2026-12-31): Restore took 45m against 30m: restore from a warm standby first');
    expect(draft.placed).toBe(1);
  });

  it('puts items without a known step at the top, next to the version', () => {
    const lines = draft.text.split('\n');
    const v = lines.findIndex((l) => l === 'version: 5');
    expect(lines.slice(v - 3, v)).toEqual([
      '# 草稿 DRAFT of version 5: review the TODO comments, then publish.',
      '# 改进 TODO (drill-20261123-abc; owner it-ops; due 2027-02-28): Rehearse next quarter',
      '# 改进 TODO (inc-20261120-xyz; owner it-ops; due 2027-01-15): Unknown step goes to the top',
    ]);
    expect(draft.general).toBe(2);
  });

  it('refuses text without a version line', () => {
    expect(() => draftNextVersion('id: x\n', [])).toThrow('no top-level "version: N" line');
  });
});
