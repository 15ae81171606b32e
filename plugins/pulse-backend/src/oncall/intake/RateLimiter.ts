import { IntakeRateLimit } from './config';

/** The outcome of taking one request from a caller's bucket. */
export type RateLimitDecision =
  | { allowed: true }
  | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Buckets idle this long are full again and are forgotten. */
const IDLE_FORGET_MS = 10 * 60_000;

/**
 * A token bucket per caller (the token's subject), held in memory: `burst` requests at once,
 * refilled at `requestsPerSecond`. Each replica counts on its own, so N replicas behind a load
 * balancer allow up to N times the rate; the limit protects a replica and the database from a
 * runaway sender, it is not a quota. A refused request is told when one request will be allowed
 * again (`retry-after`, whole seconds, at least 1); senders retry 429s, so nothing is lost.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep = 0;

  constructor(
    private readonly limit: IntakeRateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  take(caller: string): RateLimitDecision {
    const now = this.now();
    this.sweep(now);
    const { requestsPerSecond, burst } = this.limit;
    const bucket = this.buckets.get(caller) ?? {
      tokens: burst,
      updatedAt: now,
    };
    const elapsedSeconds = Math.max(0, now - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(
      burst,
      bucket.tokens + elapsedSeconds * requestsPerSecond,
    );
    bucket.updatedAt = now;
    this.buckets.set(caller, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    const secondsToOne = (1 - bucket.tokens) / requestsPerSecond;
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil(secondsToOne)),
    };
  }

  private sweep(now: number) {
    if (now - this.lastSweep < IDLE_FORGET_MS) {
      return;
    }
    this.lastSweep = now;
    for (const [caller, bucket] of this.buckets) {
      if (now - bucket.updatedAt > IDLE_FORGET_MS) {
        this.buckets.delete(caller);
      }
    }
  }
}
