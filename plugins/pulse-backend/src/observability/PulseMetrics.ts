import {
  MetricsService,
  MetricsServiceCounter,
  MetricsServiceHistogram,
} from '@backstage/backend-plugin-api/alpha';
import express from 'express';
import { performance } from 'node:perf_hooks';

/**
 * Pulse's operational metrics, defined once: every instrument's name, unit, description and the
 * attributes it carries. Domains receive this object through their options and call one method
 * where something worth counting happens.
 *
 * Instruments come from Backstage's `MetricsService` (OpenTelemetry underneath), so they reach
 * whatever exporter the adopter registers (see the plugin README). Attributes are kept
 * low-cardinality on purpose: hosts, formats, outcomes and reasons, never entity refs, user
 * refs, incident ids or dedup keys. The one exception is `repository` on
 * `pulse.github.sync.failures`, so that a failing repository can be found: a counter has a
 * series only for repositories that have failed, at most the tracked ones.
 */

/** How one repository's sync ended (the sync engine's own outcomes). */
export type SyncOutcome =
  | 'synced'
  | 'failed'
  | 'paused'
  | 'busy'
  | 'backing-off'
  | 'aborted'
  | 'not-due'
  | 'lease-lost';

/** How the webhook handler answered a delivery, or `error` when it threw. */
export type WebhookResult =
  | 'applied'
  | 'unchanged'
  | 'duplicate'
  | 'ignored'
  | 'malformed'
  | 'error';

/** What became of an accepted alert signal (the intake's own outcomes). */
export type AlertOutcome =
  | 'created'
  | 'absorbed'
  | 'acknowledged'
  | 'resolved'
  | 'ignored';

/** Which engine run: the regular escalation tick or the watchdog. */
export type EscalationRunKind = 'escalation' | 'watchdog';

/** A host's rate-limit state, as the GitHub clients keep it. */
export interface QuotaSnapshot {
  host: string;
  limit: number | null;
  remaining: number | null;
}

const WEBHOOK_OUTCOME: Record<
  WebhookResult,
  'accepted' | 'ignored' | 'refused' | 'failed'
> = {
  applied: 'accepted',
  unchanged: 'accepted',
  duplicate: 'ignored',
  ignored: 'ignored',
  malformed: 'refused',
  error: 'failed',
};

const ALERT_FORMATS = new Set([
  'alertmanager',
  'grafana',
  'pagerduty',
  'json',
  'heartbeat',
]);

/** Why the intake refused a delivery, from the status it answered. */
export function intakeRefusalReason(status: number): string {
  switch (status) {
    case 400:
      return 'invalid';
    case 401:
      return 'unauthenticated';
    case 403:
      return 'forbidden';
    case 404:
      return 'not-found';
    case 408:
      return 'body-timeout';
    case 413:
      return 'too-large';
    case 429:
      return 'rate-limited';
    default:
      return status >= 500 ? 'server-error' : 'other';
  }
}

