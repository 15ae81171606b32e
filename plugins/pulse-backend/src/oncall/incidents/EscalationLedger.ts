import { AuditorService } from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import { JsonObject } from '@backstage/types';
import { toDate } from '../../database/rows';
import { Clock } from '../../service/clock';
import {
  EngineRun,
  EngineRunKind,
  EngineStatusStore,
} from './EngineStatusStore';
import {
  ackTimedOut,
  afterPaged,
  afterPagedWhileAcknowledged,
  dueAction,
  EscalationState,
} from '../escalation';
import {
  ENGINE_ACTOR,
  IncidentChange,
  IncidentChanges,
} from './IncidentChanges';
import {
  ClaimOutcome,
  IncidentPatch,
  IncidentStore,
  NewTimelineEntry,
  StoredIncident,
} from './IncidentStore';

export type { EngineRun, EngineRunKind, StoredIncident };

/** What the escalation engine reports after sending a page. */
export interface SentPage {
  idempotencyKey: string;
  stepIndex: number;
  round: number;
  sentAt: Date;
  recipients: string[];
  webhooks: Array<{ name: string; ok: boolean; error?: string }>;
  /** Targets that resolved to nobody, as timeline messages. */
  nobody: string[];
}

/** The idempotency key of the page the escalation waits to send, whenever it is due. */
function pendingPageKey(state: EscalationState): string | undefined {
  const farFuture = new Date(8.64e15);
  const pending = dueAction(state, farFuture);
  return pending?.kind === 'page' ? pending.idempotencyKey : undefined;
}

export interface EscalationLedgerOptions {
  store: IncidentStore;
  engineStatus: EngineStatusStore;
  changes: IncidentChanges;
  auditor?: AuditorService;
  clock: Clock;
}

/**
 * The escalation engine's only door: what it reads (incidents with work due, an incident as it
 * is now, its run status), its page claims (a lease per page, so each goes out exactly once
 * across replicas), and the state changes it records (a page sent, an acknowledgement that
 * lapsed, an overdue step the watchdog recovered). Each change commits with its timeline entries
 * and domain event, and goes to the audit log with the engine as the actor.
 */
export class EscalationLedger {
  private readonly store: IncidentStore;
  private readonly changes: IncidentChanges;
  private readonly clock: Clock;

  constructor(private readonly options: EscalationLedgerOptions) {
    this.store = options.store;
    this.changes = options.changes;
    this.clock = options.clock;
  }

  // ------------------------------------------------------------------ reading

  /** Open incidents whose escalation has work due at `at`, the most overdue first. */
  due(at: Date, limit: number): Promise<StoredIncident[]> {
    return this.store.due(at, limit);
  }

  /** The incident as it is now (after a claim, or after an acknowledgement timed out). */
  incident(id: string): Promise<StoredIncident | undefined> {
    return this.store.get(id);
  }

  /** How many steps are due more than `graceMs` before `now`, and the oldest due time of them. */
  lag(
    now: Date,
    graceMs: number,
  ): Promise<{ overdue: number; oldestDueAt: Date | null }> {
    return this.store.lag(now, graceMs);
  }

  // ------------------------------------------------------------------ pages

  /** The page's claim row, created once per idempotency key. */
  ensurePage(page: {
    idempotencyKey: string;
    incidentId: string;
    stepIndex: number;
    round: number;
    dueAt: Date;
    now: Date;
  }): Promise<void> {
    return this.store.ensurePage(page);
  }

  /** Takes the page for `holder` until `leaseExpiresAt`, unless it is sent or held elsewhere. */
  claimPage(
    key: string,
    holder: string,
    now: Date,
    leaseExpiresAt: Date,
  ): Promise<ClaimOutcome> {
    return this.store.claimPage(key, holder, now, leaseExpiresAt);
  }

  /** Gives up a claim without sending (failure or nothing left to send). */
  releasePage(
    key: string,
    holder: string,
    outcome: { skippedAt?: Date; error?: string },
  ): Promise<void> {
    return this.store.releasePage(key, holder, outcome);
  }

