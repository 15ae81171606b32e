import { Knex } from 'knex';
import {
  DbDate,
  fromJson,
  READ_BATCH,
  requireDate,
  toDate,
  toJson,
} from '../../github/store/rows';
import type { ClockedWindowFigures } from '../entityMetrics';
import { MetricItem, MetricItemKind } from '../metricItems';

const ENTITIES = 'pulse_metrics_entities';
const ITEMS = 'pulse_metrics_items';
const FIGURES = 'pulse_metrics_window_figures';
/** Rows per insert: 7 columns each, well below PostgreSQL's 65,535 bind parameters. */
const WRITE_BATCH = 1000;

const itemId = (metric: string, key: string) => `${metric}\n${key}`;

function signature(
  occurredAt: Date,
  day: string,
  value: number | null,
  detail: string,
): string {
  return `${occurredAt.getTime()}|${day}|${value}|${detail}`;
}

interface ItemRow {
  entity_ref: string;
  metric: string;
  item_key: string;
  occurred_at: DbDate;
  day: string;
  value: number | string | null;
  detail: string;
}

export interface AggregatedEntity {
  entityRef: string;
  sourceFingerprint: string;
  computedAt: Date;
}

/** What an entity's stored items were computed from, as the routes need it. */
export interface EntityMetricsState {
  entityRef: string;
  computedAt: Date;
  defaultBranch: string | null;
  /** Pulse's id of the repository the items come from; null for an entity without one. */
  repositoryId: number | null;
}

/** One window's figures of an entity as the aggregation took them. */
export interface StoredWindowFigures {
  windowDays: number;
  /** The window's last day: the figures are of that day's window only. */
  lastDay: string;
  /** The configuration they were taken with (`figuresConfigKey`). */
  figuresKey: string;
  takenAt: Date;
  clocked: ClockedWindowFigures;
}

interface FiguresRow {
  entity_ref: string;
  window_days: number;
  last_day: string;
  figures_key: string;
  taken_at: DbDate;
  figures: string;
}

interface EntityRow {
  entity_ref: string;
  computed_at: DbDate;
  default_branch: string | null;
  repository_id: number | string | null;
}

function stateFromRow(row: EntityRow): EntityMetricsState {
  return {
    entityRef: row.entity_ref,
    computedAt: requireDate(row.computed_at),
    defaultBranch: row.default_branch,
    repositoryId: row.repository_id === null ? null : Number(row.repository_id),
  };
}

function fromRow(row: ItemRow): MetricItem {
  return {
    metric: row.metric as MetricItemKind,
    key: row.item_key,
    occurredAt: requireDate(row.occurred_at),
    day: row.day,
    value: row.value === null ? null : Number(row.value),
    detail: fromJson(row.detail),
  } as MetricItem;
}

/** The aggregation's tables: each entity's metric items, and what they were computed from. */
export class MetricsStore {
  constructor(private readonly db: Knex) {}

  async aggregatedEntities(): Promise<Map<string, AggregatedEntity>> {
    const rows: Array<{
      entity_ref: string;
      source_fingerprint: string;
      computed_at: DbDate;
    }> = await this.db(ENTITIES).select();
    return new Map(
      rows.map(row => [
        row.entity_ref,
        {
          entityRef: row.entity_ref,
          sourceFingerprint: row.source_fingerprint,
          computedAt: requireDate(row.computed_at),
        },
      ]),
    );
  }

  /** When the entity's items were computed, and its repository's default branch then. */
  async entityState(
    entityRef: string,
  ): Promise<{ computedAt: Date | null; defaultBranch: string | null }> {
    const row = await this.db(ENTITIES)
      .where({ entity_ref: entityRef })
      .first('computed_at', 'default_branch');
    return {
      computedAt: toDate(row?.computed_at),
      defaultBranch: row?.default_branch ?? null,
    };
  }

