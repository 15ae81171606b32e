import { LoggerService } from '@backstage/backend-plugin-api';
import { Clock, systemClock } from '../../service/clock';
import { IncidentStore } from '../incidents/IncidentStore';
import { IntakeRateLimit } from '../intake/config';
import { HeartbeatStore } from '../intake/heartbeats/HeartbeatStore';
import { RateLimitStore } from '../intake/RateLimitStore';
import { DAY_MS } from '../localTime';
import { OverrideStore } from '../schedules/OverrideStore';
import { OncallRetentionConfig } from './config';

/** Rows per delete statement (and per transaction): short locks, bounded statements. */
export const RETENTION_BATCH_SIZE = 500;

/** What one retention run deleted. */
export interface OncallRetentionResult {
  /** Resolved incidents, each with its timeline, assignees, pages and raw payload. */
  incidents: number;
  overrides: number;
  heartbeats: number;
  rateLimitBuckets: number;
}

/**
 * The on-call domain's clean-up, run daily on one replica: incidents resolved more than
 * `resolvedIncidentDays` ago go with their timelines, pages, assignees and raw payloads;
 * overrides that ended more than `pastOverrideDays` ago; heartbeat monitors no longer configured
 * and silent for `removedHeartbeatDays`; and alert-intake rate-limit buckets idle long enough to
 * be full (a full bucket is what a new caller gets, so nothing changes for anyone). An open
 * incident (triggered or acknowledged) is never deleted, however old. Deletes go in batches of
 * {@link RETENTION_BATCH_SIZE}, each its own statement or transaction, until none is left.
 */
export class OncallRetention {
  private readonly clock: Clock;
  private readonly batchSize: number;

  constructor(
    private readonly options: {
      incidents: IncidentStore;
      overrides: OverrideStore;
      heartbeats: HeartbeatStore;
      rateLimits: RateLimitStore;
      retention: OncallRetentionConfig;
      /** The heartbeat monitors configured now (`pulse.oncall.heartbeats`), by id. */
      heartbeatIds: string[];
      /** The intake rate limit, to know when an idle bucket is full again. */
      rateLimit: IntakeRateLimit;
      logger: LoggerService;
      clock?: Clock;
      batchSize?: number;
    },
  ) {
    this.clock = options.clock ?? systemClock;
    this.batchSize = options.batchSize ?? RETENTION_BATCH_SIZE;
  }

  async run(): Promise<OncallRetentionResult> {
    const { retention, rateLimit } = this.options;
    const now = this.clock.now().getTime();
    const daysAgo = (days: number) => new Date(now - days * DAY_MS);
    const refillMs = Math.ceil(
      (rateLimit.burst / rateLimit.requestsPerSecond) * 1000,
    );

    const result: OncallRetentionResult = {
      incidents: await this.inBatches(limit =>
        this.options.incidents.deleteResolvedBefore(
          daysAgo(retention.resolvedIncidentDays),
          limit,
        ),
      ),
      overrides: await this.inBatches(limit =>
        this.options.overrides.deleteEndedBefore(
          daysAgo(retention.pastOverrideDays),
          limit,
        ),
      ),
      heartbeats: await this.inBatches(limit =>
        this.options.heartbeats.deleteUnconfigured(
          this.options.heartbeatIds,
          daysAgo(retention.removedHeartbeatDays),
          limit,
        ),
      ),
      rateLimitBuckets: await this.inBatches(limit =>
        this.options.rateLimits.deleteIdleBefore(
          now - Math.max(DAY_MS, refillMs),
          limit,
        ),
      ),
    };
    this.options.logger.info(
      `On-call retention deleted ${result.incidents} resolved incidents, ${result.overrides} past overrides, ${result.heartbeats} removed heartbeat monitors and ${result.rateLimitBuckets} idle rate-limit buckets`,
    );
    return result;
  }

  /** Calls `deleteBatch` until a batch comes back short; returns the total deleted. */
  private async inBatches(
    deleteBatch: (limit: number) => Promise<number>,
  ): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await deleteBatch(this.batchSize);
      total += deleted;
      if (deleted < this.batchSize) {
        return total;
      }
    }
  }
}
