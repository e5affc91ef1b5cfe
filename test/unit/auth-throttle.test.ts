import { AuthThrottle } from '../../apps/api/src/auth/auth-throttle';

// Failed authentications per source address: the limit, the Retry-After, and a fresh window.
describe('AuthThrottle', () => {
  it('lets `limit` failures through per window, then throttles until the window ends; addresses are counted apart', () => {
    let now = 1_000_000;
    const t = new AuthThrottle(3, 60_000, () => now);
    expect([t.fail('10.0.0.1'), t.fail('10.0.0.1'), t.fail('10.0.0.1')]).toEqual(Array(3).fill({ throttled: false }));
    now += 15_000;
    expect(t.fail('10.0.0.1')).toEqual({ throttled: true, first: true, failures: 4, retryAfterS: 45, until: new Date(1_060_000) });
    expect(t.fail('10.0.0.1')).toMatchObject({ throttled: true, first: false, failures: 5 });
    expect(t.fail('10.0.0.2')).toEqual({ throttled: false });
    now = 1_060_000;
    expect(t.fail('10.0.0.1')).toEqual({ throttled: false });
  });
});