  /** Of `entityRefs`, those the aggregation has computed, with what they were computed from. */
  async entityStates(
    entityRefs: readonly string[],
  ): Promise<EntityMetricsState[]> {
    const states: EntityMetricsState[] = [];
    for (let i = 0; i < entityRefs.length; i += READ_BATCH) {
      const rows: EntityRow[] = await this.db(ENTITIES)
        .whereIn('entity_ref', entityRefs.slice(i, i + READ_BATCH))
        .select('entity_ref', 'computed_at', 'default_branch', 'repository_id');
      states.push(...rows.map(stateFromRow));
    }
    return states.sort((a, b) => a.entityRef.localeCompare(b.entityRef));
  }

  /**
   * Makes the entity's stored items equal to `items` and records what they were computed from,
   * in `tx`. Only what differs is written: an entity's recompute after a change touches a few of
   * its items, and a recompute that changed nothing writes none.
   */
  async replaceEntityItems(
    tx: Knex.Transaction,
    entityRef: string,
    items: readonly MetricItem[],
    state: {
      sourceFingerprint: string;
      defaultBranch: string | null;
      repositoryId: number | null;
      computedAt: Date;
    },
  ): Promise<{ written: number; deleted: number }> {
    const stored: ItemRow[] = await tx<ItemRow>(ITEMS)
      .where({ entity_ref: entityRef })
      .select('metric', 'item_key', 'occurred_at', 'day', 'value', 'detail');
    const storedSignatures = new Map(
      stored.map(row => [
        itemId(row.metric, row.item_key),
        signature(
          requireDate(row.occurred_at),
          row.day,
          row.value === null ? null : Number(row.value),
          row.detail,
        ),
      ]),
    );
    const changed: Array<Omit<ItemRow, 'value'> & { value: number | null }> =
      [];
    const kept = new Set<string>();
    for (const item of items) {
      const id = itemId(item.metric, item.key);
      const detail = toJson(item.detail);
      kept.add(id);
      if (
        storedSignatures.get(id) !==
        signature(item.occurredAt, item.day, item.value, detail)
      ) {
        changed.push({
          entity_ref: entityRef,
          metric: item.metric,
          item_key: item.key,
          occurred_at: item.occurredAt,
          day: item.day,
          value: item.value,
          detail,
        });
      }
    }
    for (let i = 0; i < changed.length; i += WRITE_BATCH) {
      await tx(ITEMS)
        .insert(changed.slice(i, i + WRITE_BATCH))
        .onConflict(['entity_ref', 'metric', 'item_key'])
        .merge();
    }
    const gone = stored.filter(
      row => !kept.has(itemId(row.metric, row.item_key)),
    );
    const goneByMetric = new Map<string, string[]>();
    for (const row of gone) {
      goneByMetric.set(row.metric, [
        ...(goneByMetric.get(row.metric) ?? []),
        row.item_key,
      ]);
    }
    for (const [metric, keys] of goneByMetric) {
      for (let i = 0; i < keys.length; i += READ_BATCH) {
        await tx(ITEMS)
          .where({ entity_ref: entityRef, metric })
          .whereIn('item_key', keys.slice(i, i + READ_BATCH))
          .delete();
      }
    }
    await tx(ENTITIES)
      .insert({
        entity_ref: entityRef,
        source_fingerprint: state.sourceFingerprint,
        default_branch: state.defaultBranch,
        repository_id: state.repositoryId,
        computed_at: state.computedAt,
      })
      .onConflict('entity_ref')
      .merge();
    return { written: changed.length, deleted: gone.length };
  }

  /** Makes the entity's stored window figures equal to `figures`, in `tx`. */
  async replaceWindowFigures(
    tx: Knex.Transaction,
    entityRef: string,
    figures: readonly StoredWindowFigures[],
  ): Promise<void> {
    await tx(FIGURES).where({ entity_ref: entityRef }).delete();
    if (figures.length > 0) {
      await tx<FiguresRow>(FIGURES).insert(
        figures.map(stored => ({
          entity_ref: entityRef,
          window_days: stored.windowDays,
          last_day: stored.lastDay,
          figures_key: stored.figuresKey,
          taken_at: stored.takenAt,
          figures: toJson(stored.clocked),
        })),
      );
    }
  }

