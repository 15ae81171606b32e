import { SyncStatus } from '@pulse-oss/plugin-pulse-common';
import { Knex } from 'knex';
import {
  BATCH,
  DbDate,
  requireDate,
  TABLES,
  toBoolean,
  toDate,
  toNumberOrNull,
  upsertRows,
} from './rows';

/** The sync state of a repository. */
export type RepositorySyncState = Exclude<SyncStatus['state'], 'paused'>;

/** A repository Pulse syncs, with its sync state. */
export interface SyncedRepository {
  id: number;
  host: string;
  /** `owner/name`, lower case. */
  slug: string;
  githubId: number | null;
  defaultBranch: string | null;
  state: RepositorySyncState | 'paused';
  backfillComplete: boolean;
  progressPercent: number;
  itemsSynced: number;
  pullsCursor: Date | null;
  runsCursor: Date | null;
  deploymentsCursor: Date | null;
  lastSyncedAt: Date | null;
  lastAttemptAt: Date | null;
  lastError: { message: string; at: Date } | null;
  consecutiveFailures: number;
  nextAttemptAt: Date | null;
  syncRequestedAt: Date | null;
  leaseOwner: string | null;
  leaseUntil: Date | null;
  createdAt: Date;
}

interface RepositoryRow {
  id: number;
  host: string;
  slug: string;
  github_id: number | string | null;
  default_branch: string | null;
  state: string;
  backfill_complete: boolean | number;
  progress_percent: number;
  items_synced: number;
  pulls_cursor: DbDate | null;
  runs_cursor: DbDate | null;
  deployments_cursor: DbDate | null;
  last_synced_at: DbDate | null;
  last_attempt_at: DbDate | null;
  last_error_message: string | null;
  last_error_at: DbDate | null;
  consecutive_failures: number;
  next_attempt_at: DbDate | null;
  sync_requested_at: DbDate | null;
  lease_owner: string | null;
  lease_until: DbDate | null;
  created_at: DbDate;
}

function repositoryFromRow(row: RepositoryRow): SyncedRepository {
  const lastErrorAt = toDate(row.last_error_at);
  return {
    id: Number(row.id),
    host: row.host,
    slug: row.slug,
    githubId: toNumberOrNull(row.github_id),
    defaultBranch: row.default_branch,
    state: row.state as SyncedRepository['state'],
    backfillComplete: toBoolean(row.backfill_complete),
    progressPercent: Number(row.progress_percent),
    itemsSynced: Number(row.items_synced),
    pullsCursor: toDate(row.pulls_cursor),
    runsCursor: toDate(row.runs_cursor),
    deploymentsCursor: toDate(row.deployments_cursor),
    lastSyncedAt: toDate(row.last_synced_at),
    lastAttemptAt: toDate(row.last_attempt_at),
    lastError:
      row.last_error_message && lastErrorAt
        ? { message: row.last_error_message, at: lastErrorAt }
        : null,
    consecutiveFailures: Number(row.consecutive_failures),
    nextAttemptAt: toDate(row.next_attempt_at),
    syncRequestedAt: toDate(row.sync_requested_at),
    leaseOwner: row.lease_owner,
    leaseUntil: toDate(row.lease_until),
    createdAt: requireDate(row.created_at),
  };
}

/** Changes to a repository's sync state. */
export interface RepositoryPatch {
  githubId?: number | null;
  defaultBranch?: string | null;
  state?: SyncedRepository['state'];
  backfillComplete?: boolean;
  progressPercent?: number;
  itemsSynced?: number;
  pullsCursor?: Date | null;
  runsCursor?: Date | null;
  deploymentsCursor?: Date | null;
  lastSyncedAt?: Date | null;
  lastAttemptAt?: Date | null;
  lastError?: { message: string; at: Date } | null;
  consecutiveFailures?: number;
  nextAttemptAt?: Date | null;
  syncRequestedAt?: Date | null;
}

function patchToRow(patch: RepositoryPatch): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  const columns: Array<[keyof RepositoryPatch, string]> = [
    ['githubId', 'github_id'],
    ['defaultBranch', 'default_branch'],
    ['state', 'state'],
    ['backfillComplete', 'backfill_complete'],
    ['progressPercent', 'progress_percent'],
    ['itemsSynced', 'items_synced'],
    ['pullsCursor', 'pulls_cursor'],
    ['runsCursor', 'runs_cursor'],
    ['deploymentsCursor', 'deployments_cursor'],
    ['lastSyncedAt', 'last_synced_at'],
    ['lastAttemptAt', 'last_attempt_at'],
    ['consecutiveFailures', 'consecutive_failures'],
    ['nextAttemptAt', 'next_attempt_at'],
    ['syncRequestedAt', 'sync_requested_at'],
  ];
  for (const [key, column] of columns) {
    if (patch[key] !== undefined) {
      row[column] = patch[key];
    }
  }
  if (patch.lastError !== undefined) {
    row.last_error_message = patch.lastError?.message.slice(0, 2000) ?? null;
    row.last_error_at = patch.lastError?.at ?? null;
  }
  return row;
}

