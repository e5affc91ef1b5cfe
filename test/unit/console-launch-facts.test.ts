import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { factFields, LaunchPlan } from '../../apps/console/src/screens/launch-facts';

const plan = (file: string) => parse(fs.readFileSync(path.join(__dirname, '../../plans', file), 'utf8')) as LaunchPlan;

describe("the board's launch form", () => {
  it("asks for the facts einvoice-db-crash's level rules test, numbers as numbers and yes/no as yes/no", () => {
    expect(factFields(plan('einvoice-db-crash.yaml'))).toEqual([
      { name: 'invoicesAffected', kind: 'number' },
      { name: 'outageMinutes', kind: 'number' },
      { name: 'dataLeaked', kind: 'yes-no' },
    ]);
  });

  it('leaves a fact the plan computes from a source to the plan, and reads under all/not', () => {
    const fields = factFields({
      facts: { taxDeadlineHours: { from: 'declaration-calendar' } },
      levels: [{ when: { all: [{ fact: 'taxDeadlineHours', lt: 24 }, { not: { fact: 'region', in: ['beijing', 'shanghai'] } }] } }, { when: {} }],
    });
    expect(fields).toEqual([{ name: 'region', kind: 'text' }]);
  });
});
