import { EventEmitter } from 'node:events';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { ActivityEngine } from './activity/ActivityEngine';
import { WebhookEvent } from './activity/types';
import {
  WebhookDelivery,
  WebhookDispatcher,
} from './activity/WebhookDispatcher';
import { SimulationClock } from './data/SimulationClock';
import { SimulationStore } from './data/SimulationStore';
import { SimPullRequest } from './data/types';
import {
  GitHubSimulatorOptions,
  ResolvedOptions,
  resolveOptions,
} from './options';
import { SimulatorLogger } from './server/context';
import { createApp } from './server/createApp';
import {
  FaultInjector,
  FaultSettings,
  LatencySetting,
  SecondaryRateLimitTrigger,
} from './server/FaultInjector';
import { RateLimiter } from './server/RateLimiter';
import { RequestStats, SimulatorStats } from './server/RequestStats';

const defaultLogger: SimulatorLogger = {
  warn: message => process.stderr.write(`[github-simulator] ${message}\n`),
  error: message => process.stderr.write(`[github-simulator] ${message}\n`),
};

function formatUrl(host: string, port: number): string {
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return `http://${shownHost}:${port}`;
}

/**
 * A GitHub REST API v3 simulator: deterministic data, GitHub's headers,
 * pagination, conditional requests, rate limits, injected faults and, in
 * activity mode, signed webhooks.
 */
export class GitHubSimulator {
  /** Generated data, for assertions. Repositories are generated on access. */
  readonly store: SimulationStore;
  /** Simulated time; `tick()` advances it. */
  readonly clock: SimulationClock;
  private readonly resolved: ResolvedOptions;
  private readonly requestStats = new RequestStats();
  private readonly faults: FaultInjector;
  private readonly rateLimiter: RateLimiter;
  private readonly activity: ActivityEngine;
  private readonly dispatcher?: WebhookDispatcher;
  private readonly emitter = new EventEmitter();
  private readonly heldRequests = new Set<NodeJS.Timeout>();
  private readonly logger: SimulatorLogger;
  private server?: http.Server;
  private activityTimer?: NodeJS.Timeout;
  private baseUrl = '';

  private constructor(options: GitHubSimulatorOptions) {
    const resolved = resolveOptions(options);
    this.logger = resolved.logger ?? defaultLogger;
    this.clock = new SimulationClock(resolved.now);
    this.store = new SimulationStore({
      seed: resolved.seed,
      owners: resolved.owners,
      repositories: resolved.repositories,
      repoCount: resolved.repoCount,
      pullsPerRepo: resolved.pullsPerRepo,
      runsPerRepo: resolved.runsPerRepo,
      historyDays: resolved.historyDays,
      anchor: this.clock.now(),
    });
    this.faults = new FaultInjector(
      resolved.seed,
      resolved.faults,
      resolved.latencyMs,
      resolved.secondaryRateLimit,
    );
    this.rateLimiter = new RateLimiter(resolved.rateLimit, () =>
      this.clock.now(),
    );
    this.activity = new ActivityEngine({
      store: this.store,
      clock: this.clock,
      seed: resolved.seed,
      stepSeconds: resolved.activity.stepSeconds,
      urls: () => ({ api: this.baseUrl, html: resolved.htmlBaseUrl }),
      installationId: resolved.webhook?.installationId,
    });
    if (resolved.webhook) {
      this.dispatcher = new WebhookDispatcher(
        resolved.webhook,
        this.logger,
        delivery => this.emitter.emit('delivery', delivery),
      );
    }
    this.resolved = resolved;
  }

  /** Creates the simulator and starts listening. */
  static async start(
    options: GitHubSimulatorOptions = {},
  ): Promise<GitHubSimulator> {
    const simulator = new GitHubSimulator(options);
    await simulator.listen();
    return simulator;
  }

