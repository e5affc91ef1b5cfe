import * as fs from 'node:fs';
import * as path from 'node:path';
import { layers, planSteps, waitsFor } from '../../apps/console/src/screens/incident/plan-steps';

const dbCrash = planSteps(fs.readFileSync(path.join(__dirname, '../../plans/einvoice-db-crash.yaml'), 'utf8'));
const ids = (steps: Array<{ id: string }>) => steps.map((s) => s.id);

describe("the incident page's step graph", () => {
  it("lays einvoice-db-crash out in layers: each step below every step it waits for, the decision's branches below the decision", () => {
    expect(layers(dbCrash).map(ids)).toEqual([
      ['isolate'],
      ['tell-finance', 'check-backup'],
      ['choose-path'],
      ['failover-standby', 'restore-invoices'],
      ['verify'],
      ['resync-platform', 'test-issuing'],
      ['announce-restored'],
    ]);
  });

  it('names what a step waits for: its `after`, and the decision option that leads to it', () => {
    const step = (id: string) => dbCrash.find((s) => s.id === id)!;
    expect(waitsFor(step('choose-path'), dbCrash)).toEqual([{ id: 'isolate' }, { id: 'check-backup' }]);
    expect(waitsFor(step('restore-invoices'), dbCrash)).toEqual([{ id: 'choose-path', via: 'restore' }]);
    expect(waitsFor(step('isolate'), dbCrash)).toEqual([]);
  });

  it('reads a single `after` written as a text, and a text with no steps as none', () => {
    const steps = planSteps('steps:\n  - { id: a, type: manual }\n  - { id: b, type: manual, after: a }\n');
    expect(layers(steps).map(ids)).toEqual([['a'], ['b']]);
    expect(planSteps('id: x\n')).toEqual([]);
  });
});