  /** Marks the page as recovered by the watchdog; true only the first time. */
  markPageRecovered(key: string): Promise<boolean> {
    return this.store.markPageRecovered(key);
  }

  // --------------------------------------------------------------- run status

  /** Records a completed run of the engine, for the health endpoint. */
  recordRun(run: EngineRun): Promise<void> {
    return this.options.engineStatus.recordRun(run);
  }

  /** The latest completed run of each kind. */
  lastRuns(): Promise<Map<EngineRunKind, EngineRun>> {
    return this.options.engineStatus.lastRuns();
  }

  // ------------------------------------------------------------------ changes

  /**
   * Records a page the engine sent: marks it sent, advances the escalation if it still waits for
   * this page, and writes the timeline and event. Returns false when the page was already
   * recorded (another holder of a lapsed lease sent it too; the idempotency key made that
   * harmless).
   */
  async recordPage(incidentId: string, page: SentPage): Promise<boolean> {
    const done = await this.store.transaction(async tx => {
      const marked = await this.store.markPageSent(
        tx,
        page.idempotencyKey,
        page.sentAt,
        { users: page.recipients, webhooks: page.webhooks },
      );
      if (!marked) {
        return false;
      }
      const incident = (await this.store.get(incidentId, {
        tx,
        forUpdate: true,
      }))!;
      const step = `step ${page.stepIndex + 1}${
        page.round > 0 ? ` (round ${page.round + 1})` : ''
      }`;
      const timeline: NewTimelineEntry[] = [];
      for (const nobody of page.nobody) {
        timeline.push({
          at: page.sentAt,
          type: 'nobody_on_call',
          actor: ENGINE_ACTOR,
          message: `${step}: ${nobody}`,
          details: { stepIndex: page.stepIndex, round: page.round },
        });
      }
      const webhookNames = page.webhooks.map(
        w => `${w.name}${w.ok ? '' : ` (failed: ${w.error})`}`,
      );
      if (page.recipients.length > 0 || page.webhooks.length > 0) {
        timeline.push({
          at: page.sentAt,
          type: 'notified',
          actor: ENGINE_ACTOR,
          message: `${step}: paged ${[...page.recipients, ...webhookNames].join(
            ', ',
          )}`,
          details: {
            stepIndex: page.stepIndex,
            round: page.round,
            recipients: page.recipients,
            webhooks: page.webhooks,
            idempotencyKey: page.idempotencyKey,
          },
        });
      }
      const patch: IncidentPatch = {};
      if (incident.escalation.status === 'acknowledged') {
        const result = afterPagedWhileAcknowledged(
          incident.escalation,
          page.sentAt,
          page,
        );
        if (result.ok) {
          patch.escalation = result.state;
        }
      } else if (pendingPageKey(incident.escalation) === page.idempotencyKey) {
        const result = afterPaged(incident.escalation, page.sentAt, page);
        if (result.ok) {
          patch.escalation = result.state;
          if (result.state.finished) {
            timeline.push({
              at: page.sentAt,
              type: 'escalation_finished',
              actor: ENGINE_ACTOR,
              message:
                'Escalation finished: every step was paged and nobody acknowledged',
            });
          }
        }
      }
      const change: IncidentChange = {
        patch,
        timeline,
        event: {
          type: 'incident.notified',
          details: {
            stepIndex: page.stepIndex,
            round: page.round,
            recipients: page.recipients,
            webhooks: page.webhooks.map(w => w.name),
          },
        },
        ...(page.recipients.length > 0 && { assignees: page.recipients }),
      };
      if (
        !(await this.changes.apply(
          tx,
          incident,
          change,
          page.sentAt,
          ENGINE_ACTOR,
        ))
      ) {
        throw new ConflictError(
          `Incident ${incidentId} changed while recording a page`,
        );
      }
      return true;
    });
    if (done) {
      await this.auditEngine('incident-page', {
        incidentId,
        idempotencyKey: page.idempotencyKey,
        recipients: page.recipients,
        webhooks: page.webhooks.map(w => w.name),
      });
    }
    return done;
  }

