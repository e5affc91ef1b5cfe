import { at, step, timed } from '../../test/support/drill-facts';
import { serviceRestoredAt } from './measure';

// drills-and-scoring.md: service is restored when the restore and verification steps succeeded.
describe('serviceRestoredAt', () => {
  const restore = timed('restore-invoices', 30, 10, 30, { type: 'automated' });
  const verify = timed('verify', 20, 30, 40, { type: 'automated' });

  it('is when the last required recovery step finished, once every one succeeded', () => {
    expect(serviceRestoredAt([restore, verify], at(45))).toBe(at(40));
  });

  it('never, when a recovery action failed, even though a person then marked the step done by hand', () => {
    expect(serviceRestoredAt([{ ...restore, failure: 'the catalog is empty' }, verify], at(45))).toBeUndefined();
  });

  it('never, while a recovery step is not done', () => {
    expect(serviceRestoredAt([restore, { ...verify, state: 'waiting', finishedAt: undefined }], at(45))).toBeUndefined();
  });

  it('ignores recovery steps not on the drill path; without any, the end of the act stage', () => {
    expect(serviceRestoredAt([step('restore-invoices', { type: 'automated', required: false, state: 'skipped' })], at(45))).toBe(at(45));
    expect(serviceRestoredAt([], at(45))).toBe(at(45));
  });
});
