import { ScheduleOverride } from '@pulse-oss/plugin-pulse-common';
import { Knex } from 'knex';
import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { applyMigrations } from '../../database/migrations';
import { ALICE, BOB } from '../__testUtils__/fixtures';
import { OverrideStore } from './OverrideStore';

jest.setTimeout(60_000);

const databases = createTestDatabases();

function override(
  id: string,
  start: string,
  end: string,
  overrides: Partial<ScheduleOverride> = {},
): ScheduleOverride {
  return {
    id,
    scheduleId: 'primary',
    userRef: ALICE,
    start,
    end,
    layerId: null,
    createdBy: BOB,
    createdAt: '2025-05-01T00:00:00.000Z',
    ...overrides,
  };
}

describe.each(databases.eachSupportedId())(
  'OverrideStore on %s',
  databaseId => {
    let knex: Knex;
    let store: OverrideStore;

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      await applyMigrations(knex);
      store = new OverrideStore(knex);
    });

    it('stores overrides and lists those overlapping a window, by start', async () => {
      const may = override(
        'may',
        '2025-05-05T09:00:00.000Z',
        '2025-05-06T09:00:00.000Z',
      );
      const april = override(
        'april',
        '2025-04-01T09:00:00.000Z',
        '2025-04-02T09:00:00.000Z',
        { layerId: 'layer-1' },
      );
      const other = override(
        'other',
        '2025-05-05T12:00:00.000Z',
        '2025-05-05T13:00:00.000Z',
        { scheduleId: 'daytime' },
      );
      await store.transaction(async tx => {
        for (const o of [may, april, other]) {
          await store.insert(tx, o);
        }
      });
      expect(await store.list({ scheduleId: 'primary' })).toEqual([april, may]);
      expect(
        await store.list({
          from: new Date('2025-05-05T00:00:00Z'),
          to: new Date('2025-05-06T00:00:00Z'),
        }),
      ).toEqual([may, other]);
      // Half-open: an override ending at the window's start is not in it.
      expect(
        await store.list({ from: new Date('2025-05-06T09:00:00Z') }),
      ).toEqual([]);
      expect(await store.get('primary', 'april')).toEqual(april);
      expect(await store.get('daytime', 'april')).toBeUndefined();
    });

    it('deletes an override of its schedule only', async () => {
      await store.insert(
        knex,
        override('a', '2025-05-05T09:00:00.000Z', '2025-05-06T09:00:00.000Z'),
      );
      expect(await store.delete(knex, 'daytime', 'a')).toBe(false);
      expect(await store.delete(knex, 'primary', 'a')).toBe(true);
      expect(await store.delete(knex, 'primary', 'a')).toBe(false);
    });

    it('deletes overrides that ended before a cut-off in batches, and keeps running and future ones', async () => {
      const ended = ['2025-01-01', '2025-01-02', '2025-01-03'].map((day, i) =>
        override(`ended-${i}`, `${day}T09:00:00.000Z`, `${day}T17:00:00.000Z`),
      );
      const running = override(
        'running',
        '2025-01-10T09:00:00.000Z',
        '2025-06-01T09:00:00.000Z',
      );
      const future = override(
        'future',
        '2025-07-01T09:00:00.000Z',
        '2025-07-02T09:00:00.000Z',
      );
      for (const o of [...ended, running, future]) {
        await store.insert(knex, o);
      }
      const cutoff = new Date('2025-05-01T00:00:00Z');
      expect(await store.deleteEndedBefore(cutoff, 2)).toBe(2);
      expect((await store.list({})).map(o => o.id)).toEqual([
        'ended-2',
        'running',
        'future',
      ]);
      expect(await store.deleteEndedBefore(cutoff, 2)).toBe(1);
      expect(await store.deleteEndedBefore(cutoff, 2)).toBe(0);
      expect((await store.list({})).map(o => o.id)).toEqual([
        'running',
        'future',
      ]);
    });
  },
);
