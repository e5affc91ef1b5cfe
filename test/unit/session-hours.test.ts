import { sessionHoursFrom } from '../../apps/api/src/session/session.service';

// YINGJI_SESSION_HOURS: how long a console session lives at most; a bad value stops the API at start, naming it.
describe('YINGJI_SESSION_HOURS', () => {
  it('is 12 h when unset or empty, and takes hours, fractions too', () => {
    expect(sessionHoursFrom({})).toBe(12);
    expect(sessionHoursFrom({ YINGJI_SESSION_HOURS: ' ' })).toBe(12);
    expect(sessionHoursFrom({ YINGJI_SESSION_HOURS: '8' })).toBe(8);
    expect(sessionHoursFrom({ YINGJI_SESSION_HOURS: '0.5' })).toBe(0.5);
  });

  it.each(['0', '-1', 'twelve', '721'])('refuses %s, naming the variable and the value', (raw) => {
    expect(() => sessionHoursFrom({ YINGJI_SESSION_HOURS: raw })).toThrow(`YINGJI_SESSION_HOURS must be a number of hours above 0 and at most 720, got "${raw}"`);
  });
});
