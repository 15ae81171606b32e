import { LoggerService } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import {
  AlertSignal,
  IncidentIntake,
  IntakeResult,
} from '../../incidents/IncidentIntake';
import { HeartbeatMonitorConfig } from '../config';
import { HeartbeatState, HeartbeatStore } from './HeartbeatStore';
import { Clock, systemClock } from '../../../service/clock';

/** The actor recorded for incidents the heartbeat check opens or resolves on its own. */
export const HEARTBEAT_CHECK_ACTOR = 'plugin:pulse';

/** The dedup key of a monitor's incidents: one open incident per monitor. */
export function heartbeatDedupKey(id: string): string {
  return `heartbeat:${id}`;
}

/** When a monitor in this state misses its interval: its last ping (or first sighting) plus the interval. */
export function heartbeatDeadline(
  state: HeartbeatState,
  monitor: HeartbeatMonitorConfig,
): Date {
  const since = state.lastPingAt ?? state.createdAt;
  return new Date(since.getTime() + monitor.intervalSeconds * 1000);
}

/** What one check did, per monitor (for logs and tests). */
export interface HeartbeatCheckResult {
  id: string;
  action: 'none' | 'expired' | 'recovered' | 'raced';
}

/**
 * Heartbeat monitors (`pulse.oncall.heartbeats`): a monitor expects a ping every interval.
 *
 * - `check()` runs on one replica at a time (a global scheduled task). A monitor whose interval
 *   passed without a ping triggers one incident (dedup key `heartbeat:<id>`) and is marked
 *   expired, so later checks do not trigger again while the outage lasts.
 * - `ping()` records the ping in the database (restarts and replicas agree on it); if the monitor
 *   was expired, it resolves the incident and clears the mark.
 *
 * The incident is triggered before the mark is written: a crash in between makes the next check
 * trigger again, which the open incident absorbs, rather than losing the page. A ping that lands
 * between the trigger and the mark makes the check resolve what it just opened. Flapping (miss,
 * ping, miss, ...) gives one incident per outage, never two open at once.
 */
export class HeartbeatMonitor {
  private readonly monitors: Map<string, HeartbeatMonitorConfig>;

  constructor(
    private readonly options: {
      monitors: HeartbeatMonitorConfig[];
      store: HeartbeatStore;
      intake: IncidentIntake;
      logger: LoggerService;
      clock?: Clock;
    },
  ) {
    this.monitors = new Map(options.monitors.map(m => [m.id, m]));
  }

  private now(): Date {
    return (this.options.clock ?? systemClock).now();
  }

  /** The configured monitors. */
  list(): HeartbeatMonitorConfig[] {
    return [...this.monitors.values()];
  }

  private signal(
    monitor: HeartbeatMonitorConfig,
    action: AlertSignal['action'],
    details: Record<string, unknown>,
    occurredAt: Date,
  ): AlertSignal {
    return {
      action,
      dedupKey: heartbeatDedupKey(monitor.id),
      entityRef: monitor.entityRef,
      title: monitor.title,
      severity: monitor.severity,
      source: 'heartbeat',
      integrationKey: heartbeatDedupKey(monitor.id),
      rawPayload: {
        heartbeat: monitor.id,
        intervalSeconds: monitor.intervalSeconds,
        ...details,
      },
      occurredAt,
    };
  }

  /**
   * Records a ping from `actor`; resolves the monitor's incident when it had expired.
   * Throws `NotFoundError` for a monitor that is not configured.
   */
  async ping(
    id: string,
    actor: string,
  ): Promise<{ state: HeartbeatState; resolved: IntakeResult | null }> {
    const monitor = this.monitors.get(id);
    if (!monitor) {
      throw new NotFoundError(
        `No heartbeat monitor '${id}' is configured in pulse.oncall.heartbeats`,
      );
    }
    const now = this.now();
    const state = await this.options.store.recordPing(id, now);
    if (!state.expiredAt) {
      return { state, resolved: null };
    }
    const resolved = await this.options.intake.receive(
      this.signal(monitor, 'resolve', { pingedAt: now.toISOString() }, now),
      actor,
    );
    await this.options.store.clearExpired(id);
    return { state: { ...state, expiredAt: null }, resolved };
  }

  /** Checks every monitor once; see the class description. */
  async check(): Promise<HeartbeatCheckResult[]> {
    const now = this.now();
    const ids = [...this.monitors.keys()];
    await this.options.store.ensure(ids, now);
    const states = await this.options.store.list(ids);
    const results: HeartbeatCheckResult[] = [];
    for (const state of states) {
      const monitor = this.monitors.get(state.id)!;
      try {
        results.push({
          id: state.id,
          action: await this.checkOne(monitor, state, now),
        });
      } catch (error) {
        this.options.logger.error(
          `Heartbeat check of '${state.id}' failed; it is retried on the next check`,
          error as Error,
        );
      }
    }
    return results;
  }

  private async checkOne(
    monitor: HeartbeatMonitorConfig,
    state: HeartbeatState,
    now: Date,
  ): Promise<HeartbeatCheckResult['action']> {
    const { store, intake } = this.options;
    if (state.expiredAt) {
      if (state.lastPingAt && state.lastPingAt > state.expiredAt) {
        // Pinged after expiring, but the ping's resolve did not complete (crash): finish it.
        await intake.receive(
          this.signal(
            monitor,
            'resolve',
            { pingedAt: state.lastPingAt.toISOString() },
            now,
          ),
          HEARTBEAT_CHECK_ACTOR,
        );
        await store.clearExpired(monitor.id);
        return 'recovered';
      }
      return 'none';
    }

    const deadline = heartbeatDeadline(state, monitor);
    if (now <= deadline) {
      return 'none';
    }
    await intake.receive(
      this.signal(
        monitor,
        'trigger',
        {
          lastPingAt: state.lastPingAt?.toISOString() ?? null,
          expectedBy: deadline.toISOString(),
        },
        deadline,
      ),
      HEARTBEAT_CHECK_ACTOR,
    );
    const cutoff = new Date(now.getTime() - monitor.intervalSeconds * 1000);
    if (await store.markExpired(monitor.id, cutoff, now)) {
      this.options.logger.info(
        `Heartbeat '${monitor.id}' missed its ${
          monitor.intervalSeconds
        }s interval (expected by ${deadline.toISOString()})`,
      );
      return 'expired';
    }
    const current = await store.get(monitor.id);
    if (current?.expiredAt) {
      // Another check marked it first; its trigger and ours were one incident.
      return 'none';
    }
    // A ping arrived between reading the state and marking it: it is alive after all.
    await intake.receive(
      this.signal(monitor, 'resolve', { note: 'pinged while expiring' }, now),
      HEARTBEAT_CHECK_ACTOR,
    );
    return 'raced';
  }
}