/** Rate-limit bookkeeping of a GitHub host. */
export interface HostRateState {
  host: string;
  limit: number | null;
  remaining: number | null;
  resetAt: Date | null;
  pausedUntil: Date | null;
}

/** A stored ETag and the request it belongs to. */
export interface StoredEtag {
  requestKey: string;
  etag: string;
}

/**
 * The repositories Pulse syncs and what their sync keeps between runs: sync state and leases,
 * manual sync requests, the hosts' rate limits and the ETags of conditional requests.
 */
export class RepositoryStore {
  constructor(private readonly db: Knex) {}

  /** Makes sure every repository has a row; returns all of them. */
  async ensureRepositories(
    repositories: Array<{ host: string; slug: string }>,
    now: Date,
  ): Promise<SyncedRepository[]> {
    const unique = new Map<string, { host: string; slug: string }>();
    for (const repo of repositories) {
      const slug = repo.slug.toLowerCase();
      unique.set(`${repo.host} ${slug}`, { host: repo.host, slug });
    }
    const existing = await this.listRepositories();
    for (const row of existing) {
      unique.delete(`${row.host} ${row.slug}`);
    }
    if (unique.size === 0) {
      return existing;
    }
    // Only rows that are missing are written: a reload of an unchanged tracked set is one read.
    const rows = [...unique.values()].map(repo => ({
      ...repo,
      created_at: now,
    }));
    for (let i = 0; i < rows.length; i += BATCH) {
      await this.db(TABLES.repositories)
        .insert(rows.slice(i, i + BATCH))
        .onConflict(['host', 'slug'])
        .ignore();
    }
    return this.listRepositories();
  }

  async listRepositories(): Promise<SyncedRepository[]> {
    const rows = await this.db<RepositoryRow>(TABLES.repositories).orderBy(
      'id',
    );
    return rows.map(repositoryFromRow);
  }

  async getRepository(
    host: string,
    slug: string,
  ): Promise<SyncedRepository | undefined> {
    const row = await this.db<RepositoryRow>(TABLES.repositories)
      .where({ host, slug: slug.toLowerCase() })
      .first();
    return row ? repositoryFromRow(row) : undefined;
  }

  async getRepositoryById(id: number): Promise<SyncedRepository | undefined> {
    const row = await this.db<RepositoryRow>(TABLES.repositories)
      .where({ id })
      .first();
    return row ? repositoryFromRow(row) : undefined;
  }

  async updateRepository(id: number, patch: RepositoryPatch): Promise<void> {
    const row = patchToRow(patch);
    if (Object.keys(row).length > 0) {
      await this.db(TABLES.repositories).where({ id }).update(row);
    }
  }

  /**
   * Takes the sync lease of a repository unless another holder's lease is still running, so that
   * one repository is never synced twice at once, across replicas too.
   */
  async claimRepository(
    id: number,
    owner: string,
    now: Date,
    leaseMs: number,
  ): Promise<boolean> {
    const updated = await this.db(TABLES.repositories)
      .where({ id })
      .andWhere(q =>
        q
          .whereNull('lease_until')
          .orWhere('lease_until', '<', now)
          .orWhere('lease_owner', owner),
      )
      .update({
        lease_owner: owner,
        lease_until: new Date(now.getTime() + leaseMs),
      });
    return updated === 1;
  }

  /** Extends a lease its owner still holds; false when another holder has taken it over. */
  async renewLease(
    id: number,
    owner: string,
    now: Date,
    leaseMs: number,
  ): Promise<boolean> {
    const updated = await this.db(TABLES.repositories)
      .where({ id, lease_owner: owner })
      .update({ lease_until: new Date(now.getTime() + leaseMs) });
    return updated === 1;
  }

  /**
   * Whether `owner` still holds the repository's lease. Called first in a sync's transactions:
   * on PostgreSQL the row stays locked until the transaction ends, so a takeover waits for it,
   * and a transaction that begins after a takeover writes nothing.
   */
  async holdsLease(id: number, owner: string): Promise<boolean> {
    const query = this.db(TABLES.repositories)
      .where({ id })
      .first('lease_owner');
    if (this.db.client.config.client === 'pg') {
      query.forUpdate();
    }
    const row = await query;
    return row?.lease_owner === owner;
  }

  async releaseRepository(id: number, owner: string): Promise<void> {
    await this.db(TABLES.repositories)
      .where({ id, lease_owner: owner })
      .update({ lease_owner: null, lease_until: null });
  }

