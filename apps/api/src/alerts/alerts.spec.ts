import { AlertGroup, AlertGroups } from './alert-groups';
import { alertSettings } from './alert-settings';
import { fromAlertmanager } from './received-alert';

describe('an Alertmanager body as received alerts', () => {
  const a = (fingerprint: string, startsAt: string, status: 'firing' | 'resolved', endsAt = '0001-01-01T00:00:00Z') => ({
    status, labels: { alertname: 'InvoiceApiDown', severity: 'critical' }, annotations: { summary: `down ${fingerprint}` }, startsAt, endsAt, fingerprint,
  });

  it('counts one occurrence per (fingerprint, startsAt), the last state winning, and reads the zero endsAt as none', () => {
    const got = fromAlertmanager({
      version: '4', groupKey: 'g',
      alerts: [a('b', '2026-12-01T08:00:00Z', 'firing'), a('a', '2026-12-01T08:00:00Z', 'firing'), a('a', '2026-12-01T08:00:00.000Z', 'resolved', '2026-12-01T08:05:00Z'), a('a', '2026-12-01T09:00:00Z', 'firing')],
    });
    expect(got.map((x) => [x.fingerprint, x.startsAt.toISOString(), x.status, x.endsAt?.toISOString() ?? null])).toEqual([
      ['a', '2026-12-01T08:00:00.000Z', 'resolved', '2026-12-01T08:05:00.000Z'],
      ['a', '2026-12-01T09:00:00.000Z', 'firing', null],
      ['b', '2026-12-01T08:00:00.000Z', 'firing', null],
    ]);
    expect(got[0]).toMatchObject({ summary: 'down a', severity: 'critical' });
  });
});

describe('when an alert group is over', () => {
  const groups = new AlertGroups(undefined as never);
  const now = new Date('2026-12-01T10:00:00Z');
  const g = (over: Partial<AlertGroup>): AlertGroup => ({
    id: '1', source: 'alertmanager', groupKey: 'g', state: 'firing', planId: 'p', planVersion: 1, launch: 'auto', incidentId: 'inc-1', proposalId: null, resolvedAt: null, incidentState: 'open', ...over,
  });
  const tenMinutes = 10 * 60_000;

  it('a firing group with an open incident goes on', () => expect(groups.isOver(g({}), tenMinutes, now)).toBe(false));
  it('resolved inside the flap window goes on (a flap joins the same incident)', () =>
    expect(groups.isOver(g({ state: 'resolved', resolvedAt: new Date('2026-12-01T09:51:00Z') }), tenMinutes, now)).toBe(false));
  it('resolved longer ago than the window is over', () =>
    expect(groups.isOver(g({ state: 'resolved', resolvedAt: new Date('2026-12-01T09:49:00Z') }), tenMinutes, now)).toBe(true));
  it('a closed incident ends its group, even while an alert fires', () => expect(groups.isOver(g({ incidentState: 'closed' }), tenMinutes, now)).toBe(true));
});

describe('alert settings', () => {
  it('default to a 10 minute flap window and 8 intake requests at once', () => expect(alertSettings({})).toEqual({ flapWindowMs: 600_000, intakeConcurrency: 8 }));
  it('refuse a malformed window or concurrency, naming the setting', () => {
    expect(() => alertSettings({ YINGJI_ALERT_FLAP_WINDOW: 'ten minutes' })).toThrow('YINGJI_ALERT_FLAP_WINDOW "ten minutes" is not a duration like 90s or 10m');
    expect(() => alertSettings({ YINGJI_ALERT_INTAKE_CONCURRENCY: '0' })).toThrow('YINGJI_ALERT_INTAKE_CONCURRENCY "0" must be a whole number from 1 to 256');
  });
});
