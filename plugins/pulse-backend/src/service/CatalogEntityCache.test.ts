import { Entity } from '@backstage/catalog-model';
import { CatalogEntityCache } from './CatalogEntityCache';

function entity(name: string, version = 1): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, annotations: { version: String(version) } },
    spec: {},
  };
}

/** A catalog that records each read and answers when told to. */
function fakeCatalog(holds: (ref: string) => Entity | null) {
  const reads: string[][] = [];
  const waiting: Array<() => void> = [];
  let held = false;
  return {
    reads,
    hold() {
      held = true;
    },
    release() {
      held = false;
      waiting.splice(0).forEach(go => go());
    },
    async read(refs: readonly string[]) {
      reads.push([...refs]);
      if (held) {
        await new Promise<void>(resolve => waiting.push(resolve));
      }
      return refs.map(holds);
    },
  };
}

/** Lets scheduled batches (one event-loop turn) and their answers run. */
const settle = async () => {
  for (let i = 0; i < 5; i++) {
    await new Promise(resolve => setImmediate(resolve));
  }
};

describe('CatalogEntityCache', () => {
  const names = (ref: string) => ref.split('/')[1];

  it('reads entities asked for together in one catalog request, each once', async () => {
    const catalog = fakeCatalog(ref => entity(names(ref)));
    const cache = new CatalogEntityCache({
      read: refs => catalog.read(refs),
      ttlMs: 10_000,
      now: () => 0,
    });
    const answers = await Promise.all([
      cache.get('component:default/a'),
      cache.get('component:default/b'),
      cache.get('component:default/a'),
    ]);
    expect(answers.map(e => e?.metadata.name)).toEqual(['a', 'b', 'a']);
    expect(catalog.reads).toEqual([
      ['component:default/a', 'component:default/b'],
    ]);
    await cache.get('component:default/a');
    expect(catalog.reads).toHaveLength(1);
  });

  it('answers undefined for an entity the catalog does not hold, and remembers that', async () => {
    const catalog = fakeCatalog(() => null);
    const found: Array<[string, boolean]> = [];
    const cache = new CatalogEntityCache({
      read: refs => catalog.read(refs),
      ttlMs: 10_000,
      now: () => 0,
      onRead: (ref, isFound) => found.push([ref, isFound]),
    });
    expect(await cache.get('component:default/gone')).toBeUndefined();
    expect(await cache.get('component:default/gone')).toBeUndefined();
    expect(catalog.reads).toHaveLength(1);
    expect(found).toEqual([['component:default/gone', false]]);
  });

  it('never serves an entity read longer ago than the cache period', async () => {
    let now = 0;
    let version = 1;
    const catalog = fakeCatalog(ref => entity(names(ref), version));
    const cache = new CatalogEntityCache({
      read: refs => catalog.read(refs),
      ttlMs: 10_000,
      now: () => now,
    });
    expect(
      (await cache.get('component:default/a'))?.metadata.annotations,
    ).toEqual({ version: '1' });
    version = 2;
    now = 10_000;
    expect(
      (await cache.get('component:default/a'))?.metadata.annotations,
    ).toEqual({ version: '2' });
    expect(catalog.reads).toHaveLength(2);
  });

  it("counts an entry's age from when its read began", async () => {
    let now = 0;
    const catalog = fakeCatalog(ref => entity(names(ref)));
    const cache = new CatalogEntityCache({
      read: refs => catalog.read(refs),
      ttlMs: 10_000,
      now: () => now,
    });
    catalog.hold();
    const first = cache.get('component:default/a');
    await settle();
    now = 4_000; // the catalog answers 4 s later
    catalog.release();
    await first;
    now = 10_000; // 6 s after the answer, 10 s after the read began
    await cache.get('component:default/a');
    expect(catalog.reads).toHaveLength(2);
  });

  it('reads an entity served in the second half of its life again in the background', async () => {
    let now = 0;
    let version = 1;
    const catalog = fakeCatalog(ref => entity(names(ref), version));
    const cache = new CatalogEntityCache({
      read: refs => catalog.read(refs),
      ttlMs: 10_000,
      now: () => now,
      refreshScheduleFn: callback => setImmediate(callback),
    });
    await cache.get('component:default/a');
    now = 4_000;
    await cache.get('component:default/a');
    expect(catalog.reads).toHaveLength(1);

    version = 2;
    now = 6_000;
    // Served from the cache at once, and read again behind it (once, however often it is asked).
    expect(
      (await cache.get('component:default/a'))?.metadata.annotations,
    ).toEqual({ version: '1' });
    await cache.get('component:default/a');
    await settle();
    expect(catalog.reads).toHaveLength(2);

    now = 12_000; // past the first read's period, within the second's
    expect(
      (await cache.get('component:default/a'))?.metadata.annotations,
    ).toEqual({ version: '2' });
    expect(catalog.reads).toHaveLength(2);
  });

  it('reads the entities due again in one background request', async () => {
    let now = 0;
    const catalog = fakeCatalog(ref => entity(names(ref)));
    let flush: () => void = () => {};
    const cache = new CatalogEntityCache({
      read: refs => catalog.read(refs),
      ttlMs: 10_000,
      now: () => now,
      refreshScheduleFn: callback => {
        flush = callback;
      },
    });
    await Promise.all([
      cache.get('component:default/a'),
      cache.get('component:default/b'),
    ]);
    now = 6_000;
    await cache.get('component:default/a');
    await cache.get('component:default/b');
    expect(catalog.reads).toHaveLength(1);
    flush();
    await settle();
    expect(catalog.reads).toEqual([
      ['component:default/a', 'component:default/b'],
      ['component:default/a', 'component:default/b'],
    ]);
  });

  it('does not remember a failed read', async () => {
    let fail = true;
    const cache = new CatalogEntityCache({
      read: async refs => {
        if (fail) {
          throw new Error('catalog unavailable');
        }
        return refs.map(ref => entity(names(ref)));
      },
      ttlMs: 10_000,
      now: () => 0,
    });
    await expect(cache.get('component:default/a')).rejects.toThrow(
      'catalog unavailable',
    );
    fail = false;
    expect((await cache.get('component:default/a'))?.metadata.name).toBe('a');
  });
});
