import {
  IncidentSeverity,
  IncidentStatus,
  IncidentTimelineEntry,
} from '@pulse-oss/plugin-pulse-common';
import { Knex } from 'knex';
import { chunks, Db, DbDate, toDate } from '../../database/rows';
import { EscalationState, nextDueAt } from '../escalation';

const INCIDENTS = 'pulse_incidents';
const ASSIGNEES = 'pulse_incident_assignees';
const TIMELINE = 'pulse_incident_timeline';
const PAGES = 'pulse_incident_pages';
const TURNS = 'pulse_escalation_turns';

/**
 * Rows per multi-row INSERT: under SQLite's 500 terms of a compound SELECT (knex writes SQLite's
 * multi-row inserts as `SELECT ... UNION ALL ...`), and at 22 columns far under PostgreSQL's
 * 65,535 bind parameters.
 */
const INSERT_CHUNK = 200;
/** Keys per `IN (...)` list when reading by key. */
const READ_CHUNK = 500;

/**
 * Where a dedup key holds: the service (the incident's entity ref) and the integration the alert
 * came through (the format, or for PagerDuty the routing key's digest). At most one open incident
 * per scope; a signal only ever meets incidents of its own scope.
 */
export interface IncidentScope {
  entityRef: string;
  integrationKey: string;
  dedupKey: string;
}

/** A map key for a scope. */
export function scopeKey(scope: IncidentScope): string {
  return JSON.stringify([
    scope.entityRef,
    scope.integrationKey,
    scope.dedupKey,
  ]);
}

export interface IncidentRow {
  id: string;
  title: string;
  entity_ref: string;
  severity: IncidentSeverity;
  status: IncidentStatus;
  dedup_key: string;
  open_dedup_key: string | null;
  integration_key: string | null;
  source: string;
  raw_payload: string | null;
  alert_count: number;
  created_at: DbDate;
  updated_at: DbDate;
  acknowledged_at: DbDate | null;
  resolved_at: DbDate | null;
  time_to_acknowledge_seconds: number | null;
  time_to_resolve_seconds: number | null;
  escalation_policy_id: string;
  escalation_state: string;
  next_due_at: DbDate | null;
  flagged: boolean | number;
  version: number;
}

/** A stored incident, with dates as Dates and the escalation state parsed. */
export interface StoredIncident {
  id: string;
  title: string;
  entityRef: string;
  severity: IncidentSeverity;
  status: IncidentStatus;
  dedupKey: string;
  integrationKey: string | null;
  source: string;
  rawPayload: unknown;
  alertCount: number;
  createdAt: Date;
  updatedAt: Date;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
  timeToAcknowledgeSeconds: number | null;
  timeToResolveSeconds: number | null;
  escalationPolicyId: string;
  escalation: EscalationState;
  nextDueAt: Date | null;
  flagged: boolean;
  version: number;
}

/** An incident as inserted: the store sets its version, update time and next due time. */
export type NewStoredIncident = Omit<
  StoredIncident,
  'version' | 'updatedAt' | 'nextDueAt'
>;

export interface NewTimelineEntry {
  at: Date;
  type: IncidentTimelineEntry['type'];
  actor: string | null;
  message: string;
  details?: Record<string, unknown>;
}

/** What may change on an incident; the escalation state also sets status and next due time. */
export interface IncidentPatch {
  title?: string;
  severity?: IncidentSeverity;
  alertCount?: number;
  escalation?: EscalationState;
  escalationPolicyId?: string;
  acknowledgedAt?: Date | null;
  resolvedAt?: Date | null;
  timeToAcknowledgeSeconds?: number | null;
  timeToResolveSeconds?: number | null;
  flagged?: boolean;
}

export interface IncidentQuery {
  statuses?: IncidentStatus[];
  severities?: IncidentSeverity[];
  entityRefs?: string[];
  assignee?: string;
  limit: number;
  /** Incidents strictly older than this position (newest first). */
  before?: { createdAt: Date; id: string };
}

