import { AuditorService } from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  Incident,
  IncidentDetail,
  IncidentList,
  IncidentSeverity,
  IncidentStatus,
  IncidentTimelineEntry,
} from '@pulse-oss/plugin-pulse-common';
import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { Clock } from '../../service/clock';
import { decodeCursor, encodeCursor } from '../../service/cursor';
import { normalizeEntityRef } from '../../service/entityRefs';
import { Assignee, escalateNow, reassign, unacknowledge } from '../escalation';
import { timelineEntryToApi } from './incidentApi';
import { EscalationPolicySource, noEscalationPolicies } from '../policies';
import {
  acknowledgeChange,
  IncidentChange,
  IncidentChanges,
  resolveChange,
  RetryableConflict,
  unwrapEscalation,
} from './IncidentChanges';
import { IncidentIntakeService } from './IncidentIntakeService';
import { IncidentStore, StoredIncident } from './IncidentStore';

/** Who does something, and the HTTP request it came with (for the audit log). */
export interface ActionContext {
  /** A user or service entity ref, or a service subject. */
  actor: string;
  request?: Request;
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

export interface IncidentActionsOptions {
  store: IncidentStore;
  changes: IncidentChanges;
  /** Where a page by hand opens its incident, as an alert would. */
  intake: IncidentIntakeService;
  /** The policies a reassignment may name. */
  policies?: EscalationPolicySource;
  auditor?: AuditorService;
  clock: Clock;
  /** Called after a change leaves escalation work due now, to run the engine early. */
  onEscalationDue?: () => void;
}

/**
 * The people's room, behind the on-call REST API: reading incidents, paging the on-call by hand,
 * and acknowledging, resolving, reassigning, escalating and annotating incidents. Each action
 * commits with its timeline entry and domain event in one transaction and is written to the
 * audit log with its actor; a concurrent change is retried, then answered with a 409.
 */
export class IncidentActions {
  private readonly store: IncidentStore;
  private readonly changes: IncidentChanges;
  private readonly policies: EscalationPolicySource;
  private readonly clock: Clock;

  constructor(private readonly options: IncidentActionsOptions) {
    this.store = options.store;
    this.changes = options.changes;
    this.policies = options.policies ?? noEscalationPolicies;
    this.clock = options.clock;
  }

  // ------------------------------------------------------------------ reading

  /** The stored incident, for deciding who may see it; undefined when there is none. */
  find(id: string): Promise<StoredIncident | undefined> {
    return this.store.get(id);
  }

  /** The distinct entities of the incidents a list filter matches (to check visibility first). */
  entityRefsOf(
    filter: Omit<ListIncidentsQuery, 'limit' | 'cursor'>,
  ): Promise<string[]> {
    return this.store.entityRefsOf(filter);
  }

  async get(id: string): Promise<Omit<IncidentDetail, 'version'>> {
    const incident = await this.store.get(id);
    if (!incident) {
      throw new NotFoundError(`No incident with id '${id}'`);
    }
    const [api] = await this.changes.describe([incident]);
    return {
      ...api,
      timeline: (await this.store.timeline(id)).map(timelineEntryToApi),
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
      items: await this.changes.describe(page),
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
    return this.changes.describe(await this.store.openForEntity(entityRef));
  }

  // ------------------------------------------------------------------ actions

  /** Opens an incident by hand ("page the on-call"); always a new incident. */
  async create(input: NewIncident, ctx: ActionContext): Promise<Incident> {
    const audit = await this.options.auditor?.createEvent({
      eventId: 'incident-create',
      severityLevel: 'medium',
      request: ctx.request,
      meta: { entityRef: input.entityRef, actor: ctx.actor },
    });
    try {
      const result = await this.options.intake.trigger(
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
      const [incident] = await this.changes.describe([
        (await this.store.get(result.incidentId!))!,
      ]);
      await audit?.success({ meta: { incidentId: incident.id } });
      return incident;
    } catch (error) {
      await audit?.fail({ error: error as Error });
      throw error;
    }
  }

  async acknowledge(id: string, ctx: ActionContext): Promise<Incident> {
    return this.act(id, ctx, 'incident-acknowledge', (incident, now) =>
      acknowledgeChange(incident, now, ctx.actor),
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
        patch: {
          escalation: unwrapEscalation(unacknowledge(current.escalation, now)),
        },
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
      resolveChange(
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
        const escalation = unwrapEscalation(
          reassign(current.escalation, now, assignee),
        );
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
        const escalation = unwrapEscalation(
          escalateNow(current.escalation, now),
        );
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
    return timelineEntryToApi(
      timeline
        .filter(entry => entry.type === 'note' && entry.actor === ctx.actor)
        .pop()!,
    );
  }

  /** Runs a user action in a transaction with an audit record; retries on a concurrent change. */
  private async act(
    id: string,
    ctx: ActionContext,
    eventId: string,
    mutate: (incident: StoredIncident, now: Date) => IncidentChange,
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
            const now = this.clock.now();
            const current = await this.store.get(id, { tx, forUpdate: true });
            if (!current) {
              throw new NotFoundError(`No incident with id '${id}'`);
            }
            const change = mutate(current, now);
            if (
              !(await this.changes.apply(tx, current, change, now, ctx.actor))
            ) {
              throw new RetryableConflict();
            }
            return (await this.store.get(id, { tx }))!;
          });
          const [api] = await this.changes.describe([incident]);
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
}
