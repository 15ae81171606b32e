import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import {
  DefaultGithubCredentialsProvider,
  GithubCredentialsProvider,
  ScmIntegrations,
} from '@backstage/integration';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import pLimit from 'p-limit';

const ThrottledOctokit = Octokit.plugin(throttling, retry);

/**
 * Two parts of the throttling plugin's scheduling are replaced, through its options, by
 * pass-through equivalents; its rate-limit detection and `onRateLimit`/`onSecondaryRateLimit`
 * callbacks stay as they are.
 *
 * - Its `global` group caps every client id at 10 concurrent requests, process-wide, which would
 *   silently override `pulse.github.maxConcurrentRequestsPerHost`; Pulse caps each host itself.
 * - Its `retryLimiter`, a Bottleneck instance every request passes through, serialises
 *   scheduling on timers and tops out near 330 requests per second (measured against the
 *   simulator: 885/s without it), far below what a 30 ms GitHub allows. The replacement keeps its
 *   contract: the plugin's `failed` listener decides whether and after how many milliseconds a
 *   failed request is tried again.
 */
class DirectRetryLimiter {
  private failed?: (
    error: unknown,
    info: { args: unknown[]; retryCount: number },
  ) => unknown;

  on(event: string, listener: DirectRetryLimiter['failed']) {
    if (event === 'failed') {
      this.failed = listener;
    }
  }

  async schedule<A extends unknown[], R>(
    fn: (...args: A) => Promise<R>,
    ...args: A
  ): Promise<R> {
    for (let retryCount = 0; ; retryCount++) {
      try {
        return await fn(...args);
      } catch (error) {
        const waitMs = await this.failed?.(error, { args, retryCount });
        if (typeof waitMs !== 'number') {
          throw error;
        }
        await sleep(waitMs);
      }
    }
  }
}

function directScheduling() {
  return {
    global: {
      key: () => ({
        schedule: <A extends unknown[], R>(
          _options: unknown,
          fn: (...args: A) => R,
          ...args: A
        ) => fn(...args),
      }),
    },
    retryLimiter: new DirectRetryLimiter(),
  };
}

/** The clock the client reads; tests replace it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A host's rate limit is (nearly) spent; requests resume at `pausedUntil`. */
export class HostPausedError extends Error {
  constructor(readonly host: string, readonly pausedUntil: Date) {
    super(
      `GitHub host ${host} is paused by its rate limit until ${pausedUntil.toISOString()}`,
    );
    this.name = 'HostPausedError';
  }
}

/** The answer to a conditional GET. */
export type ConditionalResponse<T> =
  | {
      modified: true;
      data: T;
      etag: string | null;
      /** The URL of the next page, from the `Link` header. */
      hasNextPage: boolean;
    }
  | { modified: false };

/** The repository a request is made for; credentials (GitHub App installations) depend on it. */
export interface RepositoryRef {
  owner: string;
  name: string;
}

/** Counters of what a host client sent. */
export interface HostRequestStats {
  /** HTTP requests sent, retries included. */
  requests: number;
  /** Of those, how many were answered `304 Not Modified`. */
  notModified: number;
}

/** Behaviour knobs; the defaults suit production, tests shorten the waits. */
export interface GithubClientOptions {
  maxConcurrentRequestsPerHost: number;
  /** Share (0..1) of the rate limit below which a host is paused until its reset. */
  rateLimitReserve: number;
  /** Per-attempt request timeout. Defaults to 30 s. */
  requestTimeoutMs?: number;
  /** Retries of 5xx, timeouts and dropped connections. Defaults to 4. */
  retries?: number;
  /** Base of the retry backoff ((n+1)² × base). Defaults to 1000 ms. */
  retryBaseMs?: number;
  /** Pauses at most this long are waited out; longer ones fail fast with HostPausedError. Defaults to 60 s. */
  maxPauseWaitMs?: number;
  /** How often one request may meet a secondary rate limit before it fails. Defaults to 5. */
  maxSecondaryLimitRetries?: number;
  /** Called whenever a host's rate-limit state changes. */
  onRateState?: (state: HostRateSnapshot) => void;
  clock?: Clock;
}

/** What is known of a host's rate limit. */
export interface HostRateSnapshot {
  host: string;
  limit: number | null;
  remaining: number | null;
  resetAt: Date | null;
  pausedUntil: Date | null;
}

interface RequestErrorLike {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | undefined> };
}

function header(error: RequestErrorLike, name: string): string | undefined {
  return error.response?.headers?.[name];
}

/** Statuses whose responses carry no body (`new Response` refuses one). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/**
 * One GitHub host: one Octokit client (throttling and retry plugins), a cap on concurrent
 * requests, rate-limit bookkeeping from `X-RateLimit-*`, and conditional requests.
 */
export class GithubHostClient {
  readonly stats: HostRequestStats = { requests: 0, notModified: 0 };
  private readonly octokit: Octokit;
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly clock: Clock;
  private rate: HostRateSnapshot;