export interface PageRow {
  idempotency_key: string;
  incident_id: string;
  step_index: number;
  round: number;
  due_at: DbDate;
  claimed_by: string | null;
  claimed_at: DbDate | null;
  lease_expires_at: DbDate | null;
  attempts: number;
  sent_at: DbDate | null;
  skipped_at: DbDate | null;
  recipients: string | null;
  last_error: string | null;
  recovered: boolean | number;
  created_at: DbDate;
}

export type ClaimOutcome = 'claimed' | 'held' | 'sent';

/** One entry of an incident's timeline, as stored. */
export interface StoredTimelineEntry {
  /** Its position in the timeline (increasing across all incidents). */
  seq: number;
  incidentId: string;
  at: Date;
  type: IncidentTimelineEntry['type'];
  actor: string | null;
  message: string;
  details?: Record<string, unknown>;
}

function fromRow(row: IncidentRow): StoredIncident {
  return {
    id: row.id,
    title: row.title,
    entityRef: row.entity_ref,
    severity: row.severity,
    status: row.status,
    dedupKey: row.dedup_key,
    integrationKey: row.integration_key,
    source: row.source,
    rawPayload: row.raw_payload === null ? null : JSON.parse(row.raw_payload),
    alertCount: Number(row.alert_count),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    acknowledgedAt: toDate(row.acknowledged_at),
    resolvedAt: toDate(row.resolved_at),
    timeToAcknowledgeSeconds: row.time_to_acknowledge_seconds,
    timeToResolveSeconds: row.time_to_resolve_seconds,
    escalationPolicyId: row.escalation_policy_id,
    escalation: JSON.parse(row.escalation_state),
    nextDueAt: toDate(row.next_due_at),
    flagged: Boolean(row.flagged),
    version: Number(row.version),
  };
}

/** When the engine next has work on an escalation: a page, or an acknowledgement that lapses. */
export function nextDueDate(state: EscalationState): Date | null {
  const due = nextDueAt(state);
  return due === null ? null : new Date(due);
}

/** All SQL for incidents, their timelines and assignees, and their escalation pages. */
export class IncidentStore {
  constructor(private readonly db: Knex) {}

