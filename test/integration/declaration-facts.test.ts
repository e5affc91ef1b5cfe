// A plan that takes taxDeadlineHours from the declaration calendar: POST /incidents and POST /drills
// compute it from the current time, classification uses it, and a fact the caller gives wins.
import { taxDeadlineHours } from '../../domain/einvoice/declaration-calendar';
import { As, eventually, Harness, startHarness } from './support/harness';

describe('facts from the declaration calendar at launch', () => {
  let h: Harness;
  let commander: As;
  beforeAll(async () => {
    h = await startHarness();
    await h.publishPlan('test/plans/run/declaration-deadline.yaml');
    commander = await h.as('zhang.san', ['commander'], ['tax-sync']);
  });
  afterAll(() => h?.close());

  /** The calendar's answer around a launch (an hour may turn during the request). */
  async function around<T>(launch: () => Promise<T>): Promise<{ result: T; hours: number[] }> {
    const before = taxDeadlineHours(new Date());
    const result = await launch();
    return { result, hours: [before, taxDeadlineHours(new Date())] };
  }
  const expectedLevel = (hours: number) => (hours <= 72 ? 'I' : 'III');
  /** The incident once the workflow has classified it. */
  const classified = (id: string) =>
    eventually(`incident ${id} to be classified`, async () => {
      const d = (await commander.get(`/incidents/${id}`).expect(200)).body;
      return d.incident.level ? d.incident : undefined;
    });

  it('an incident gets taxDeadlineHours computed, and its level follows from it', async () => {
    const { result, hours } = await around(() => commander.post('/incidents', { planId: 'declaration-deadline', facts: {} }).expect(201));
    const incident = await classified(result.body.incident.id);
    expect(hours).toContain(incident.facts.taxDeadlineHours);
    expect(incident.level).toBe(expectedLevel(incident.facts.taxDeadlineHours));
    expect(incident.levelReason).toContain(`taxDeadlineHours is ${incident.facts.taxDeadlineHours}`);
  });

  it('a taxDeadlineHours given by the caller wins over the calendar', async () => {
    const near = await commander.post('/incidents', { planId: 'declaration-deadline', facts: { taxDeadlineHours: 10 } }).expect(201);
    expect(await classified(near.body.incident.id)).toMatchObject({ level: 'I', facts: { taxDeadlineHours: 10 } });
    const far = await commander.post('/incidents', { planId: 'declaration-deadline', facts: { taxDeadlineHours: 500 } }).expect(201);
    expect(await classified(far.body.incident.id)).toMatchObject({ level: 'III', facts: { taxDeadlineHours: 500 } });
  });

  it('a tabletop drill whose drill facts leave it out gets it from the calendar too', async () => {
    const { result, hours } = await around(() => commander.post('/drills', { planId: 'declaration-deadline', mode: 'tabletop' }).expect(201));
    const incident = await classified(result.body.incident.id);
    expect(hours).toContain(incident.facts.taxDeadlineHours);
    expect(incident.level).toBe(expectedLevel(incident.facts.taxDeadlineHours));
  });
});
