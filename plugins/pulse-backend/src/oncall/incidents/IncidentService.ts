import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  Incident,
  IncidentDetail,
  IncidentList,
  IncidentSeverity,
  IncidentStatus,
  IncidentTimelineEntry,
  NewPulseDomainEvent,
} from '@internal/plugin-pulse-common';
import { JsonObject } from '@backstage/types';
import { createHash, randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { Knex } from 'knex';
import { DomainEventPublisher } from '../../events/DomainEventPublisher';
import { decodeCursor, encodeCursor } from '../../service/cursor';
import {
  acknowledge,
  ackTimedOut,
  afterPaged,
  Assignee,
  dueAction,
  escalateNow,
  EscalationPolicy,
  EscalationResult,
  EscalationState,
  reassign,
  resolve,
  startEscalation,
  unacknowledge,
  usesRoundRobin,
} from '../escalation';
import { normalizeEntityRef } from '../config';
import { IncidentEventPayload, OncallEventType } from '../events';
import {
  EscalationPolicySource,
  noEscalationPolicies,
  PolicyChoice,
} from '../policies';
import { AlertSignal, IncidentIntake, IntakeResult } from './IncidentIntake';
import {
  IncidentPatch,
  IncidentScope,
  IncidentStore,
  NewStoredIncident,
  NewTimelineEntry,
  scopeKey,
  StoredIncident,
  toDate,
} from './IncidentStore';

/** Who does something, and the HTTP request it came with (for the audit log). */
export interface ActionContext {
  /** A user or service entity ref, or a service subject. */
  actor: string;
  request?: Request;
}

export interface IncidentServiceOptions {
  knex: Knex;
  publisher: DomainEventPublisher;
  /** Which policy a new incident follows; defaults to none (incidents open, nobody is paged). */
  policies?: EscalationPolicySource;
  auditor?: AuditorService;
  logger?: LoggerService;
  now?: () => Date;
  /** Absolute or app-relative link to an incident; `htmlUrl` in the API and notifications. */
  incidentLink?: (incidentId: string) => string;
  /** Called after a change leaves escalation work due now, to run the engine early. */
  onEscalationDue?: () => void;
}

export interface ListIncidentsQuery {
  statuses?: IncidentStatus[];
  severities?: IncidentSeverity[];
  entityRefs?: string[];
  assignee?: string;
  limit?: number;
  cursor?: string;
}

export interface NewIncident {
  entityRef: string;
  title: string;
  severity: IncidentSeverity;
  details?: string;
}

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

const MAX_DEDUP_KEY_LENGTH = 255;
const ENGINE_ACTOR = null;
/** A policy with no steps: the escalation is finished at once. */
const NO_POLICY: EscalationPolicy = {
  id: 'none',
  name: 'No escalation policy',
  steps: [],
  repeat: 0,
};

/** Keys longer than the column are hashed to a fixed length (PagerDuty allows 255). */
export function normalizeDedupKey(key: string): string {
  if (key.length <= MAX_DEDUP_KEY_LENGTH) {
    return key;
  }
  return `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/**
 * Where a signal's dedup key holds: its service and the integration it came through (a signal
 * without one, a page by hand, is its own source's).
 */
function scopeOf(signal: AlertSignal): IncidentScope {
  return {
    entityRef: signal.entityRef,
    integrationKey: signal.integrationKey || signal.source,
    dedupKey: signal.dedupKey,
  };
}

/** The idempotency key of the page the escalation waits to send, whenever it is due. */
function pendingPageKey(state: EscalationState): string | undefined {
  const farFuture = new Date(8.64e15);
  const pending = dueAction(state, farFuture);
  return pending?.kind === 'page' ? pending.idempotencyKey : undefined;
}

function secondsBetween(from: Date, to: Date): number {
  return Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000));
}

/** Incident pages are ordered by creation, whatever the filters: one cursor scope. */
const INCIDENT_CURSOR_SCOPE = 'incidents';

function cursorPosition(cursor: string): { createdAt: Date; id: string } {
  const { at, id } = decodeCursor<string>(
    INCIDENT_CURSOR_SCOPE,
    cursor,
    'string',
  );
  return { createdAt: new Date(at), id };
}

/** Thrown inside a transaction to roll it back and try again: what it read changed meanwhile. */
class RetryableConflict extends Error {}

/** PostgreSQL aborted the transaction to break a lock cycle; trying again succeeds. */
function isDeadlock(error: unknown): boolean {
  return (error as { code?: string } | undefined)?.code === '40P01';
}

interface Mutation {
  patch: IncidentPatch;
  timeline: NewTimelineEntry[];
  event?: { type: OncallEventType; details?: Record<string, unknown> };
  /** Replaces the assignees. */
  assignees?: string[];
}

function unwrap(result: EscalationResult): EscalationState {
  if (!result.ok) {
    throw new ConflictError(result.error.message);
  }
  return result.state;
}

/**
 * Incidents: alert intake (deduplicated by the database), the actions people take, and the state
 * changes the escalation engine records. Every change commits with its timeline entries and its
 * domain event in one transaction, and is written to the audit log with its actor.
 */
export class IncidentService implements IncidentIntake {
  readonly store: IncidentStore;
  private readonly policies: EscalationPolicySource;
  private readonly now: () => Date;

  constructor(private readonly options: IncidentServiceOptions) {
    this.store = new IncidentStore(options.knex);
    this.policies = options.policies ?? noEscalationPolicies;
    this.now = options.now ?? (() => new Date());
  }

  // ------------------------------------------------------------------ reading

  async get(id: string): Promise<Omit<IncidentDetail, 'version'>> {
    const incident = await this.store.get(id);
    if (!incident) {
      throw new NotFoundError(`No incident with id '${id}'`);
    }
    const [api] = await this.toApi([incident]);
    return {
      ...api,
      timeline: await this.store.timeline(id),
      rawPayload: incident.rawPayload,
    };
  }

  async list(query: ListIncidentsQuery): Promise<IncidentList> {
    const limit = query.limit ?? 50;
    const rows = await this.store.list({
      statuses: query.statuses,
      severities: query.severities,
      entityRefs: query.entityRefs,
      assignee: query.assignee,
      limit: limit + 1,
      before: query.cursor ? cursorPosition(query.cursor) : undefined,
    });
    const page = rows.slice(0, limit);
    return {
      items: await this.toApi(page),
      nextCursor:
        rows.length > limit
          ? encodeCursor(INCIDENT_CURSOR_SCOPE, {
              at: page[page.length - 1].createdAt.getTime(),
              id: page[page.length - 1].id,
            })
          : null,
    };
  }

  async openForEntity(entityRef: string): Promise<Incident[]> {
    return this.toApi(await this.store.openForEntity(entityRef));
  }

  /** The API shape of stored incidents. */
  async toApi(
    incidents: StoredIncident[],
    tx?: Knex.Transaction,
  ): Promise<Incident[]> {
    const assignees = await this.store.assignees(
      incidents.map(i => i.id),
      tx,
    );
    return incidents.map(incident => {
      const state = incident.escalation;
      const level = state.lastPaged ?? { stepIndex: 0, round: 0 };
      const link = this.options.incidentLink?.(incident.id);
      return {
        id: incident.id,
        title: incident.title,
        entityRef: incident.entityRef,
        severity: incident.severity,
        status: incident.status,
        dedupKey: incident.dedupKey,
        alertCount: incident.alertCount,
        source: incident.source as Incident['source'],
        createdAt: incident.createdAt.toISOString(),
        acknowledgedAt: incident.acknowledgedAt?.toISOString() ?? null,
        resolvedAt: incident.resolvedAt?.toISOString() ?? null,
        timeToAcknowledgeSeconds: incident.timeToAcknowledgeSeconds,
        timeToResolveSeconds: incident.timeToResolveSeconds,
        assignees: assignees.get(incident.id) ?? [],
        escalationPolicyId: incident.escalationPolicyId,
        escalationStep: level.stepIndex,
        escalationRound: level.round,
        nextEscalationAt:
          state.status === 'triggered' && !state.finished
            ? state.nextStepAt
            : null,
        flagged: incident.flagged,
        ...(link && { htmlUrl: link }),
      };
    });
  }

  // ------------------------------------------------------------------- intake

  async receive(signal: AlertSignal, actor: string): Promise<IntakeResult> {
    const [result] = await this.receiveAll([signal], actor);
    return result;
  }

  /**
   * Applies the signals of one delivery in their order. Consecutive triggers commit together in
   * one transaction (a delivery of many alerts costs a handful of statements, not a handful per
   * alert); acknowledge and resolve signals commit one by one. A dedup key holds per service and
   * integration: a signal only meets the incidents of its own service opened through its own
   * integration (format, or PagerDuty routing key). One audit record covers the delivery.
   */
  async receiveAll(
    signals: AlertSignal[],
    actor: string,
  ): Promise<IntakeResult[]> {
    const normalized = signals.map(signal => ({
      ...signal,
      dedupKey: normalizeDedupKey(signal.dedupKey),
      entityRef: normalizeEntityRef(signal.entityRef) ?? signal.entityRef,
    }));
    const audit = await this.options.auditor?.createEvent({
      eventId: 'incident-alert',
      severityLevel: normalized.some(s => s.action === 'trigger')
        ? 'medium'
        : 'low',
      meta: {
        actor,
        alerts: normalized.map(signal => ({
          action: signal.action,
          dedupKey: signal.dedupKey,
          entityRef: signal.entityRef,
          source: signal.source,
          integrationKey: signal.integrationKey,
        })),
      },
    });
    try {
      const results: IntakeResult[] = [];
      for (let i = 0; i < normalized.length; ) {
        if (normalized[i].action === 'trigger') {
          let end = i;
          while (
            end < normalized.length &&
            normalized[end].action === 'trigger'
          ) {
            end++;
          }
          results.push(
            ...(await this.triggerAll(normalized.slice(i, end), actor)),
          );
          i = end;
        } else {
          results.push(await this.transitionByKey(normalized[i], actor));
          i++;
        }
      }
      await audit?.success({
        meta: {
          results: results.map(result => ({
            outcome: result.outcome,
            dedupKey: result.dedupKey,
            incidentId: result.incidentId,
            ...(result.reason && { reason: result.reason }),
          })),
        },
      });
      results.forEach((result, index) => {
        if (result.outcome === 'ignored') {
          this.options.logger?.info(
            `Ignored ${normalized[index].action} for dedup key '${result.dedupKey}' from ${actor}: ${result.reason}`,
          );
        }
      });
      return results;
    } catch (error) {
      await audit?.fail({ error: error as Error });
      throw error;
    }
  }

  /** Opens an incident by hand ("page the on-call"); always a new incident. */
  async create(input: NewIncident, ctx: ActionContext): Promise<Incident> {
    const audit = await this.options.auditor?.createEvent({
      eventId: 'incident-create',
      severityLevel: 'medium',
      request: ctx.request,
      meta: { entityRef: input.entityRef, actor: ctx.actor },
    });
    try {
      const result = await this.trigger(
        {
          action: 'trigger',
          dedupKey: `manual:${randomUUID()}`,
          entityRef: normalizeEntityRef(input.entityRef) ?? input.entityRef,
          title: input.title,
          severity: input.severity,
          source: 'manual',
          integrationKey: '',
          rawPayload:
            input.details === undefined ? null : { details: input.details },
        },
        ctx.actor,
      );
      const [incident] = await this.toApi([
        (await this.store.get(result.incidentId!))!,
      ]);
      await audit?.success({ meta: { incidentId: incident.id } });
      return incident;
    } catch (error) {
      await audit?.fail({ error: error as Error });
      throw error;
    }
  }

  private async choosePolicy(entityRef: string): Promise<PolicyChoice> {
    try {
      return await this.policies.policyFor(entityRef);
    } catch (error) {
      this.options.logger?.error(
        `Could not choose an escalation policy for ${entityRef}: ${error}`,
      );
      return {
        policy: null,
        chosenBy: null,
        problem: `Could not choose an escalation policy: ${error}`,
      };
    }
  }

  private async trigger(
    signal: AlertSignal,
    actor: string,
  ): Promise<IntakeResult> {
    const [result] = await this.triggerAll([signal], actor);
    return result;
  }

  /**
   * Applies trigger signals in one transaction: a signal whose scope (service, integration,
   * dedup key) has an open incident is absorbed by it (count and timeline); the first signal of
   * any other scope opens an incident and the later ones of that scope are absorbed by it. Results
   * are in the order of `signals`. However many signals, they commit together or not at all (the
   * store writes big deliveries in chunks, inside this one transaction).
   */
  private async triggerAll(
    signals: AlertSignal[],
    actor: string,
  ): Promise<IntakeResult[]> {
    const byScope = new Map<string, AlertSignal[]>();
    for (const signal of signals) {
      const key = scopeKey(scopeOf(signal));
      const group = byScope.get(key);
      if (group) {
        group.push(signal);
      } else {
        byScope.set(key, [signal]);
      }
    }
    const choices = new Map<string, PolicyChoice>();
    for (const signal of signals) {
      if (!choices.has(signal.entityRef)) {
        choices.set(
          signal.entityRef,
          await this.choosePolicy(signal.entityRef),
        );
      }
    }
    for (let attempt = 0; attempt < 5; attempt++) {
      let outcomes: Map<string, IntakeResult[]>;
      try {
        outcomes = await this.store.transaction(tx =>
          this.applyTriggers(tx, byScope, choices, actor),
        );
      } catch (error) {
        if (error instanceof RetryableConflict || isDeadlock(error)) {
          continue;
        }
        throw error;
      }
      if ([...outcomes.values()].some(r => r[0].outcome === 'created')) {
        this.options.onEscalationDue?.();
      }
      const taken = new Map<string, number>();
      return signals.map(signal => {
        const key = scopeKey(scopeOf(signal));
        const index = taken.get(key) ?? 0;
        taken.set(key, index + 1);
        return outcomes.get(key)![index];
      });
    }
    throw new ConflictError(
      `Could not apply the alerts for dedup keys ${[
        ...new Set(signals.map(signal => signal.dedupKey)),
      ]
        .map(key => `'${key}'`)
        .join(', ')}: they kept changing`,
    );
  }

  /** The round-robin turn of each new incident, in order: 0 for policies without round robin. */
  private async takeTurns(
    tx: Knex.Transaction,
    policies: EscalationPolicy[],
  ): Promise<number[]> {
    const counts = new Map<string, number>();
    for (const policy of policies) {
      if (usesRoundRobin(policy)) {
        counts.set(policy.id, (counts.get(policy.id) ?? 0) + 1);
      }
    }
    const next = new Map<string, number>();
    for (const [policyId, count] of counts) {
      next.set(policyId, await this.store.takeTurns(tx, policyId, count));
    }
    return policies.map(policy => {
      const turn = next.get(policy.id);
      if (turn === undefined) {
        return 0;
      }
      next.set(policy.id, turn + 1);
      return turn;
    });
  }

  /** One attempt of {@link triggerAll}; throws RetryableConflict to roll back and retry. */
  private async applyTriggers(
    tx: Knex.Transaction,
    byScope: Map<string, AlertSignal[]>,
    choices: Map<string, PolicyChoice>,
    actor: string,
  ): Promise<Map<string, IntakeResult[]>> {
    const now = this.now();
    // Sorted scopes: transactions touching overlapping scopes lock and insert them in one order.
    const keys = [...byScope.keys()].sort();
    const scopes = new Map(
      keys.map(key => [key, scopeOf(byScope.get(key)![0])]),
    );
    const open = await this.store.getOpenByScopes(
      tx,
      keys.map(key => scopes.get(key)!),
      { forUpdate: true },
    );
    const freshKeys = keys.filter(key => !open.has(key));
    const turns = await this.takeTurns(
      tx,
      freshKeys.map(
        key => choices.get(byScope.get(key)![0].entityRef)!.policy ?? NO_POLICY,
      ),
    );
    const freshIds = new Map<string, string>();
    const fresh: NewStoredIncident[] = freshKeys.map((key, index) => {
      const group = byScope.get(key)!;
      const signal = group[0];
      const scope = scopes.get(key)!;
      const policy = choices.get(signal.entityRef)!.policy ?? NO_POLICY;
      const id = randomUUID();
      freshIds.set(id, key);
      return {
        id,
        title: signal.title,
        entityRef: scope.entityRef,
        severity: signal.severity,
        status: 'triggered',
        dedupKey: scope.dedupKey,
        integrationKey: scope.integrationKey,
        source: signal.source,
        rawPayload: signal.rawPayload ?? null,
        alertCount: group.length,
        createdAt: now,
        acknowledgedAt: null,
        resolvedAt: null,
        timeToAcknowledgeSeconds: null,
        timeToResolveSeconds: null,
        escalationPolicyId: policy.id,
        escalation: startEscalation(id, policy, now, turns[index]),
        flagged: false,
      };
    });
    // Mapped back by id, not by the stored strings: what the database returns is not re-derived.
    const inserted = new Map(
      (await this.store.insertManyIfNoneOpen(tx, fresh)).map(incident => [
        freshIds.get(incident.id)!,
        incident,
      ]),
    );
    const raced = freshKeys.filter(key => !inserted.has(key));
    if (raced.length > 0) {
      // Another delivery opened these after the read above: they absorb ours.
      const theirs = await this.store.getOpenByScopes(
        tx,
        raced.map(key => scopes.get(key)!),
        { forUpdate: true },
      );
      if (theirs.size < raced.length) {
        // ...and one was resolved again in the meantime: start over.
        throw new RetryableConflict();
      }
      theirs.forEach((incident, key) => open.set(key, incident));
    }

    const timeline: Array<NewTimelineEntry & { incidentId: string }> = [];
    const events: Array<{ incident: StoredIncident; type: OncallEventType }> =
      [];
    const outcomes = new Map<string, IntakeResult[]>();
    const absorb = (
      incident: StoredIncident,
      signal: AlertSignal,
      count: number,
    ) => {
      timeline.push({
        incidentId: incident.id,
        at: now,
        type: 'alert_absorbed',
        actor,
        message: `Another ${signal.source} alert with the same key was absorbed (${count} in all)`,
        details: {
          source: signal.source,
          title: signal.title,
          severity: signal.severity,
          ...(signal.occurredAt && {
            occurredAt: signal.occurredAt.toISOString(),
          }),
        },
      });
      events.push({ incident, type: 'incident.alert_absorbed' });
      return {
        outcome: 'absorbed' as const,
        incidentId: incident.id,
        dedupKey: incident.dedupKey,
      };
    };

    for (const key of keys) {
      const group = byScope.get(key)!;
      const created = inserted.get(key);
      if (created) {
        const [first, ...rest] = group;
        const choice = choices.get(first.entityRef)!;
        const policy = choice.policy ?? NO_POLICY;
        timeline.push({
          incidentId: created.id,
          at: now,
          type: 'created',
          actor,
          message: `Opened by ${
            first.source === 'manual' ? actor : `a ${first.source} alert`
          }; escalation policy "${policy.name}"${
            choice.chosenBy ? ` (chosen by ${choice.chosenBy})` : ''
          }`,
          details: {
            source: first.source,
            policyId: policy.id,
            ...(first.occurredAt && {
              occurredAt: first.occurredAt.toISOString(),
            }),
          },
        });
        if (choice.problem) {
          timeline.push({
            incidentId: created.id,
            at: now,
            type: choice.policy ? 'note' : 'escalation_finished',
            actor: ENGINE_ACTOR,
            message: choice.policy
              ? choice.problem
              : `Nobody will be paged. ${choice.problem}`,
          });
        }
        events.push({ incident: created, type: 'incident.created' });
        outcomes.set(key, [
          {
            outcome: 'created',
            incidentId: created.id,
            dedupKey: created.dedupKey,
          },
          ...rest.map((signal, index) => absorb(created, signal, index + 2)),
        ]);
        continue;
      }
      const existing = open.get(key)!;
      const alertCount = existing.alertCount + group.length;
      if (!(await this.store.update(tx, existing, { alertCount }, now))) {
        throw new RetryableConflict();
      }
      // The row is ours until commit (locked on PostgreSQL, serialised on SQLite), so the stored
      // state is the one read plus the patch: no need to read it again.
      const updated: StoredIncident = {
        ...existing,
        alertCount,
        version: existing.version + 1,
        updatedAt: now,
      };
      outcomes.set(
        key,
        group.map((signal, index) =>
          absorb(updated, signal, existing.alertCount + index + 1),
        ),
      );
    }
    await this.store.appendTimelines(tx, timeline);
    await this.publishAll(tx, events, actor);
    return outcomes;
  }

  /**
   * Applies an acknowledge or resolve to the open incident of its scope (service, integration,
   * dedup key). A signal for a scope with no open incident is accepted and ignored, noted on the
   * scope's latest incident if it has one.
   */
  private async transitionByKey(
    signal: AlertSignal,
    actor: string,
  ): Promise<IntakeResult> {
    const scope = scopeOf(signal);
    const { dedupKey } = scope;
    return this.store.transaction(async tx => {
      const now = this.now();
      const open = await this.store.getOpen(tx, scope, { forUpdate: true });
      const ignore = async (
        reason: string,
        incident: StoredIncident | undefined,
      ): Promise<IntakeResult> => {
        if (incident) {
          await this.store.appendTimeline(tx, incident.id, [
            {
              at: now,
              type: 'ignored_signal',
              actor,
              message: `Ignored a ${signal.action} from ${signal.source}: ${reason}`,
              details: { action: signal.action, source: signal.source },
            },
          ]);
        }
        return {
          outcome: 'ignored',
          incidentId: incident?.id ?? null,
          dedupKey,
          reason,
        };
      };

      if (!open) {
        const latest = await this.store.getLatest(tx, scope);
        return ignore(
          latest
            ? 'the incident with this key is already resolved'
            : 'no incident of this service has this key through this integration',
          latest,
        );
      }
      if (signal.action === 'acknowledge' && open.status === 'acknowledged') {
        // A repeated delivery changes nothing.
        return {
          outcome: 'ignored',
          incidentId: open.id,
          dedupKey,
          reason: 'the incident is already acknowledged',
        };
      }
      const mutation =
        signal.action === 'acknowledge'
          ? this.acknowledgeMutation(open, now, actor)
          : this.resolveMutation(
              open,
              now,
              actor,
              `Resolved by a ${signal.source} alert`,
            );
      if (!(await this.applyMutation(tx, open, mutation, now, actor))) {
        throw new ConflictError(
          `Incident ${open.id} changed while applying the ${signal.action}`,
        );
      }
      return {
        outcome: signal.action === 'acknowledge' ? 'acknowledged' : 'resolved',
        incidentId: open.id,
        dedupKey,
      };
    });
  }

  // ------------------------------------------------------------ user actions

  async acknowledge(id: string, ctx: ActionContext): Promise<Incident> {
    return this.act(id, ctx, 'incident-acknowledge', (incident, now) =>
      this.acknowledgeMutation(incident, now, ctx.actor),
    );
  }

  /**
   * Withdraws an acknowledgement ("I can't take this after all"): back to triggered, and the
   * current escalation level is paged again at once.
   */
  async unacknowledge(id: string, ctx: ActionContext): Promise<Incident> {
    const incident = await this.act(
      id,
      ctx,
      'incident-unacknowledge',
      (current, now) => ({
        patch: { escalation: unwrap(unacknowledge(current.escalation, now)) },
        timeline: [
          {
            at: now,
            type: 'unacknowledged',
            actor: ctx.actor,
            message: `Acknowledgement withdrawn by ${ctx.actor}: back to triggered, the current step is paged again`,
          },
        ],
        event: { type: 'incident.unacknowledged' },
      }),
    );
    this.options.onEscalationDue?.();
    return incident;
  }

  async resolve(
    id: string,
    ctx: ActionContext,
    note?: string,
  ): Promise<Incident> {
    return this.act(id, ctx, 'incident-resolve', (incident, now) =>
      this.resolveMutation(
        incident,
        now,
        ctx.actor,
        note ? `Resolved by ${ctx.actor}: ${note}` : `Resolved by ${ctx.actor}`,
      ),
    );
  }

  async reassign(
    id: string,
    to: { userRef: string } | { policyId: string },
    ctx: ActionContext,
  ): Promise<Incident> {
    let assignee: Assignee;
    if ('policyId' in to) {
      const policy = this.policies.policy(to.policyId);
      if (!policy) {
        throw new InputError(
          `policyId: unknown escalation policy '${to.policyId}'`,
        );
      }
      assignee = { policy };
    } else {
      assignee = { userRef: to.userRef };
    }
    const incident = await this.act(
      id,
      ctx,
      'incident-reassign',
      (current, now) => {
        const escalation = unwrap(reassign(current.escalation, now, assignee));
        const target =
          'policy' in assignee
            ? `escalation policy "${assignee.policy.name}"`
            : assignee.userRef;
        return {
          patch: { escalation, escalationPolicyId: escalation.policy.id },
          assignees: 'userRef' in assignee ? [assignee.userRef] : [],
          timeline: [
            {
              at: now,
              type: 'reassigned',
              actor: ctx.actor,
              message: `Reassigned to ${target} by ${ctx.actor}`,
              details: { ...to },
            },
          ],
          event: { type: 'incident.reassigned', details: { ...to } },
        };
      },
    );
    this.options.onEscalationDue?.();
    return incident;
  }

  async escalate(id: string, ctx: ActionContext): Promise<Incident> {
    const incident = await this.act(
      id,
      ctx,
      'incident-escalate',
      (current, now) => {
        const escalation = unwrap(escalateNow(current.escalation, now));
        return {
          patch: { escalation },
          timeline: [
            {
              at: now,
              type: 'escalated',
              actor: ctx.actor,
              message: `Escalated by ${ctx.actor}: step ${
                escalation.stepIndex + 1
              } is paged now`,
              details: {
                stepIndex: escalation.stepIndex,
                round: escalation.round,
              },
            },
          ],
          event: { type: 'incident.escalated' },
        };
      },
    );
    this.options.onEscalationDue?.();
    return incident;
  }

  /** Adds a note to the timeline; returns the new entry. */
  async addNote(
    id: string,
    text: string,
    ctx: ActionContext,
  ): Promise<IncidentTimelineEntry> {
    await this.act(id, ctx, 'incident-note', (_incident, now) => ({
      patch: {},
      timeline: [{ at: now, type: 'note', actor: ctx.actor, message: text }],
      event: { type: 'incident.note_added', details: { text } },
    }));
    const timeline = await this.store.timeline(id);
    return timeline
      .filter(entry => entry.type === 'note' && entry.actor === ctx.actor)
      .pop()!;
  }

  private acknowledgeMutation(
    incident: StoredIncident,
    now: Date,
    actor: string,
  ): Mutation {
    const escalation = unwrap(acknowledge(incident.escalation, now));
    const first = incident.acknowledgedAt === null;
    return {
      patch: {
        escalation,
        ...(first && {
          acknowledgedAt: now,
          timeToAcknowledgeSeconds: secondsBetween(incident.createdAt, now),
        }),
      },
      timeline: [
        {
          at: now,
          type: 'acknowledged',
          actor,
          message: `Acknowledged by ${actor}${
            escalation.ackTimeoutAt
              ? `; escalation resumes at ${escalation.ackTimeoutAt} unless resolved`
              : ''
          }`,
        },
      ],
      event: { type: 'incident.acknowledged' },
    };
  }

  private resolveMutation(
    incident: StoredIncident,
    now: Date,
    actor: string,
    message: string,
  ): Mutation {
    const escalation = unwrap(resolve(incident.escalation));
    return {
      patch: {
        escalation,
        resolvedAt: now,
        timeToResolveSeconds: secondsBetween(incident.createdAt, now),
      },
      timeline: [{ at: now, type: 'resolved', actor, message }],
      event: { type: 'incident.resolved' },
    };
  }

  /** Runs a user action in a transaction with an audit record; retries on a concurrent change. */
  private async act(
    id: string,
    ctx: ActionContext,
    eventId: string,
    mutate: (incident: StoredIncident, now: Date) => Mutation,
  ): Promise<Incident> {
    const audit = await this.options.auditor?.createEvent({
      eventId,
      severityLevel: 'medium',
      request: ctx.request,
      meta: { incidentId: id, actor: ctx.actor },
    });
    try {
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          const incident = await this.store.transaction(async tx => {
            const now = this.now();
            const current = await this.store.get(id, { tx, forUpdate: true });
            if (!current) {
              throw new NotFoundError(`No incident with id '${id}'`);
            }
            const mutation = mutate(current, now);
            if (
              !(await this.applyMutation(tx, current, mutation, now, ctx.actor))
            ) {
              throw new RetryableConflict();
            }
            return (await this.store.get(id, { tx }))!;
          });
          const [api] = await this.toApi([incident]);
          await audit?.success({ meta: { status: api.status } });
          return api;
        } catch (error) {
          if (!(error instanceof RetryableConflict)) {
            throw error;
          }
        }
      }
      throw new ConflictError(`Incident ${id} kept changing; try again`);
    } catch (error) {
      await audit?.fail({ error: error as Error });
      throw error;
    }
  }

  private async applyMutation(
    tx: Knex.Transaction,
    incident: StoredIncident,
    mutation: Mutation,
    now: Date,
    actor: string | null,
  ): Promise<boolean> {
    if (!(await this.store.update(tx, incident, mutation.patch, now))) {
      return false;
    }
    if (mutation.assignees) {
      await this.store.setAssignees(tx, incident.id, mutation.assignees);
    }
    await this.store.appendTimeline(tx, incident.id, mutation.timeline);
    if (mutation.event) {
      const updated = (await this.store.get(incident.id, { tx }))!;
      await this.publish(
        tx,
        updated,
        mutation.event.type,
        actor,
        mutation.event.details,
      );
    }
    return true;
  }

  private async publish(
    tx: Knex.Transaction,
    incident: StoredIncident,
    type: OncallEventType,
    actor: string | null,
    details?: Record<string, unknown>,
  ) {
    await this.publishAll(tx, [{ incident, type, details }], actor);
  }

  /** Publishes one event per change, in order, with one read of assignees and one insert. */
  private async publishAll(
    tx: Knex.Transaction,
    changes: Array<{
      incident: StoredIncident;
      type: OncallEventType;
      details?: Record<string, unknown>;
    }>,
    actor: string | null,
  ) {
    if (changes.length === 0) {
      return;
    }
    const apis = await this.toApi(
      changes.map(change => change.incident),
      tx,
    );
    const occurredAt = this.now();
    const events: NewPulseDomainEvent<OncallEventType, IncidentEventPayload>[] =
      changes.map(({ incident, type, details }, index) => ({
        entityRef: incident.entityRef,
        type,
        payload: { incident: apis[index], actor, ...(details && { details }) },
        occurredAt,
      }));
    await this.options.publisher.publish(events, tx);
  }

  // ------------------------------------------------------- escalation engine

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
      if (pendingPageKey(incident.escalation) === page.idempotencyKey) {
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
      const mutation: Mutation = {
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
        !(await this.applyMutation(
          tx,
          incident,
          mutation,
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
      const now = this.now();
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
      return this.applyMutation(
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
      const now = this.now();
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
      return this.applyMutation(
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
      const now = this.now();
      await this.applyMutation(
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

/** The incident service, which also implements the alert intake contract. */
export function createIncidentService(
  options: IncidentServiceOptions,
): IncidentService {
  return new IncidentService(options);
}
