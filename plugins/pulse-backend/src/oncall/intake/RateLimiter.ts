import { Clock, systemClock } from '../../service/clock';
import { IntakeRateLimit } from './config';
import { RateLimitStore } from './RateLimitStore';

/** The outcome of taking one request from a caller's bucket. */
export type RateLimitDecision =
  | { allowed: true }
  | { allowed: false; retryAfterSeconds: number };

/** Decides whether a caller (the token's subject) may send one more request now. */
export interface RateLimiter {
  take(caller: string): Promise<RateLimitDecision>;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Buckets idle this long are full again and are forgotten. */
const IDLE_FORGET_MS = 10 * 60_000;

/** Whole seconds until a bucket holding `tokens` has one request again; at least 1. */
export function retryAfterSeconds(
  tokens: number,
  limit: IntakeRateLimit,
): number {
  return Math.max(1, Math.ceil((1 - tokens) / limit.requestsPerSecond));
}

/**
 * Token buckets per caller, held in memory: `burst` requests at once, refilled at
 * `requestsPerSecond`. On its own it counts one replica's requests only; the intake uses it in
 * front of {@link SharedRateLimiter}.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep = 0;

  constructor(
    private readonly limit: IntakeRateLimit,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Takes one request from the caller's bucket, if one is left. */
  take(caller: string): RateLimitDecision {
    const bucket = this.refilled(caller);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return {
      allowed: false,
      retryAfterSeconds: retryAfterSeconds(bucket.tokens, this.limit),
    };
  }

  /** Whether the caller's bucket has a request left, without taking it. */
  peek(caller: string): RateLimitDecision {
    const bucket = this.refilled(caller);
    return bucket.tokens >= 1
      ? { allowed: true }
      : {
          allowed: false,
          retryAfterSeconds: retryAfterSeconds(bucket.tokens, this.limit),
        };
  }

  /** Lowers the caller's bucket to `tokens` as of `atMs`, refilled since (never raises it). */
  lower(caller: string, tokens: number, atMs: number): void {
    const bucket = this.refilled(caller);
    const { requestsPerSecond, burst } = this.limit;
    const since = Math.max(0, bucket.updatedAt - atMs) / 1000;
    bucket.tokens = Math.min(
      bucket.tokens,
      Math.min(burst, tokens + since * requestsPerSecond),
    );
  }

  private refilled(caller: string): Bucket {
    const now = this.clock.now().getTime();
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
    return bucket;
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

/**
 * The intake's rate limit, held across replicas: a token bucket per caller in the database
 * (`burst` requests at once, refilled at `requestsPerSecond`), taken with one statement per
 * request (see {@link RateLimitStore}), so N replicas allow the configured rate, not N times it.
 *
 * A local copy of each bucket sits in front, lowered to what the database answered. The shared
 * bucket only ever holds as much as this replica's copy or less (both refill at the same rate;
 * other replicas only take from the shared one), so a request the copy refuses would be refused
 * by the database too: the copy spares the database a runaway sender's requests without changing
 * any decision. Its `retry-after` may be shorter than the database's; the sender then retries and
 * is told again.
 *
 * A refused request is told when one request will be allowed again (`retry-after`, whole
 * seconds, at least 1); senders retry 429s, so nothing is lost. When the database fails, the
 * request fails (5xx), and the sender retries.
 */
export class SharedRateLimiter implements RateLimiter {
  private readonly local: TokenBuckets;
  private readonly clock: Clock;

  constructor(
    private readonly options: {
      store: RateLimitStore;
      limit: IntakeRateLimit;
      clock?: Clock;
    },
  ) {
    this.clock = options.clock ?? systemClock;
    this.local = new TokenBuckets(options.limit, this.clock);
  }

  async take(caller: string): Promise<RateLimitDecision> {
    const early = this.local.peek(caller);
    if (!early.allowed) {
      return early;
    }
    const at = this.clock.now().getTime();
    const shared = await this.options.store.take(
      caller,
      this.options.limit,
      at,
    );
    this.local.lower(caller, shared.tokens, at);
    return shared.allowed
      ? { allowed: true }
      : {
          allowed: false,
          retryAfterSeconds: retryAfterSeconds(
            shared.tokens,
            this.options.limit,
          ),
        };
  }
}