  private async listen(): Promise<void> {
    const { host, port, htmlBaseUrl, tokens } = this.resolved;
    const app = createApp({
      store: this.store,
      clock: this.clock,
      rateLimiter: this.rateLimiter,
      faults: this.faults,
      stats: this.requestStats,
      tokens,
      htmlBaseUrl,
      logger: this.logger,
      control: {
        tick: () =>
          this.tick().map(event => ({
            event: event.name,
            action: event.action,
            repository: event.repository,
          })),
        openPull: (repository, options) =>
          this.openPull(repository, options)?.number,
        mergePull: (repository, number) => this.mergePull(repository, number),
      },
      heldRequests: this.heldRequests,
    });
    const server = http.createServer(app);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const address = server.address() as AddressInfo;
    this.baseUrl = formatUrl(host, address.port);

    const intervalMs = this.resolved.activity.intervalMs;
    if (intervalMs) {
      this.activityTimer = setInterval(() => {
        try {
          this.tick();
        } catch (error) {
          this.logger.error(`Activity step failed: ${error}`);
        }
      }, intervalMs);
    }
  }

  /** Base URL of the API, e.g. `http://127.0.0.1:41234`; also under `/api/v3`. */
  get url(): string {
    return this.baseUrl;
  }

  /** Request counters since start or the last `resetStats()`. */
  stats(): SimulatorStats {
    return this.requestStats.snapshot();
  }

  resetStats(): void {
    this.requestStats.reset();
  }

  /** Replaces the fault settings (`{}` turns faults off). */
  setFaults(faults: FaultSettings): void {
    this.faults.setFaults(faults);
  }

  setLatency(latency: LatencySetting): void {
    this.faults.setLatency(latency);
  }

  /** Makes the next `count` API requests fail with a secondary rate limit. */
  triggerSecondaryRateLimit(trigger: SecondaryRateLimitTrigger): void {
    this.faults.triggerSecondaryRateLimit(trigger);
  }

  /** Restores every caller's full primary rate limit quota. */
  resetRateLimits(): void {
    this.rateLimiter.reset();
  }

  /**
   * One activity step. Returns the webhook events it produced; they are also
   * passed to `onEvent` listeners and, if configured, delivered.
   */
  tick(): WebhookEvent[] {
    const events = this.activity.tick();
    this.publish(events);
    return events;
  }

  /**
   * Opens a ready-for-review pull request that activity mode then leaves alone (a test's own, to
   * merge with `mergePull`), and sends its `opened` webhook. Undefined for an unknown repository.
   */
  openPull(
    repository: string,
    options: { title?: string } = {},
  ): SimPullRequest | undefined {
    const state = this.store.repository(repository);
    if (!state) {
      return undefined;
    }
    const { pull, events } = this.activity.openRequestedPull(state, options);
    this.publish(events);
    return pull;
  }

  /**
   * Merges an open pull request now and sends the `closed` webhook GitHub sends for a merge.
   * Says why not when the repository or pull request is unknown, or the pull request is not open.
   */
  mergePull(
    repository: string,
    number: number,
  ): 'merged' | 'not-found' | 'not-open' {
    const state = this.store.repository(repository);
    const pull = state?.pulls[number - 1];
    if (!state || !pull) {
      return 'not-found';
    }
    if (pull.state !== 'open') {
      return 'not-open';
    }
    this.publish(this.activity.mergeRequestedPull(state, pull));
    return 'merged';
  }

  private publish(events: WebhookEvent[]): void {
    for (const event of events) {
      this.emitter.emit('event', event);
      this.dispatcher?.enqueue(event);
    }
  }

  /** Subscribes to events produced by activity; returns an unsubscribe. */
  onEvent(listener: (event: WebhookEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  /** Subscribes to webhook delivery results; returns an unsubscribe. */
  onDelivery(listener: (delivery: WebhookDelivery) => void): () => void {
    this.emitter.on('delivery', listener);
    return () => this.emitter.off('delivery', listener);
  }

  /** Resolves when all webhook deliveries enqueued so far were attempted. */
  async webhooksIdle(): Promise<void> {
    await this.dispatcher?.idle();
  }

  async stop(): Promise<void> {
    if (this.activityTimer) {
      clearInterval(this.activityTimer);
      this.activityTimer = undefined;
    }
    for (const timer of this.heldRequests) {
      clearTimeout(timer);
    }
    this.heldRequests.clear();
    const server = this.server;
    this.server = undefined;
    if (server) {
      await new Promise<void>(resolve => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
    await this.dispatcher?.idle();
  }
}