  transaction<T>(fn: (tx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  private isPostgres(): boolean {
    return this.db.client.config.client === 'pg';
  }

  /**
   * Inserts the incidents, in statements of {@link INSERT_CHUNK} rows, each unless one of its
   * scope (service, integration, dedup key) is open: the unique index on
   * `(entity_ref, integration_key, open_dedup_key)` decides, also between racing transactions.
   * Returns those inserted, as stored. Run it in a transaction: the chunks commit together.
   */
  async insertManyIfNoneOpen(
    tx: Db,
    incidents: NewStoredIncident[],
  ): Promise<StoredIncident[]> {
    const inserted: StoredIncident[] = [];
    for (const chunk of chunks(incidents, INSERT_CHUNK)) {
      inserted.push(...(await this.insertChunkIfNoneOpen(tx, chunk)));
    }
    return inserted;
  }

  private async insertChunkIfNoneOpen(
    tx: Db,
    incidents: NewStoredIncident[],
  ): Promise<StoredIncident[]> {
    const rows = await tx<IncidentRow>(INCIDENTS)
      .insert(
        incidents.map(incident => ({
          id: incident.id,
          title: incident.title,
          entity_ref: incident.entityRef,
          severity: incident.severity,
          status: incident.status,
          dedup_key: incident.dedupKey,
          open_dedup_key: incident.dedupKey,
          integration_key: incident.integrationKey,
          source: incident.source,
          raw_payload:
            incident.rawPayload === undefined
              ? null
              : JSON.stringify(incident.rawPayload),
          alert_count: incident.alertCount,
          created_at: incident.createdAt,
          updated_at: incident.createdAt,
          acknowledged_at: incident.acknowledgedAt,
          resolved_at: incident.resolvedAt,
          time_to_acknowledge_seconds: incident.timeToAcknowledgeSeconds,
          time_to_resolve_seconds: incident.timeToResolveSeconds,
          escalation_policy_id: incident.escalationPolicyId,
          escalation_state: JSON.stringify(incident.escalation),
          next_due_at: nextDueDate(incident.escalation),
          flagged: incident.flagged,
          version: 0,
        })),
      )
      .onConflict(['entity_ref', 'integration_key', 'open_dedup_key'])
      .ignore()
      .returning('*');
    return (rows as IncidentRow[]).map(fromRow);
  }

  async get(
    id: string,
    options: { tx?: Db; forUpdate?: boolean } = {},
  ): Promise<StoredIncident | undefined> {
    const query = (options.tx ?? this.db)<IncidentRow>(INCIDENTS)
      .where({ id })
      .first();
    if (options.forUpdate && this.isPostgres()) {
      query.forUpdate();
    }
    const row = await query;
    return row ? fromRow(row) : undefined;
  }

  /**
   * Takes `count` consecutive round-robin turns of a policy; returns the first. Concurrent
   * callers get disjoint turns (the row is updated in place, or inserted once).
   */
  async takeTurns(tx: Db, policyId: string, count: number): Promise<number> {
    const [row] = await tx(TURNS)
      .insert({ policy_id: policyId, next_turn: count })
      .onConflict('policy_id')
      .merge({ next_turn: tx.raw('?? + ?', [`${TURNS}.next_turn`, count]) })
      .returning('next_turn');
    return Number(row.next_turn) - count;
  }

  /** The open incident of a scope, if any. */
  async getOpen(
    tx: Db,
    scope: IncidentScope,
    options: { forUpdate?: boolean } = {},
  ): Promise<StoredIncident | undefined> {
    return (await this.getOpenByScopes(tx, [scope], options)).get(
      scopeKey(scope),
    );
  }

  /**
   * The open incidents of the given scopes, by {@link scopeKey}: one query per service and
   * integration, and per {@link READ_CHUNK} keys. With `forUpdate` (PostgreSQL), their rows are
   * locked in the order given (pass scopes sorted by {@link scopeKey}), so transactions locking
   * overlapping sets mostly queue rather than deadlock (a deadlock is retried by the caller).
   */
  async getOpenByScopes(
    tx: Db,
    scopes: IncidentScope[],
    options: { forUpdate?: boolean } = {},
  ): Promise<Map<string, StoredIncident>> {
    const found = new Map<string, StoredIncident>();
    const groups = new Map<string, IncidentScope[]>();
    for (const scope of scopes) {
      const group = JSON.stringify([scope.entityRef, scope.integrationKey]);
      const members = groups.get(group);
      if (members) {
        members.push(scope);
      } else {
        groups.set(group, [scope]);
      }
    }
    for (const group of groups.values()) {
      const { entityRef, integrationKey } = group[0];
      for (const chunk of chunks(group, READ_CHUNK)) {
        const query = tx<IncidentRow>(INCIDENTS)
          .where({ entity_ref: entityRef, integration_key: integrationKey })
          .whereIn(
            'open_dedup_key',
            chunk.map(scope => scope.dedupKey),
          )
          .orderBy('open_dedup_key');
        if (options.forUpdate && this.isPostgres()) {
          query.forUpdate();
        }
        for (const row of await query) {
          const incident = fromRow(row);
          found.set(
            scopeKey({
              entityRef,
              integrationKey,
              dedupKey: incident.dedupKey,
            }),
            incident,
          );
        }
      }
    }
    return found;
  }

  /** The newest incident of a scope, open or resolved. */
  async getLatest(
    tx: Db,
    scope: IncidentScope,
  ): Promise<StoredIncident | undefined> {
    const row = await tx<IncidentRow>(INCIDENTS)
      .where({
        entity_ref: scope.entityRef,
        integration_key: scope.integrationKey,
        dedup_key: scope.dedupKey,
      })
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .first();
    return row ? fromRow(row) : undefined;
  }

  /**
   * Applies a patch if the incident is still at `version`; returns false when someone changed it
   * in between (the caller re-reads and decides again).
   */
  async update(
    tx: Db,
    incident: StoredIncident,
    patch: IncidentPatch,
    now: Date,
  ): Promise<boolean> {
    const row: Record<string, unknown> = {
      updated_at: now,
      version: incident.version + 1,
    };
    if (patch.title !== undefined) row.title = patch.title;
    if (patch.severity !== undefined) row.severity = patch.severity;
    if (patch.alertCount !== undefined) row.alert_count = patch.alertCount;
    if (patch.escalationPolicyId !== undefined) {
      row.escalation_policy_id = patch.escalationPolicyId;
    }
    if (patch.acknowledgedAt !== undefined) {
      row.acknowledged_at = patch.acknowledgedAt;
    }
    if (patch.resolvedAt !== undefined) row.resolved_at = patch.resolvedAt;
    if (patch.timeToAcknowledgeSeconds !== undefined) {
      row.time_to_acknowledge_seconds = patch.timeToAcknowledgeSeconds;
    }
    if (patch.timeToResolveSeconds !== undefined) {
      row.time_to_resolve_seconds = patch.timeToResolveSeconds;
    }
    if (patch.flagged !== undefined) row.flagged = patch.flagged;
    if (patch.escalation) {
      row.escalation_state = JSON.stringify(patch.escalation);
      row.status = patch.escalation.status;
      row.next_due_at = nextDueDate(patch.escalation);
      if (patch.escalation.status === 'resolved') {
        row.open_dedup_key = null;
      }
    }
    const count = await tx(INCIDENTS)
      .where({ id: incident.id, version: incident.version })
      .update(row);
    return count === 1;
  }

  async setAssignees(tx: Db, incidentId: string, userRefs: string[]) {
    await tx(ASSIGNEES).where({ incident_id: incidentId }).delete();
    const unique = [...new Set(userRefs)];
    if (unique.length > 0) {
      await tx(ASSIGNEES).insert(
        unique.map(user_ref => ({ incident_id: incidentId, user_ref })),
      );
    }
  }

  async assignees(
    ids: string[],
    tx: Db = this.db,
  ): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>(ids.map(id => [id, []]));
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await tx(ASSIGNEES)
        .whereIn('incident_id', ids.slice(i, i + 500))
        .orderBy(['incident_id', 'user_ref'])
        .select<{ incident_id: string; user_ref: string }[]>(
          'incident_id',
          'user_ref',
        );
      for (const row of rows) {
        result.get(row.incident_id)!.push(row.user_ref);
      }
    }
    return result;
  }

