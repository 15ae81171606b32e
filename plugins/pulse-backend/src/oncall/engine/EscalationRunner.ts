import { LoggerService } from '@backstage/backend-plugin-api';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import { Clock, systemClock } from '../../service/clock';
import { dueAction, PageAction, resolveTargets } from '../escalation';
import {
  EngineRunKind,
  EscalationLedger,
  StoredIncident,
} from '../incidents/EscalationLedger';
import { OnCallView } from '../schedules/OnCallView';
import { ScheduleService } from '../schedules/ScheduleService';
import { Pager } from './Pager';

export interface EscalationRunnerOptions {
  /** The engine's only door to incidents: what is due, page claims, and what it records. */
  ledger: EscalationLedger;
  schedules: ScheduleService;
  pager: Pager;
  logger: LoggerService;
  leaseSeconds: number;
  watchdogGraceMinutes: number;
  /** Identifies this process in claims; unique per replica. */
  replicaId?: string;
  clock?: Clock;
  /** Link to an incident in the portal, for notifications. */
  incidentLink: (incidentId: string) => string;
  /** At most this many due incidents are handled per run (the rest wait for the next). */
  maxPerRun?: number;
  concurrency?: number;
}

/** What one run did. */
export interface RunReport {
  due: number;
  paged: number;
  /** Claimed elsewhere, or the incident changed before the page went out. */
  skipped: number;
  failed: number;
  ackTimeouts: number;
  recovered: number;
  handoffs: number;
  durationMs: number;
  /** Per page sent: how long after its due time it went out, in ms. */
  latenessMs: number[];
}

type Outcome = 'paged' | 'skipped' | 'failed' | 'ack-timeout' | 'none';

/**
 * The escalation engine. Each run finds incidents with a step due, claims each page in the
 * database with a lease, pages its targets, and records it; the watchdog run does the same for
 * work overdue by more than the grace period, and flags those incidents.
 *
 * Exactly once: a page is only sent by the holder of its claim, the claim is a conditional
 * UPDATE that at most one replica wins, a claim whose holder died is taken over when its lease
 * expires, and a page is marked sent (with the escalation advanced) in one transaction. The one
 * repeat a crash can cause — sent, but the mark lost — carries the same idempotency key.
 */
export class EscalationRunner {
  readonly replicaId: string;
  private readonly clock: Clock;