  /**
   * Deletes repositories (and all their data) that are not in `keep` and have not been synced
   * since `notSyncedSince`; returns how many. The grace period keeps a catalog hiccup from
   * wiping data.
   */
  async deleteRepositoriesExcept(
    keep: Array<{ host: string; slug: string }>,
    notSyncedSince: Date,
  ): Promise<number> {
    const wanted = new Set(
      keep.map(repo => `${repo.host} ${repo.slug.toLowerCase()}`),
    );
    const stale = (await this.listRepositories()).filter(
      repo =>
        !wanted.has(`${repo.host} ${repo.slug}`) &&
        (repo.lastSyncedAt ?? repo.createdAt) < notSyncedSince,
    );
    for (const repo of stale) {
      await this.db.transaction(async tx => {
        for (const table of [
          TABLES.etags,
          TABLES.reviews,
          TABLES.checks,
          TABLES.commits,
          TABLES.pulls,
          TABLES.runs,
          TABLES.deployments,
        ]) {
          await tx(table).where({ repository_id: repo.id }).delete();
        }
        await tx(TABLES.repositories).where({ id: repo.id }).delete();
      });
    }
    return stale.length;
  }

  // -------------------------------------------------------------------------------------------
  // Manual sync requests

  /**
   * Records a manual sync request of an entity unless one was made within the cooldown.
   * Returns how many seconds remain when refused.
   */
  async recordSyncRequest(
    entityRef: string,
    now: Date,
    cooldownSeconds: number,
  ): Promise<
    { accepted: true } | { accepted: false; retryAfterSeconds: number }
  > {
    const threshold = new Date(now.getTime() - cooldownSeconds * 1000);
    const updated = await this.db(TABLES.syncRequests)
      .where({ entity_ref: entityRef })
      .andWhere('requested_at', '<=', threshold)
      .update({ requested_at: now });
    if (updated === 1) {
      return { accepted: true };
    }
    const existing = await this.db(TABLES.syncRequests)
      .where({ entity_ref: entityRef })
      .first();
    if (!existing) {
      try {
        await this.db(TABLES.syncRequests).insert({
          entity_ref: entityRef,
          requested_at: now,
        });
        return { accepted: true };
      } catch {
        // Another request for the same entity won the race.
      }
    }
    const last = toDate(existing?.requested_at) ?? now;
    const remainingMs = last.getTime() + cooldownSeconds * 1000 - now.getTime();
    return {
      accepted: false,
      retryAfterSeconds: Math.max(1, Math.ceil(remainingMs / 1000)),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Hosts

  async getHost(host: string): Promise<HostRateState | undefined> {
    const row = await this.db(TABLES.hosts).where({ host }).first();
    if (!row) {
      return undefined;
    }
    return {
      host: row.host,
      limit: toNumberOrNull(row.rate_limit),
      remaining: toNumberOrNull(row.rate_remaining),
      resetAt: toDate(row.rate_reset_at),
      pausedUntil: toDate(row.paused_until),
    };
  }

  async saveHost(state: HostRateState, now: Date): Promise<void> {
    await this.db(TABLES.hosts)
      .insert({
        host: state.host,
        rate_limit: state.limit,
        rate_remaining: state.remaining,
        rate_reset_at: state.resetAt,
        paused_until: state.pausedUntil,
        updated_at: now,
      })
      .onConflict('host')
      .merge();
  }

  // -------------------------------------------------------------------------------------------
  // ETags

  async getEtags(repositoryId: number): Promise<Map<string, StoredEtag>> {
    const rows = await this.db(TABLES.etags).where({
      repository_id: repositoryId,
    });
    return new Map(
      rows.map(row => [
        row.resource as string,
        { requestKey: row.request_key as string, etag: row.etag as string },
      ]),
    );
  }

  /** Replaces the repository's ETags of the given resources; a null ETag removes one. */
  async saveEtags(
    repositoryId: number,
    etags: Map<string, StoredEtag | null>,
    now: Date,
  ): Promise<void> {
    const removed = [...etags].filter(([, v]) => !v).map(([k]) => k);
    if (removed.length > 0) {
      await this.db(TABLES.etags)
        .where({ repository_id: repositoryId })
        .whereIn('resource', removed)
        .delete();
    }
    const rows = [...etags]
      .filter((entry): entry is [string, StoredEtag] => Boolean(entry[1]))
      .map(([resource, value]) => ({
        repository_id: repositoryId,
        resource,
        request_key: value.requestKey,
        etag: value.etag,
        updated_at: now,
      }));
    await upsertRows(this.db, TABLES.etags, rows, [
      'repository_id',
      'resource',
    ]);
  }

  async deleteEtags(repositoryId: number): Promise<void> {
    await this.db(TABLES.etags).where({ repository_id: repositoryId }).delete();
  }
}
