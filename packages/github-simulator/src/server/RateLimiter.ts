export interface RateLimitSettings {
  /** Requests per window for a token. GitHub: 5000 per hour. */
  limit: number;
  windowSeconds: number;
  /** Requests per window without a token. GitHub: 60 per hour. */
  unauthenticatedLimit: number;
}

export interface RateLimitSnapshot {
  limit: number;
  remaining: number;
  used: number;
  /** Epoch seconds at which the window resets. */
  reset: number;
}

interface Window {
  startedAt: number;
  used: number;
}

/**
 * GitHub's primary rate limit: a fixed window per caller that starts with the
 * caller's first counted request.
 */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly settings: RateLimitSettings,
    private readonly now: () => number,
  ) {}

  private limitFor(authenticated: boolean): number {
    return authenticated
      ? this.settings.limit
      : this.settings.unauthenticatedLimit;
  }

  private currentWindow(key: string): Window | undefined {
    const window = this.windows.get(key);
    if (
      window &&
      this.now() >= window.startedAt + this.settings.windowSeconds * 1000
    ) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }

  snapshot(key: string, authenticated: boolean): RateLimitSnapshot {
    const limit = this.limitFor(authenticated);
    const window = this.currentWindow(key);
    const used = window?.used ?? 0;
    const startedAt = window?.startedAt ?? this.now();
    return {
      limit,
      used,
      remaining: Math.max(0, limit - used),
      reset: Math.ceil((startedAt + this.settings.windowSeconds * 1000) / 1000),
    };
  }

  isExhausted(key: string, authenticated: boolean): boolean {
    return this.snapshot(key, authenticated).remaining <= 0;
  }

  consume(key: string, authenticated: boolean): RateLimitSnapshot {
    let window = this.currentWindow(key);
    if (!window) {
      window = { startedAt: this.now(), used: 0 };
      this.windows.set(key, window);
    }
    window.used++;
    return this.snapshot(key, authenticated);
  }

  reset(): void {
    this.windows.clear();
  }
}