  constructor(private readonly options: EscalationRunnerOptions) {
    this.replicaId =
      options.replicaId ??
      `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.clock = options.clock ?? systemClock;
  }

  private get graceMs() {
    return this.options.watchdogGraceMinutes * 60_000;
  }

  /** The regular run: everything due now, then handoff detection. */
  async run(): Promise<RunReport> {
    return this.execute(false);
  }

  /**
   * The watchdog: only work overdue by more than the grace period. It runs on every replica on
   * its own schedule, so a stalled or lost global task does not stop paging.
   */
  async watchdog(): Promise<RunReport> {
    return this.execute(true);
  }

  private async execute(watchdogOnly: boolean): Promise<RunReport> {
    const started = Date.now();
    const now = this.clock.now();
    const cutoff = watchdogOnly ? new Date(now.getTime() - this.graceMs) : now;
    const due = await this.options.ledger.due(
      cutoff,
      this.options.maxPerRun ?? 5000,
    );
    const view = await this.options.schedules.viewAround(now);
    const report: RunReport = {
      due: due.length,
      paged: 0,
      skipped: 0,
      failed: 0,
      ackTimeouts: 0,
      recovered: 0,
      handoffs: 0,
      durationMs: 0,
      latenessMs: [],
    };
    const limit = pLimit(this.options.concurrency ?? 8);
    await Promise.all(
      due.map(incident =>
        limit(async () => {
          try {
            let outcome = await this.handle(incident, view, report);
            if (outcome === 'ack-timeout') {
              report.ackTimeouts += 1;
              // Back to triggered with the current level due now: page it in this run.
              const fresh = await this.options.ledger.incident(incident.id);
              outcome = fresh ? await this.handle(fresh, view, report) : 'none';
            }
            if (outcome === 'paged') report.paged += 1;
            if (outcome === 'skipped') report.skipped += 1;
            if (outcome === 'failed') report.failed += 1;
          } catch (error) {
            report.failed += 1;
            this.options.logger.error(
              `Escalation of incident ${incident.id} failed: ${error}`,
            );
          }
        }),
      ),
    );
    if (!watchdogOnly) {
      try {
        report.handoffs = (
          await this.options.schedules.detectHandoffs(view)
        ).length;
      } catch (error) {
        this.options.logger.error(`On-call handoff detection failed: ${error}`);
      }
    }
    report.durationMs = Date.now() - started;
    await this.recordRun(watchdogOnly ? 'watchdog' : 'escalation', report);
    if (report.due > 0) {
      this.options.logger.debug(
        `Escalation ${watchdogOnly ? 'watchdog ' : ''}run: ${
          report.paged
        } paged, ${report.skipped} skipped, ${report.failed} failed, ${
          report.ackTimeouts
        } ack timeouts, ${report.recovered} recovered in ${
          report.durationMs
        } ms`,
      );
    }
    return report;
  }

  private async handle(
    incident: StoredIncident,
    view: OnCallView,
    report: RunReport,
  ): Promise<Outcome> {
    const now = this.clock.now();
    const action = dueAction(incident.escalation, now);
    if (!action) {
      return 'none';
    }
    const overdueMs = now.getTime() - Date.parse(action.dueAt);
    const overdue = overdueMs > this.graceMs;
    if (action.kind === 'ack-timeout') {
      if (overdue && !incident.flagged) {
        await this.options.ledger.flagOverdue(
          incident.id,
          new Date(action.dueAt),
          overdueMs,
        );
        report.recovered += 1;
      }
      return (await this.options.ledger.ackTimeout(incident.id))
        ? 'ack-timeout'
        : 'skipped';
    }
    return this.page(incident, action, view, report, overdue ? overdueMs : 0);
  }

  private async page(
    incident: StoredIncident,
    action: PageAction,
    view: OnCallView,
    report: RunReport,
    overdueMs: number,
  ): Promise<Outcome> {
    const { ledger, pager, leaseSeconds } = this.options;
    const key = action.idempotencyKey;
    const now = this.clock.now();
    await ledger.ensurePage({
      idempotencyKey: key,
      incidentId: incident.id,
      stepIndex: action.stepIndex,
      round: action.round,
      dueAt: new Date(action.dueAt),
      now,
    });
    const claim = await ledger.claimPage(
      key,
      this.replicaId,
      now,
      new Date(now.getTime() + leaseSeconds * 1000),
    );
    if (claim === 'sent') {
      await ledger.advancePastSentPage(incident.id, key);
      return 'skipped';
    }
    if (claim === 'held') {
      return 'skipped';
    }

    // Between reading the incident and claiming, someone may have acknowledged or resolved it.
    const fresh = await ledger.incident(incident.id);
    const stillDue = fresh && dueAction(fresh.escalation, this.clock.now());
    if (
      !fresh ||
      stillDue?.kind !== 'page' ||
      stillDue.idempotencyKey !== key
    ) {
      await ledger.releasePage(key, this.replicaId, {
        skippedAt: this.clock.now(),
      });
      return 'skipped';
    }

    if (overdueMs > 0 && (await ledger.markPageRecovered(key))) {
      await ledger.flagOverdue(incident.id, new Date(action.dueAt), overdueMs);
      report.recovered += 1;
    }

    // On-call is resolved at the run's instant, so each schedule is computed once per run.
    const targets = resolveTargets(
      action.targets,
      view.targetLookup(),
      view.at,
      {
        pickOne: action.pickOne,
      },
    );
    const nobody: string[] = targets.notes.map(note => {
      switch (note.kind) {
        case 'nobody-on-call':
          return `no one on call on schedule ${note.scheduleId}`;
        case 'empty-group':
          return `group ${note.groupRef} has no members`;
        default:
          return `${note.userRef} is not in the catalog; their turn passed to the next`;
      }
    });
    const recipients = targets.recipients.filter(ref => {
      if (view.directory.isMissing(ref)) {
        nobody.push(`${ref} is not in the catalog`);
        return false;
      }
      return true;
    });
    if (
      recipients.length === 0 &&
      targets.webhookUrls.length === 0 &&
      nobody.length === 0
    ) {
      nobody.push('the step has no one to page');
    }

    let webhooks;
    try {
      webhooks = await pager.page({
        incident: {
          id: fresh.id,
          title: fresh.title,
          entityRef: fresh.entityRef,
          severity: fresh.severity,
          createdAt: fresh.createdAt.toISOString(),
        },
        recipients,
        webhookUrls: targets.webhookUrls,
        stepIndex: action.stepIndex,
        round: action.round,
        idempotencyKey: key,
        link: this.options.incidentLink(fresh.id),
      });
    } catch (error) {
      // Released so that the next run retries it at once rather than after the lease.
      await ledger.releasePage(key, this.replicaId, {
        error: String(error),
      });
      this.options.logger.warn(
        `Could not page step ${action.stepIndex + 1} of incident ${
          fresh.id
        }; retrying next run: ${error}`,
      );
      return 'failed';
    }
    const sentAt = this.clock.now();
    const recorded = await ledger.recordPage(fresh.id, {
      idempotencyKey: key,
      stepIndex: action.stepIndex,
      round: action.round,
      sentAt,
      recipients,
      webhooks,
      nobody,
    });
    if (recorded) {
      report.latenessMs.push(sentAt.getTime() - Date.parse(action.dueAt));
    }
    return recorded ? 'paged' : 'skipped';
  }

  private async recordRun(kind: EngineRunKind, report: RunReport) {
    await this.options.ledger.recordRun({
      kind,
      at: this.clock.now(),
      by: this.replicaId,
      durationMs: report.durationMs,
    });
  }
}
