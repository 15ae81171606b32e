import { Knex } from 'knex';
import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { migratedWithRepository } from '../../github/__testUtils__/records';
import { clockedWindowFigures } from '../entityMetrics';
import { metricsWindow } from '../days';
import { MetricItem } from '../metricItems';
import { MetricsStore, StoredWindowFigures } from './MetricsStore';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const NOW = new Date('2026-11-30T12:00:00Z');
const WEB = 'component:default/web';
const API = 'component:default/api';

const incident: MetricItem = {
  metric: 'incident',
  key: 'i1',
  occurredAt: new Date('2026-11-29T10:00:00Z'),
  day: '2026-11-29',
  value: 1800,
  detail: {
    id: 'i1',
    title: 'Checkout down',
    severity: 'critical',
    triggeredAt: '2026-11-29T10:00:00.000Z',
    resolvedAt: '2026-11-29T10:30:00.000Z',
  },
};

function figuresOf(days: number): StoredWindowFigures {
  const window = metricsWindow(NOW, days, 'UTC');
  return {
    windowDays: days,
    lastDay: window.lastDay,
    figuresKey: 'key',
    takenAt: NOW,
    clocked: clockedWindowFigures(window, [incident], {
      minimumSample: 1,
      productionEnvironments: ['production'],
      defaultBranch: 'main',
    }),
  };
}

describe.each(databases.eachSupportedId())('MetricsStore on %s', databaseId => {
  let knex: Knex;
  let store: MetricsStore;
  let repositoryId: number;

  beforeEach(async () => {
    knex = await databases.init(databaseId);
    repositoryId = await migratedWithRepository(knex);
    store = new MetricsStore(knex);
  });

  afterEach(() => knex.destroy());

  const replace = (entityRef: string, items: MetricItem[]) =>
    knex.transaction(tx =>
      store.replaceEntityItems(tx, entityRef, items, {
        sourceFingerprint: 'f',
        defaultBranch: 'main',
        repositoryId,
        computedAt: NOW,
      }),
    );

  it('writes only the items that differ, and forgets those no longer computed', async () => {
    expect(await replace(WEB, [incident])).toEqual({ written: 1, deleted: 0 });
    expect(await replace(WEB, [incident])).toEqual({ written: 0, deleted: 0 });
    const resolvedLater = { ...incident, value: 3600 } as MetricItem;
    expect(await replace(WEB, [resolvedLater])).toEqual({
      written: 1,
      deleted: 0,
    });
    expect(await store.items(WEB, new Date(0))).toEqual([resolvedLater]);
    expect(await replace(WEB, [])).toEqual({ written: 0, deleted: 1 });
    expect(await store.entityStates([WEB])).toEqual([
      {
        entityRef: WEB,
        computedAt: NOW,
        defaultBranch: 'main',
        repositoryId,
      },
    ]);
  });

  it('keeps each window’s figures as taken, replaced whole, and forgets them with the entity', async () => {
    const week = figuresOf(7);
    const month = figuresOf(30);
    await replace(WEB, [incident]);
    await replace(API, [incident]);
    await knex.transaction(async tx => {
      await store.replaceWindowFigures(tx, WEB, [week, month]);
      await store.replaceWindowFigures(tx, API, [week]);
    });
    expect(await store.windowFigures(WEB, 7)).toEqual(week);
    expect(await store.windowFigures(WEB, 30)).toEqual(month);
    expect(
      (await store.windowFigures(WEB, 30))?.clocked.figures.timeToRestore,
    ).toMatchObject({ value: 1800, sample: 1 });

    // Taken again without the 30-day window (a configuration that dropped it).
    await knex.transaction(tx => store.replaceWindowFigures(tx, WEB, [week]));
    expect(await store.windowFigures(WEB, 30)).toBeUndefined();
    expect(await store.windowFigures(WEB, 7)).toEqual(week);

    expect(await store.deleteEntitiesExcept([API])).toBe(1);
    expect(await store.windowFigures(WEB, 7)).toBeUndefined();
    expect(await store.items(WEB, new Date(0))).toEqual([]);
    expect(await store.windowFigures(API, 7)).toEqual(week);
  });
});
