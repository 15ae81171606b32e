import { Random } from '../data/random';

export interface FaultSettings {
  /** Fraction of requests answered with a 5xx error. */
  errorRate?: number;
  /** Statuses used for injected errors, picked at random. Default 502, 503. */
  errorStatuses?: Array<500 | 502 | 503>;
  /** Fraction of requests held without an answer. */
  timeoutRate?: number;
  /** How long a timed-out request is held before its socket is closed. */
  timeoutMs?: number;
  /** Fraction of requests whose connection is destroyed without a response. */
  dropRate?: number;
}

/** A fixed delay, or a uniformly random one between the bounds. */
export type LatencySetting = number | { minMs: number; maxMs: number };

export interface SecondaryRateLimitSettings {
  /** Fraction of requests that hit the secondary rate limit. */
  rate?: number;
  status?: 403 | 429;
  retryAfterSeconds?: number;
}

export interface SecondaryRateLimitTrigger {
  /** How many of the next requests are rejected. */
  count: number;
  status?: 403 | 429;
  retryAfterSeconds?: number;
}

export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'secondary'; status: 403 | 429; retryAfterSeconds: number }
  | { kind: 'drop' }
  | { kind: 'timeout'; holdMs: number }
  | { kind: 'error'; status: 500 | 502 | 503 };

export const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_RETRY_AFTER_SECONDS = 60;

/**
 * Decides, per request, the latency and any injected failure. Every decision
 * draws the same amount of numbers from a stream derived from the seed, so a
 * given request sequence sees the same faults on every run.
 */
export class FaultInjector {
  private random: Random;
  private pendingSecondary: Required<SecondaryRateLimitTrigger> | undefined;

  constructor(
    private readonly seed: number,
    private faults: FaultSettings = {},
    private latency: LatencySetting = 0,
    private secondary: SecondaryRateLimitSettings = {},
  ) {
    this.random = Random.from(seed, 'faults');
  }

  setFaults(faults: FaultSettings): void {
    this.faults = { ...faults };
  }

  getFaults(): FaultSettings {
    return { ...this.faults };
  }

  setLatency(latency: LatencySetting): void {
    this.latency = latency;
  }

  setSecondaryRateLimit(settings: SecondaryRateLimitSettings): void {
    this.secondary = { ...settings };
  }

  triggerSecondaryRateLimit(trigger: SecondaryRateLimitTrigger): void {
    this.pendingSecondary = {
      count: trigger.count,
      status: trigger.status ?? 403,
      retryAfterSeconds:
        trigger.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS,
    };
  }

  /** Restarts the random stream, so the same request sequence repeats. */
  reseed(): void {
    this.random = Random.from(this.seed, 'faults');
  }

  decide(): { latencyMs: number; fault: FaultDecision } {
    const [
      latencyDraw,
      secondaryDraw,
      dropDraw,
      timeoutDraw,
      errorDraw,
      statusDraw,
    ] = Array.from({ length: 6 }, () => this.random.next());

    const latencyMs =
      typeof this.latency === 'number'
        ? this.latency
        : this.latency.minMs +
          Math.floor(
            latencyDraw * (this.latency.maxMs - this.latency.minMs + 1),
          );

    return {
      latencyMs,
      fault: this.pickFault(
        secondaryDraw,
        dropDraw,
        timeoutDraw,
        errorDraw,
        statusDraw,
      ),
    };
  }

  private pickFault(
    secondaryDraw: number,
    dropDraw: number,
    timeoutDraw: number,
    errorDraw: number,
    statusDraw: number,
  ): FaultDecision {
    if (this.pendingSecondary && this.pendingSecondary.count > 0) {
      const { status, retryAfterSeconds } = this.pendingSecondary;
      this.pendingSecondary.count--;
      if (this.pendingSecondary.count === 0) {
        this.pendingSecondary = undefined;
      }
      return { kind: 'secondary', status, retryAfterSeconds };
    }
    if (secondaryDraw < (this.secondary.rate ?? 0)) {
      return {
        kind: 'secondary',
        status: this.secondary.status ?? 403,
        retryAfterSeconds:
          this.secondary.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS,
      };
    }
    if (dropDraw < (this.faults.dropRate ?? 0)) {
      return { kind: 'drop' };
    }
    if (timeoutDraw < (this.faults.timeoutRate ?? 0)) {
      return {
        kind: 'timeout',
        holdMs: this.faults.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      };
    }
    if (errorDraw < (this.faults.errorRate ?? 0)) {
      const statuses = this.faults.errorStatuses?.length
        ? this.faults.errorStatuses
        : ([502, 503] as const);
      return {
        kind: 'error',
        status: statuses[Math.floor(statusDraw * statuses.length)],
      };
    }
    return { kind: 'none' };
  }
}
