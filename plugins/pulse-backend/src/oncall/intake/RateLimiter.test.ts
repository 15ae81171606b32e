import { TokenBuckets } from './RateLimiter';

describe('TokenBuckets', () => {
  it('allows a burst, then refuses with the seconds until the next request is allowed', () => {
    let now = 0;
    const limiter = new TokenBuckets(
      { requestsPerSecond: 2, burst: 3 },
      { now: () => new Date(now) },
    );
    expect([1, 2, 3].map(() => limiter.take('alertmanager'))).toEqual([
      { allowed: true },
      { allowed: true },
      { allowed: true },
    ]);
    expect(limiter.take('alertmanager')).toEqual({
      allowed: false,
      retryAfterSeconds: 1,
    });

    // Half a second refills one request at 2/s.
    now = 500;
    expect(limiter.take('alertmanager')).toEqual({ allowed: true });
    expect(limiter.take('alertmanager').allowed).toBe(false);
  });

  it('keeps callers apart', () => {
    const limiter = new TokenBuckets(
      { requestsPerSecond: 1, burst: 1 },
      { now: () => new Date(0) },
    );
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.take('b').allowed).toBe(true);
  });

  it('sustains the configured rate and never refills past the burst', () => {
    let now = 0;
    const limiter = new TokenBuckets(
      { requestsPerSecond: 10, burst: 5 },
      { now: () => new Date(now) },
    );
    let allowed = 0;
    // 100 requests a second for 10 seconds: 5 from the burst plus 10 a second.
    for (let i = 0; i < 1000; i++) {
      now = i * 10;
      if (limiter.take('x').allowed) allowed++;
    }
    expect(allowed).toBeGreaterThanOrEqual(104);
    expect(allowed).toBeLessThanOrEqual(105);

    now += 3_600_000;
    const afterIdle = [1, 2, 3, 4, 5, 6].map(() => limiter.take('x').allowed);
    expect(afterIdle).toEqual([true, true, true, true, true, false]);
  });

  it('rounds a long wait up to whole seconds', () => {
    const limiter = new TokenBuckets(
      { requestsPerSecond: 1, burst: 1 },
      { now: () => new Date(0) },
    );
    limiter.take('slow');
    expect(limiter.take('slow')).toEqual({
      allowed: false,
      retryAfterSeconds: 1,
    });
    const verySlow = new TokenBuckets(
      { requestsPerSecond: 0.25, burst: 1 },
      { now: () => new Date(0) },
    );
    verySlow.take('x');
    expect(verySlow.take('x')).toEqual({
      allowed: false,
      retryAfterSeconds: 4,
    });
  });
});
