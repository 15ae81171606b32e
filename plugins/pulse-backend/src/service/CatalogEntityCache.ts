import { Entity } from '@backstage/catalog-model';
import DataLoader from 'dataloader';
import { LRUCache } from 'lru-cache';

/** Reads entities from the catalog; `null` for one it does not hold. */
export type ReadEntities = (
  entityRefs: readonly string[],
) => Promise<Array<Entity | null>>;

/** The most entities one catalog request asks for. */
const BATCH_SIZE = 200;

/**
 * Catalog entities shared by every caller who may read the whole catalog, each served for at most
 * `ttlMs` after the catalog request that read it started.
 *
 * - Entities asked for together (in one turn of the event loop) are read in one catalog request,
 *   and an entity already being read is not asked for again.
 * - An entity served in the second half of its life is read again in the background, in larger
 *   batches, so that the entities people keep looking at are not read on their requests.
 * - A failed read is not remembered.
 */
export class CatalogEntityCache {
  private readonly entries: LRUCache<
    string,
    { entity: Entity | null; readAt: number }
  >;
  private readonly reads: DataLoader<string, Entity | null>;
  private readonly refreshes: DataLoader<string, Entity | null>;
  private readonly pending = new Map<string, Promise<Entity | null>>();
  private readonly refreshing = new Set<string>();

  constructor(
    private readonly options: {
      read: ReadEntities;
      ttlMs: number;
      maxEntries?: number;
      /** Milliseconds since the epoch; injected by tests. */
      now?: () => number;
      /** Called with whether the catalog holds each entity read. */
      onRead?: (entityRef: string, found: boolean) => void;
      /**
       * When a batch of background reads goes out; by default 100 ms after its first entity,
       * so that one catalog request reads many (no request waits for them).
       */
      refreshScheduleFn?: (callback: () => void) => void;
    },
  ) {
    const now = options.now ?? Date.now;
    this.entries = new LRUCache({
      max: options.maxEntries ?? 5_000,
      ttl: options.ttlMs,
      perf: { now },
    });
    const loaderOptions = { cache: false, maxBatchSize: BATCH_SIZE };
    const read = async (refs: readonly string[]) => {
      const readAt = now();
      const entities = await options.read(refs);
      refs.forEach((ref, index) => {
        const entity = entities[index] ?? null;
        this.entries.set(ref, { entity, readAt });
        options.onRead?.(ref, Boolean(entity));
      });
      return entities.map(entity => entity ?? null);
    };
    this.reads = new DataLoader(read, {
      ...loaderOptions,
      batchScheduleFn: callback => setImmediate(callback),
    });
    this.refreshes = new DataLoader(read, {
      ...loaderOptions,
      batchScheduleFn:
        options.refreshScheduleFn ?? (callback => setTimeout(callback, 100)),
    });
  }

  /** The entity as the catalog holds it; undefined when it does not. */
  async get(entityRef: string): Promise<Entity | undefined> {
    const now = this.options.now ?? Date.now;
    const found = this.entries.get(entityRef);
    // Served only while younger than the cache period, counted from when its read began.
    const entry =
      found && now() - found.readAt < this.options.ttlMs ? found : undefined;
    if (entry) {
      if (
        now() - entry.readAt > this.options.ttlMs / 2 &&
        !this.refreshing.has(entityRef)
      ) {
        this.refreshing.add(entityRef);
        this.refreshes
          .load(entityRef)
          .catch(() => undefined)
          .finally(() => this.refreshing.delete(entityRef));
      }
      return entry.entity ?? undefined;
    }
    let read = this.pending.get(entityRef);
    if (!read) {
      read = this.reads
        .load(entityRef)
        .finally(() => this.pending.delete(entityRef));
      this.pending.set(entityRef, read);
    }
    return (await read) ?? undefined;
  }
}
