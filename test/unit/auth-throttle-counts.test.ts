import { AuthThrottle } from '../../apps/api/src/auth/auth-throttle';

// A throttled window is handed back once, with its count, when it ends: the audit trail writes
// counts, not one entry per refused request.
describe('AuthThrottle counts', () => {
  it('hands back each window that throttled, once, when it ends; a window that stayed under the limit is not counted', () => {
    let now = 1_000_000;
    const t = new AuthThrottle(3, 60_000, () => now);
    for (let i = 0; i < 200; i++) t.fail('source:10.0.0.1');
    t.fail('source:10.0.0.2');
    expect(t.nextEnd()).toBe(1_060_000);
    expect(t.takeEnded()).toEqual([]);
    now = 1_060_000;
    expect(t.takeEnded()).toEqual([{ key: 'source:10.0.0.1', start: new Date(1_000_000), end: new Date(1_060_000), failures: 200, notes: [], cutShort: false }]);
    expect(t.takeEnded()).toEqual([]);
    expect(t.nextEnd()).toBeUndefined();
  });

  it('a token id tried from many addresses is throttled on its own count and remembers the addresses (at most 20)', () => {
    let now = 0;
    const t = new AuthThrottle(10, 60_000, () => now);
    const verdicts = Array.from({ length: 30 }, (_, i) => t.fail('token:0123456789abcdef', `10.0.0.${i}`));
    expect(verdicts.slice(0, 10).every((v) => !v.throttled)).toBe(true);
    expect(verdicts[10]).toMatchObject({ throttled: true, first: true, failures: 11 });
    expect(verdicts[29]).toMatchObject({ throttled: true, first: false, failures: 30 });
    now = 61_000;
    // A new failure after the end starts a new window; the ended one is still handed back.
    expect(t.fail('token:0123456789abcdef', '10.0.0.99')).toEqual({ throttled: false });
    const [ended, ...rest] = t.takeEnded();
    expect(rest).toEqual([]);
    expect(ended).toMatchObject({ key: 'token:0123456789abcdef', failures: 30, cutShort: false });
    expect(ended.notes).toHaveLength(20);
  });

  it('on shutdown the open throttled windows are handed back cut short', () => {
    let now = 5_000;
    const t = new AuthThrottle(1, 60_000, () => now);
    t.fail('source:a');
    t.fail('source:a');
    now = 20_000;
    expect(t.takeEnded(true)).toEqual([{ key: 'source:a', start: new Date(5_000), end: new Date(20_000), failures: 2, notes: [], cutShort: true }]);
  });
});