  async appendTimeline(
    tx: Db,
    incidentId: string,
    entries: NewTimelineEntry[],
  ): Promise<void> {
    await this.appendTimelines(
      tx,
      entries.map(entry => ({ ...entry, incidentId })),
    );
  }

  /** Appends timeline entries of several incidents, {@link INSERT_CHUNK} rows a statement. */
  async appendTimelines(
    tx: Db,
    entries: Array<NewTimelineEntry & { incidentId: string }>,
  ): Promise<void> {
    for (const chunk of chunks(entries, INSERT_CHUNK)) {
      await tx(TIMELINE).insert(
        chunk.map(entry => ({
          incident_id: entry.incidentId,
          at: entry.at,
          type: entry.type,
          actor: entry.actor,
          message: entry.message,
          details: entry.details ? JSON.stringify(entry.details) : null,
        })),
      );
    }
  }

  async timeline(incidentId: string): Promise<StoredTimelineEntry[]> {
    const rows = await this.db(TIMELINE)
      .where({ incident_id: incidentId })
      .orderBy('seq');
    return rows.map(row => ({
      seq: Number(row.seq),
      incidentId: row.incident_id,
      at: toDate(row.at),
      type: row.type,
      actor: row.actor,
      message: row.message,
      ...(row.details ? { details: JSON.parse(row.details) } : {}),
    }));
  }