  constructor(
    readonly host: string,
    apiBaseUrl: string,
    private readonly credentials: (
      repo: RepositoryRef,
    ) => Promise<Record<string, string> | undefined>,
    private readonly options: GithubClientOptions,
    private readonly logger: LoggerService,
  ) {
    this.clock = options.clock ?? systemClock;
    this.limit = pLimit(options.maxConcurrentRequestsPerHost);
    this.rate = {
      host,
      limit: null,
      remaining: null,
      resetAt: null,
      pausedUntil: null,
    };
    const timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.octokit = new ThrottledOctokit({
      baseUrl: apiBaseUrl,
      userAgent: 'backstage-pulse',
      log: {
        debug: () => {},
        info: () => {},
        warn: (message: string) => logger.debug(message),
        error: (message: string) => logger.debug(message),
      },
      request: {
        fetch: (url: string, init: RequestInit) =>
          this.fetchObserved(url, init, timeoutMs),
      },
      throttle: {
        id: `pulse-${host}`,
        ...directScheduling(),
        onRateLimit: (retryAfter: number) => {
          this.pause(new Date(this.clock.now().getTime() + retryAfter * 1000));
          return false;
        },
        onSecondaryRateLimit: (retryAfter: number) => {
          this.pause(new Date(this.clock.now().getTime() + retryAfter * 1000));
          return false;
        },
      },
      retry: {
        retries: options.retries ?? 4,
        retryAfterBaseValue: options.retryBaseMs ?? 1000,
        doNotRetry: [400, 401, 403, 404, 422, 429, 451],
      },
    });
  }

  /** The host's rate-limit state as last observed. */
  snapshot(): HostRateSnapshot {
    return { ...this.rate };
  }

  /** When requests to the host resume, if it is paused now. */
  pausedUntil(): Date | null {
    const until = this.rate.pausedUntil;
    return until && until > this.clock.now() ? until : null;
  }

  /** Seeds the state from the database, e.g. a pause recorded by another replica. */
  restore(state: {
    limit: number | null;
    remaining: number | null;
    resetAt: Date | null;
    pausedUntil: Date | null;
  }): void {
    this.rate = { host: this.host, ...state };
  }

  /**
   * A GET request. With `etag`, the request is conditional and an unchanged resource answers
   * `{ modified: false }` (a `304`, which GitHub does not count against the rate limit).
   */
  async get<T>(
    route: string,
    params: Record<string, string | number | undefined>,
    options: { repo: RepositoryRef; etag?: string | null },
  ): Promise<ConditionalResponse<T>> {
    let secondaryHits = 0;
    for (;;) {
      await this.waitUntilOpen();
      try {
        const authHeaders = (await this.credentials(options.repo)) ?? {};
        const response = await this.limit(async () => {
          // The pause may have begun while this request waited for a slot.
          await this.waitUntilOpen();
          return this.octokit.request(`GET ${route}`, {
            ...params,
            headers: {
              ...authHeaders,
              ...(options.etag ? { 'if-none-match': options.etag } : {}),
            },
          });
        });
        const link = response.headers.link ?? '';
        return {
          modified: true,
          data: response.data as T,
          etag: response.headers.etag ?? null,
          hasNextPage: /rel="next"/.test(link),
        };
      } catch (e) {
        const error = e as RequestErrorLike;
        if (error.status === 304) {
          return { modified: false };
        }
        const retryAfter = Number(header(error, 'retry-after'));
        const isPrimary =
          (error.status === 403 || error.status === 429) &&
          header(error, 'x-ratelimit-remaining') === '0';
        const isSecondary =
          !isPrimary &&
          (error.status === 429 ||
            (error.status === 403 &&
              (Number.isFinite(retryAfter) ||
                /secondary rate/i.test(error.message ?? ''))));
        if (isPrimary) {
          const reset = Number(header(error, 'x-ratelimit-reset'));
          const until = Number.isFinite(reset)
            ? new Date(reset * 1000)
            : new Date(this.clock.now().getTime() + 60_000);
          this.pause(until);
          throw new HostPausedError(this.host, until);
        }
        if (
          isSecondary &&
          secondaryHits < (this.options.maxSecondaryLimitRetries ?? 5)
        ) {
          secondaryHits++;
          const waitSeconds = Number.isFinite(retryAfter) ? retryAfter : 60;
          const until = new Date(
            this.clock.now().getTime() + waitSeconds * 1000,
          );
          if (!this.rate.pausedUntil || this.rate.pausedUntil < until) {
            this.pause(until);
          }
          this.logger.info(
            `GitHub host ${this.host} asked Pulse to slow down (secondary rate limit); retrying after ${waitSeconds}s`,
          );
          continue;
        }
        throw e;
      }
    }
  }

  private pause(until: Date) {
    this.rate = { ...this.rate, pausedUntil: until };
    this.options.onRateState?.(this.snapshot());
  }