// Bucket boundaries in seconds, for what each duration usually is.
const REQUEST_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];
const SYNC_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];
const TICK_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const LAG_BUCKETS = [0, 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

/** The instruments and the calls the domains make on them. */
export class PulseMetrics {
  private readonly syncDuration: MetricsServiceHistogram<{
    host: string;
    outcome: SyncOutcome;
  }>;
  private readonly syncFailures: MetricsServiceCounter<{
    host: string;
    repository: string;
  }>;
  private readonly webhookDeliveries: MetricsServiceCounter<{
    event: string;
    outcome: string;
    reason: WebhookResult;
  }>;
  private readonly alertsAccepted: MetricsServiceCounter<{
    source: string;
    outcome: AlertOutcome;
  }>;
  private readonly alertsRefused: MetricsServiceCounter<{
    format: string;
    reason: string;
  }>;
  private readonly intakeDuration: MetricsServiceHistogram<{
    format: string;
    outcome: 'accepted' | 'refused' | 'failed';
  }>;
  private readonly pages: MetricsServiceCounter<{
    run: EscalationRunKind;
    outcome: 'sent' | 'failed';
  }>;
  private readonly tickDuration: MetricsServiceHistogram<{
    run: EscalationRunKind;
  }>;
  private readonly escalationLag: MetricsServiceHistogram<{
    run: EscalationRunKind;
  }>;

  constructor(private readonly metrics: MetricsService) {
    this.syncDuration = metrics.createHistogram('pulse.github.sync.duration', {
      description:
        "How long one repository's GitHub sync took, by host and outcome (synced, failed, paused, aborted).",
      unit: 's',
      advice: { explicitBucketBoundaries: SYNC_BUCKETS },
    });
    this.syncFailures = metrics.createCounter('pulse.github.sync.failures', {
      description:
        'Repository syncs that failed (not paused by rate limits, not aborted), by host and repository.',
      unit: '{sync}',
    });
    this.webhookDeliveries = metrics.createCounter(
      'pulse.github.webhook.deliveries',
      {
        description:
          'GitHub webhook deliveries Pulse handled, by event, outcome (accepted, ignored, refused, failed) and reason.',
        unit: '{delivery}',
      },
    );
    this.alertsAccepted = metrics.createCounter('pulse.alerts.accepted', {
      description:
        'Alert signals accepted by intake and stored, by source and what became of them.',
      unit: '{alert}',
    });
    this.alertsRefused = metrics.createCounter('pulse.alerts.refused', {
      description:
        'Alert deliveries intake answered with an error (nothing stored), by format and reason.',
      unit: '{delivery}',
    });
    this.intakeDuration = metrics.createHistogram(
      'pulse.alerts.intake.duration',
      {
        description:
          'From an alert delivery arriving to its answer (a 2xx is sent once its signals are committed), by format and outcome.',
        unit: 's',
        advice: { explicitBucketBoundaries: REQUEST_BUCKETS },
      },
    );
    this.pages = metrics.createCounter('pulse.escalation.pages', {
      description:
        'Escalation pages, by run and outcome: sent (notified and recorded) or failed (retried next run).',
      unit: '{page}',
    });
    this.tickDuration = metrics.createHistogram(
      'pulse.escalation.tick.duration',
      {
        description:
          'How long one escalation engine run took, including handoff detection, by run.',
        unit: 's',
        advice: { explicitBucketBoundaries: TICK_BUCKETS },
      },
    );
    this.escalationLag = metrics.createHistogram('pulse.escalation.lag', {
      description:
        'How late a page went out after its escalation step was due, per page sent, by run.',
      unit: 's',
      advice: { explicitBucketBoundaries: LAG_BUCKETS },
    });
  }

  // -------------------------------------------------------------------------------------------
  // GitHub

  /** One repository's sync ended; `startedAt` and `endedAt` come from the engine's clock. */
  githubSyncFinished(
    repository: { host: string; slug: string },
    outcome: SyncOutcome,
    startedAt: Date,
    endedAt: Date,
  ): void {
    const { host, slug } = repository;
    this.syncDuration.record(
      Math.max(0, endedAt.getTime() - startedAt.getTime()) / 1000,
      { host, outcome },
    );
    if (outcome === 'failed') {
      this.syncFailures.add(1, { host, repository: slug });
    }
  }

  /**
   * Reports each host's remaining and total GitHub request quota whenever metrics are collected,
   * from the clients' last `X-RateLimit-*` headers. Hosts not yet heard from are left out.
   */
  observeGithubQuota(clients: {
    all(): Array<{ snapshot(): QuotaSnapshot }>;
  }): void {
    const hosts = () => clients.all().map(client => client.snapshot());
    const remaining = this.metrics.createObservableGauge<{ host: string }>(
      'pulse.github.rate_limit.remaining',
      {
        description:
          "Requests left in the GitHub host's current rate-limit window, as last seen by this replica.",
        unit: '{request}',
      },
    );
    const limit = this.metrics.createObservableGauge<{ host: string }>(
      'pulse.github.rate_limit.limit',
      {
        description:
          "The GitHub host's requests per rate-limit window, as last seen by this replica.",
        unit: '{request}',
      },
    );
    remaining.addCallback(result => {
      for (const host of hosts()) {
        if (host.remaining !== null) {
          result.observe(host.remaining, { host: host.host });
        }
      }
    });
    limit.addCallback(result => {
      for (const host of hosts()) {
        if (host.limit !== null) {
          result.observe(host.limit, { host: host.host });
        }
      }
    });
  }

  /** Counts a webhook delivery by how `handling` ends; returns (or rethrows) its result. */
  async githubWebhook<T extends WebhookResult>(
    topic: string,
    handling: Promise<T>,
  ): Promise<T> {
    const event = topic.replace(/^github\./, '');
    const count = (reason: WebhookResult) =>
      this.webhookDeliveries.add(1, {
        event,
        outcome: WEBHOOK_OUTCOME[reason],
        reason,
      });
    try {
      const result = await handling;
      count(result);
      return result;
    } catch (error) {
      count('error');
      throw error;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Alert intake

  /** Signals of one delivery were applied (committed) with these results. */
  alertsStored(
    signals: Array<{ source: string }>,
    results: Array<{ outcome: AlertOutcome }>,
  ): void {
    results.forEach((result, index) => {
      this.alertsAccepted.add(1, {
        source: signals[index]?.source ?? 'unknown',
        outcome: result.outcome,
      });
    });
  }

  /**
   * Middleware for the `/alerts` routes: times each delivery until its answer is sent and counts
   * the refused ones by the reason their status gives.
   */
  intakeMiddleware(): express.RequestHandler {
    return (req, res, next) => {
      const started = performance.now();
      const segment = req.path.split('/')[1] ?? '';
      const format = ALERT_FORMATS.has(segment) ? segment : 'other';
      res.once('finish', () => {
        const status = res.statusCode;
        let outcome: 'accepted' | 'refused' | 'failed' = 'accepted';
        if (status >= 400) {
          outcome = status >= 500 ? 'failed' : 'refused';
          this.alertsRefused.add(1, {
            format,
            reason: intakeRefusalReason(status),
          });
        }
        this.intakeDuration.record((performance.now() - started) / 1000, {
          format,
          outcome,
        });
      });
      next();
    };
  }

  // -------------------------------------------------------------------------------------------
  // Escalation

  /** One engine run ended with this report. */
  escalationRunFinished(
    run: EscalationRunKind,
    report: {
      paged: number;
      failed: number;
      durationMs: number;
      latenessMs: number[];
    },
  ): void {
    this.tickDuration.record(report.durationMs / 1000, { run });
    if (report.paged > 0) {
      this.pages.add(report.paged, { run, outcome: 'sent' });
    }
    if (report.failed > 0) {
      this.pages.add(report.failed, { run, outcome: 'failed' });
    }
    for (const lateness of report.latenessMs) {
      this.escalationLag.record(Math.max(0, lateness) / 1000, { run });
    }
  }
}