  async list(query: IncidentQuery): Promise<StoredIncident[]> {
    const q = this.db<IncidentRow>(INCIDENTS)
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(query.limit);
    if (query.statuses?.length) {
      q.whereIn('status', query.statuses);
    }
    if (query.severities?.length) {
      q.whereIn('severity', query.severities);
    }
    if (query.entityRefs) {
      q.whereIn('entity_ref', query.entityRefs);
    }
    if (query.assignee) {
      q.whereIn(
        'id',
        this.db(ASSIGNEES)
          .where({ user_ref: query.assignee })
          .select('incident_id'),
      );
    }
    if (query.before) {
      const { createdAt, id } = query.before;
      q.where(inner =>
        inner
          .where('created_at', '<', createdAt)
          .orWhere(same =>
            same.where('created_at', '=', createdAt).andWhere('id', '<', id),
          ),
      );
    }
    return (await q).map(fromRow);
  }

  /** The distinct entities of the incidents a query matches (limit and position aside). */
  async entityRefsOf(
    query: Omit<IncidentQuery, 'limit' | 'before'>,
  ): Promise<string[]> {
    const q = this.db<IncidentRow>(INCIDENTS).distinct('entity_ref');
    if (query.statuses?.length) {
      q.whereIn('status', query.statuses);
    }
    if (query.severities?.length) {
      q.whereIn('severity', query.severities);
    }
    if (query.entityRefs) {
      q.whereIn('entity_ref', query.entityRefs);
    }
    if (query.assignee) {
      q.whereIn(
        'id',
        this.db(ASSIGNEES)
          .where({ user_ref: query.assignee })
          .select('incident_id'),
      );
    }
    return (await q).map(row => row.entity_ref);
  }

  async openForEntity(entityRef: string): Promise<StoredIncident[]> {
    const rows = await this.db<IncidentRow>(INCIDENTS)
      .where({ entity_ref: entityRef })
      .whereIn('status', ['triggered', 'acknowledged'])
      .orderBy('created_at', 'desc');
    return rows.map(fromRow);
  }

  // ------------------------------------------------------------ escalation engine

  /** Open incidents whose escalation has work due at `now`, the most overdue first. */
  async due(now: Date, limit: number): Promise<StoredIncident[]> {
    const rows = await this.db<IncidentRow>(INCIDENTS)
      .whereNotNull('next_due_at')
      .where('next_due_at', '<=', now)
      .orderBy('next_due_at')
      .limit(limit);
    return rows.map(fromRow);
  }

  /** The oldest due time among incidents overdue by more than `graceMs`, and how many there are. */
  async lag(
    now: Date,
    graceMs: number,
  ): Promise<{ overdue: number; oldestDueAt: Date | null }> {
    const row = await this.db(INCIDENTS)
      .whereNotNull('next_due_at')
      .where('next_due_at', '<', new Date(now.getTime() - graceMs))
      .first(
        this.db.raw('count(*) as overdue'),
        this.db.raw('min(next_due_at) as oldest'),
      );
    const overdue = Number(row?.overdue ?? 0);
    return {
      overdue,
      oldestDueAt: overdue > 0 && row?.oldest ? toDate(row.oldest) : null,
    };
  }

  async ensurePage(page: {
    idempotencyKey: string;
    incidentId: string;
    stepIndex: number;
    round: number;
    dueAt: Date;
    now: Date;
  }): Promise<void> {
    await this.db(PAGES)
      .insert({
        idempotency_key: page.idempotencyKey,
        incident_id: page.incidentId,
        step_index: page.stepIndex,
        round: page.round,
        due_at: page.dueAt,
        attempts: 0,
        recovered: false,
        created_at: page.now,
      })
      .onConflict('idempotency_key')
      .ignore();
  }