  private async waitUntilOpen(): Promise<void> {
    for (;;) {
      const until = this.pausedUntil();
      if (!until) {
        return;
      }
      const waitMs = until.getTime() - this.clock.now().getTime();
      if (waitMs > (this.options.maxPauseWaitMs ?? 60_000)) {
        throw new HostPausedError(this.host, until);
      }
      await sleep(Math.max(waitMs, 1));
    }
  }

  private async fetchObserved(
    url: string,
    init: RequestInit,
    timeoutMs: number,
  ): Promise<Response> {
    this.stats.requests++;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init.signal
      ? AbortSignal.any([init.signal, timeout])
      : timeout;
    // Octokit turns a TypeError into a RequestError with status 500, which the retry plugin
    // retries; an abort would not be retried.
    const failed = (error: unknown, what: string) =>
      new TypeError('fetch failed', {
        cause: new Error(
          timeout.aborted
            ? `GitHub did not answer within ${timeoutMs} ms`
            : `${what}: ${(error as Error)?.message ?? error}`,
        ),
      });
    let response: Response;
    try {
      response = await fetch(url, { ...init, signal });
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') {
        throw failed(error, 'GitHub did not answer');
      }
      throw error;
    }
    if (response.status === 304) {
      this.stats.notModified++;
    }
    this.observeRateLimit(response.headers);
    // The body is read here, under the same timeout, because Octokit reads a JSON body with
    // `json().catch(() => text()).catch(() => '')`: a body that broke off or ran out of time
    // would reach the sync as an empty string, i.e. as an empty list.
    let body: ArrayBuffer | null = null;
    if (response.body && !NULL_BODY_STATUSES.has(response.status)) {
      try {
        body = await response.arrayBuffer();
      } catch (error) {
        throw failed(error, 'The response from GitHub broke off');
      }
    }
    const buffered = new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
    Object.defineProperty(buffered, 'url', { value: response.url });
    return buffered;
  }

  private observeRateLimit(headers: Headers) {
    const limit = Number(headers.get('x-ratelimit-limit'));
    const remaining = Number(headers.get('x-ratelimit-remaining'));
    const reset = Number(headers.get('x-ratelimit-reset'));
    if (
      !headers.has('x-ratelimit-remaining') ||
      !Number.isFinite(limit) ||
      !Number.isFinite(remaining)
    ) {
      return;
    }
    const resetAt = Number.isFinite(reset) ? new Date(reset * 1000) : null;
    const next: HostRateSnapshot = {
      ...this.rate,
      limit,
      remaining,
      resetAt,
    };
    if (
      limit > 0 &&
      remaining / limit < this.options.rateLimitReserve &&
      resetAt
    ) {
      if (!next.pausedUntil || next.pausedUntil < resetAt) {
        next.pausedUntil = resetAt;
        this.logger.warn(
          `GitHub host ${
            this.host
          } has ${remaining} of ${limit} requests left; Pulse pauses it until ${resetAt.toISOString()}`,
        );
      }
    }
    const changed =
      next.pausedUntil?.getTime() !== this.rate.pausedUntil?.getTime() ||
      next.remaining !== this.rate.remaining;
    this.rate = next;
    if (changed) {
      this.options.onRateState?.(this.snapshot());
    }
  }
}

/** The configured GitHub hosts, from `integrations.github`. */
export class GithubClients {
  private readonly clients = new Map<string, GithubHostClient>();
  private readonly credentialsCache = new Map<
    string,
    { headers: Record<string, string> | undefined; until: number }
  >();
  private readonly integrations: ScmIntegrations;
  private readonly credentialsProvider: GithubCredentialsProvider;

  constructor(
    config: Config,
    private readonly options: GithubClientOptions,
    private readonly logger: LoggerService,
  ) {
    this.integrations = ScmIntegrations.fromConfig(config);
    this.credentialsProvider =
      DefaultGithubCredentialsProvider.fromIntegrations(this.integrations);
  }

  /** The client of a host; undefined when the host is not in `integrations.github`. */
  forHost(host: string): GithubHostClient | undefined {
    const existing = this.clients.get(host);
    if (existing) {
      return existing;
    }
    const integration = this.integrations.github.byHost(host);
    if (!integration) {
      return undefined;
    }
    const client = new GithubHostClient(
      host,
      integration.config.apiBaseUrl ?? 'https://api.github.com',
      async repo => {
        // The provider hands out tokens valid for at least 10 more minutes; asking it once a
        // minute per repository spares parsing the URL on every request.
        const key = `${host}/${repo.owner}/${repo.name}`;
        const now = Date.now();
        const cached = this.credentialsCache.get(key);
        if (cached && cached.until > now) {
          return cached.headers;
        }
        const { headers } = await this.credentialsProvider.getCredentials({
          url: `https://${key}`,
        });
        this.credentialsCache.set(key, { headers, until: now + 60_000 });
        return headers;
      },
      this.options,
      this.logger,
    );
    this.clients.set(host, client);
    return client;
  }

  /** Every client created so far. */
  all(): GithubHostClient[] {
    return [...this.clients.values()];
  }
}
