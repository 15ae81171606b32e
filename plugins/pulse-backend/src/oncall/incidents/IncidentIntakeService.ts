import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import { createHash, randomUUID } from 'node:crypto';
import { Knex } from 'knex';
import { Clock } from '../../service/clock';
import { normalizeEntityRef } from '../../service/entityRefs';
import {
  EscalationPolicy,
  startEscalation,
  usesRoundRobin,
} from '../escalation';
import { OncallEventType } from '../events';
import {
  EscalationPolicySource,
  noEscalationPolicies,
  PolicyChoice,
} from '../policies';
import {
  acknowledgeChange,
  ENGINE_ACTOR,
  IncidentChanges,
  isDeadlock,
  resolveChange,
  RetryableConflict,
} from './IncidentChanges';
import { AlertSignal, IncidentIntake, IntakeResult } from './IncidentIntake';
import {
  IncidentScope,
  IncidentStore,
  NewStoredIncident,
  NewTimelineEntry,
  scopeKey,
  StoredIncident,
} from './IncidentStore';

const MAX_DEDUP_KEY_LENGTH = 255;
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

export interface IncidentIntakeServiceOptions {
  store: IncidentStore;
  changes: IncidentChanges;
  /** Which policy a new incident follows; defaults to none (incidents open, nobody is paged). */
  policies?: EscalationPolicySource;
  auditor?: AuditorService;
  logger?: LoggerService;
  clock: Clock;
  /** Called after a change leaves escalation work due now, to run the engine early. */
  onEscalationDue?: () => void;
}

/**
 * Alert intake's room: signals from monitoring (Alertmanager, Grafana, PagerDuty, JSON,
 * heartbeats) become incidents, deduplicated by the database per service and integration, and
 * acknowledge and resolve signals move them on. The people's "page the on-call" opens its
 * incident through {@link IncidentIntakeService.trigger} as well. Every change commits with its
 * timeline entries and domain events in one transaction.
 */
export class IncidentIntakeService implements IncidentIntake {
  private readonly store: IncidentStore;
  private readonly changes: IncidentChanges;
  private readonly policies: EscalationPolicySource;
  private readonly clock: Clock;

  constructor(private readonly options: IncidentIntakeServiceOptions) {
    this.store = options.store;
    this.changes = options.changes;
    this.policies = options.policies ?? noEscalationPolicies;
    this.clock = options.clock;
  }

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

  /**
   * Applies one trigger signal without the delivery's audit record: the people's "page the
   * on-call" opens its incident here, with a fresh `manual:` key and its own audit record.
   */
  async trigger(signal: AlertSignal, actor: string): Promise<IntakeResult> {
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
    const now = this.clock.now();
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
    await this.changes.publish(tx, events, actor);
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
      const now = this.clock.now();
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
      const change =
        signal.action === 'acknowledge'
          ? acknowledgeChange(open, now, actor)
          : resolveChange(
              open,
              now,
              actor,
              `Resolved by a ${signal.source} alert`,
            );
      if (!(await this.changes.apply(tx, open, change, now, actor))) {
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
}