  /**
   * Takes the page for `holder` until `leaseExpiresAt`, if it is unsent and nobody holds a live
   * lease on it. The conditional UPDATE's row count decides between racing replicas.
   */
  async claimPage(
    key: string,
    holder: string,
    now: Date,
    leaseExpiresAt: Date,
  ): Promise<ClaimOutcome> {
    const count = await this.db(PAGES)
      .where({ idempotency_key: key })
      .whereNull('sent_at')
      .andWhere(q =>
        q.whereNull('claimed_by').orWhere('lease_expires_at', '<=', now),
      )
      .update({
        claimed_by: holder,
        claimed_at: now,
        lease_expires_at: leaseExpiresAt,
        skipped_at: null,
        attempts: this.db.raw('attempts + 1'),
      });
    if (count === 1) {
      return 'claimed';
    }
    const row = await this.page(key);
    return row?.sent_at ? 'sent' : 'held';
  }

  async page(key: string, tx: Db = this.db): Promise<PageRow | undefined> {
    return tx<PageRow>(PAGES).where({ idempotency_key: key }).first();
  }

  async pagesFor(incidentId: string): Promise<PageRow[]> {
    return this.db<PageRow>(PAGES)
      .where({ incident_id: incidentId })
      .orderBy('created_at');
  }

  /** Gives up a claim without sending (failure or nothing left to send). */
  async releasePage(
    key: string,
    holder: string,
    outcome: { skippedAt?: Date; error?: string },
  ): Promise<void> {
    await this.db(PAGES)
      .where({ idempotency_key: key, claimed_by: holder })
      .whereNull('sent_at')
      .update({
        claimed_by: null,
        lease_expires_at: null,
        skipped_at: outcome.skippedAt ?? null,
        ...(outcome.error !== undefined && { last_error: outcome.error }),
      });
  }

  /** Marks the page as recovered by the watchdog; true only the first time. */
  async markPageRecovered(key: string): Promise<boolean> {
    const count = await this.db(PAGES)
      .where({ idempotency_key: key })
      .where('recovered', false)
      .update({ recovered: true });
    return count === 1;
  }

  /** Marks the page sent; false when another holder already did (its lease had lapsed). */
  async markPageSent(
    tx: Db,
    key: string,
    sentAt: Date,
    recipients: unknown,
  ): Promise<boolean> {
    const count = await tx(PAGES)
      .where({ idempotency_key: key })
      .whereNull('sent_at')
      .update({
        sent_at: sentAt,
        claimed_by: null,
        lease_expires_at: null,
        recipients: JSON.stringify(recipients),
      });
    return count === 1;
  }

  // ------------------------------------------------------------------ retention

  /**
   * Deletes up to `limit` incidents resolved before `cutoff`, oldest first, with their timelines,
   * assignees and pages, in one transaction; returns how many incidents went. An open incident
   * (triggered or acknowledged) is never deleted, however old.
   */
  async deleteResolvedBefore(cutoff: Date, limit: number): Promise<number> {
    return this.transaction(async tx => {
      const ids: string[] = await tx(INCIDENTS)
        .where({ status: 'resolved' })
        .whereNotNull('resolved_at')
        .where('resolved_at', '<', cutoff)
        .orderBy('resolved_at')
        .limit(limit)
        .pluck('id');
      if (ids.length === 0) {
        return 0;
      }
      // Children first: SQLite does not enforce the foreign keys' ON DELETE CASCADE.
      for (const table of [TIMELINE, ASSIGNEES, PAGES]) {
        await tx(table).whereIn('incident_id', ids).delete();
      }
      return tx(INCIDENTS)
        .whereIn('id', ids)
        .where({ status: 'resolved' })
        .delete();
    });
  }
}