  /**
   * The pending page was already sent (e.g. an acknowledgement raced the engine and a later
   * "escalate now" brought the same step back): advance past it instead of paging again.
   */
  async advancePastSentPage(
    incidentId: string,
    idempotencyKey: string,
  ): Promise<boolean> {
    return this.store.transaction(async tx => {
      const incident = await this.store.get(incidentId, {
        tx,
        forUpdate: true,
      });
      const page = await this.store.page(idempotencyKey, tx);
      if (!incident || !page?.sent_at) {
        return false;
      }
      const now = this.clock.now();
      const pending = dueAction(incident.escalation, now);
      if (
        pending?.kind !== 'page' ||
        pending.idempotencyKey !== idempotencyKey
      ) {
        return false;
      }
      const result = afterPaged(incident.escalation, now, pending);
      if (!result.ok) {
        return false;
      }
      return this.changes.apply(
        tx,
        incident,
        {
          patch: { escalation: result.state },
          timeline: [
            {
              at: now,
              type: 'note',
              actor: ENGINE_ACTOR,
              message: `Step ${
                pending.stepIndex + 1
              } was already paged at ${toDate(
                page.sent_at,
              ).toISOString()}; not paging it again`,
            },
          ],
        },
        now,
        ENGINE_ACTOR,
      );
    });
  }

  /** The acknowledgement lapsed: back to triggered, and the current level is paged again. */
  async ackTimeout(incidentId: string): Promise<boolean> {
    const done = await this.store.transaction(async tx => {
      const incident = await this.store.get(incidentId, {
        tx,
        forUpdate: true,
      });
      const now = this.clock.now();
      if (!incident) {
        return false;
      }
      const pending = dueAction(incident.escalation, now);
      if (pending?.kind !== 'ack-timeout') {
        return false;
      }
      const result = ackTimedOut(incident.escalation, now);
      if (!result.ok) {
        return false;
      }
      return this.changes.apply(
        tx,
        incident,
        {
          patch: { escalation: result.state },
          timeline: [
            {
              at: now,
              type: 'ack_timeout',
              actor: ENGINE_ACTOR,
              message: `Not resolved within ${incident.escalation.policy.ackTimeoutMinutes} minutes of the acknowledgement: back to triggered, escalation resumes`,
            },
          ],
          event: { type: 'incident.unacknowledged' },
        },
        now,
        ENGINE_ACTOR,
      );
    });
    if (done) {
      await this.auditEngine('incident-ack-timeout', { incidentId });
    }
    return done;
  }

  /** The watchdog found the incident's escalation overdue: flag it and say so on the timeline. */
  async flagOverdue(
    incidentId: string,
    dueAt: Date,
    overdueMs: number,
  ): Promise<void> {
    await this.store.transaction(async tx => {
      const incident = await this.store.get(incidentId, {
        tx,
        forUpdate: true,
      });
      if (!incident) {
        return;
      }
      const now = this.clock.now();
      await this.changes.apply(
        tx,
        incident,
        {
          patch: { flagged: true },
          timeline: [
            {
              at: now,
              type: 'watchdog_recovered',
              actor: ENGINE_ACTOR,
              message: `The escalation step due at ${dueAt.toISOString()} was ${Math.round(
                overdueMs / 1000,
              )} s overdue; the watchdog is running it now`,
              details: { dueAt: dueAt.toISOString(), overdueMs },
            },
          ],
          event: { type: 'incident.flagged', details: { overdueMs } },
        },
        now,
        ENGINE_ACTOR,
      );
    });
    await this.auditEngine('incident-watchdog-recovery', {
      incidentId,
      dueAt: dueAt.toISOString(),
      overdueMs,
    });
  }

  /** The engine's own state changes go to the audit log too, with the engine as the actor. */
  private async auditEngine(eventId: string, meta: JsonObject) {
    const audit = await this.options.auditor?.createEvent({
      eventId,
      severityLevel: 'low',
      meta: { ...meta, actor: 'pulse-escalation-engine' },
    });
    await audit?.success();
  }
}