  /** The entity's stored figures of a window of `windowDays`, if the aggregation took them. */
  async windowFigures(
    entityRef: string,
    windowDays: number,
  ): Promise<StoredWindowFigures | undefined> {
    const row: FiguresRow | undefined = await this.db<FiguresRow>(FIGURES)
      .where({ entity_ref: entityRef, window_days: windowDays })
      .first();
    return (
      row && {
        windowDays: row.window_days,
        lastDay: row.last_day,
        figuresKey: row.figures_key,
        takenAt: requireDate(row.taken_at),
        clocked: fromJson(row.figures),
      }
    );
  }

  /** Forgets entities Pulse no longer tracks. */
  async deleteEntitiesExcept(entityRefs: readonly string[]): Promise<number> {
    const keep = new Set(entityRefs);
    const known: string[] = await this.db(ENTITIES).pluck('entity_ref');
    const gone = known.filter(ref => !keep.has(ref));
    for (let i = 0; i < gone.length; i += READ_BATCH) {
      const batch = gone.slice(i, i + READ_BATCH);
      await this.db.transaction(async tx => {
        await tx(ITEMS).whereIn('entity_ref', batch).delete();
        await tx(FIGURES).whereIn('entity_ref', batch).delete();
        await tx(ENTITIES).whereIn('entity_ref', batch).delete();
      });
    }
    return gone.length;
  }

  /** An entity's items since `since`, optionally of some kinds only. */
  async items(
    entityRef: string,
    since: Date,
    metrics?: readonly MetricItemKind[],
  ): Promise<MetricItem[]> {
    const query = this.db<ItemRow>(ITEMS)
      .where({ entity_ref: entityRef })
      .andWhere('occurred_at', '>=', since);
    if (metrics) {
      query.whereIn('metric', metrics);
    }
    return (await query).map(fromRow);
  }

  /** An entity's items of one kind with the given keys (those it has). */
  async itemsWithKeys(
    entityRef: string,
    metric: MetricItemKind,
    keys: readonly string[],
  ): Promise<MetricItem[]> {
    const items: MetricItem[] = [];
    const unique = [...new Set(keys)];
    for (let i = 0; i < unique.length; i += READ_BATCH) {
      const rows: ItemRow[] = await this.db<ItemRow>(ITEMS)
        .where({ entity_ref: entityRef, metric })
        .whereIn('item_key', unique.slice(i, i + READ_BATCH));
      items.push(...rows.map(fromRow));
    }
    return items;
  }

  /** The items of several entities since `since`, optionally of some kinds only, by entity. */
  async itemsOfEntities(
    entityRefs: readonly string[],
    since: Date,
    metrics?: readonly MetricItemKind[],
  ): Promise<Map<string, MetricItem[]>> {
    const byEntity = new Map<string, MetricItem[]>(
      entityRefs.map(ref => [ref, []]),
    );
    for (let i = 0; i < entityRefs.length; i += READ_BATCH) {
      const query = this.db<ItemRow>(ITEMS)
        .whereIn('entity_ref', entityRefs.slice(i, i + READ_BATCH))
        .andWhere('occurred_at', '>=', since);
      if (metrics) {
        query.whereIn('metric', metrics);
      }
      for (const row of await query) {
        byEntity.get(row.entity_ref)?.push(fromRow(row));
      }
    }
    return byEntity;
  }

  /** Every stored item, for tests comparing two aggregations. */
  async allItems(): Promise<Array<MetricItem & { entityRef: string }>> {
    const rows: ItemRow[] = await this.db<ItemRow>(ITEMS).orderBy([
      'entity_ref',
      'metric',
      'item_key',
    ]);
    return rows.map(row => ({ ...fromRow(row), entityRef: row.entity_ref }));
  }
}
