import { Knex } from 'knex';
import { TrackedEntity } from '@pulse-oss/plugin-pulse-common';

const TABLE = 'pulse_tracked_entities';

interface TrackedEntityRow {
  entity_ref: string;
  kind: string;
  namespace: string;
  name: string;
  repo_slug: string | null;
  repo_owner: string | null;
  repo_name: string | null;
  github_host: string;
  valid: boolean | number;
  problems: string;
  refreshed_at: Date | string;
  html_url?: string;
}

function toRow(entity: TrackedEntity) {
  return {
    entity_ref: entity.entityRef,
    kind: entity.kind,
    namespace: entity.namespace,
    name: entity.name,
    repo_slug: entity.repository?.slug ?? null,
    repo_owner: entity.repository?.owner ?? null,
    repo_name: entity.repository?.name ?? null,
    github_host: entity.repository?.host ?? '',
    valid: entity.valid,
    problems: JSON.stringify(entity.problems),
    refreshed_at: new Date(entity.refreshedAt),
  };
}

function toIsoString(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** All SQL for the entities Pulse tracks. */
export class TrackedEntityStore {
  constructor(
    private readonly db: Knex,
    private readonly htmlBaseUrl: (host: string) => string | undefined,
  ) {}

  private fromRow(row: TrackedEntityRow): TrackedEntity {
    const repository =
      row.repo_slug && row.repo_owner && row.repo_name
        ? {
            slug: row.repo_slug,
            owner: row.repo_owner,
            name: row.repo_name,
            host: row.github_host,
            htmlUrl: `${
              this.htmlBaseUrl(row.github_host) ?? `https://${row.github_host}`
            }/${row.repo_slug}`,
          }
        : null;
    return {
      entityRef: row.entity_ref,
      kind: row.kind,
      namespace: row.namespace,
      name: row.name,
      repository,
      valid: Boolean(row.valid),
      problems: JSON.parse(row.problems),
      refreshedAt: toIsoString(row.refreshed_at),
    };
  }

  async get(entityRef: string): Promise<TrackedEntity | undefined> {
    const row = await this.db<TrackedEntityRow>(TABLE)
      .where({ entity_ref: entityRef })
      .first();
    return row ? this.fromRow(row) : undefined;
  }

  async list(): Promise<TrackedEntity[]> {
    const rows = await this.db<TrackedEntityRow>(TABLE).orderBy('entity_ref');
    return rows.map(row => this.fromRow(row));
  }

  /** Whether a valid tracked entity names the repository `owner/name` (any case, any host). */
  async tracksRepository(slug: string): Promise<boolean> {
    const row = await this.db(TABLE)
      .where({ valid: true })
      .whereRaw('lower(repo_slug) = ?', [slug.toLowerCase()])
      .first('entity_ref');
    return Boolean(row);
  }

  async upsert(entities: TrackedEntity[]): Promise<void> {
    if (entities.length === 0) {
      return;
    }
    const batchSize = 200;
    for (let i = 0; i < entities.length; i += batchSize) {
      await this.db(TABLE)
        .insert(entities.slice(i, i + batchSize).map(toRow))
        .onConflict('entity_ref')
        .merge();
    }
  }

  async remove(entityRef: string): Promise<void> {
    await this.db(TABLE).where({ entity_ref: entityRef }).delete();
  }

  /**
   * Replaces the tracked set with `entities`: upserts them and removes every other row, in one
   * transaction so readers never see a half-refreshed list.
   */
  async replaceAll(entities: TrackedEntity[]): Promise<{ removed: number }> {
    return this.db.transaction(async tx => {
      const store = new TrackedEntityStore(tx, this.htmlBaseUrl);
      await store.upsert(entities);
      const keep = new Set(entities.map(e => e.entityRef));
      const existing: string[] = await tx(TABLE).pluck('entity_ref');
      const stale = existing.filter(ref => !keep.has(ref));
      const batchSize = 500;
      for (let i = 0; i < stale.length; i += batchSize) {
        await tx(TABLE)
          .whereIn('entity_ref', stale.slice(i, i + batchSize))
          .delete();
      }
      return { removed: stale.length };
    });
  }
}
