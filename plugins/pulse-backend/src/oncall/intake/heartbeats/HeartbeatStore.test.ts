import { createTestDatabases } from '../../../__testUtils__/testDatabases';
import { applyMigrations } from '../../../database/migrations';
import { HeartbeatStore } from './HeartbeatStore';

jest.setTimeout(60_000);

const databases = createTestDatabases();

const T0 = new Date('2026-11-22T10:00:00Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

describe.each(databases.eachSupportedId())(
  'HeartbeatStore on %s',
  databaseId => {
    async function setup() {
      const knex = await databases.init(databaseId);
      await applyMigrations(knex);
      return new HeartbeatStore(knex);
    }

    it('registers monitors once and records pings', async () => {
      const store = await setup();
      await store.ensure(['backup', 'etl'], T0);
      await store.ensure(['backup'], minutes(5));
      expect(await store.get('backup')).toEqual({
        id: 'backup',
        createdAt: T0,
        lastPingAt: null,
        expiredAt: null,
      });
      expect(await store.recordPing('backup', minutes(1))).toEqual({
        id: 'backup',
        createdAt: T0,
        lastPingAt: minutes(1),
        expiredAt: null,
      });
      // A ping of a monitor not registered yet registers it.
      expect(await store.recordPing('new', minutes(2))).toMatchObject({
        createdAt: minutes(2),
        lastPingAt: minutes(2),
      });
      expect(
        (await store.list(['etl', 'backup', 'nope'])).map(s => s.id).sort(),
      ).toEqual(['backup', 'etl']);
      expect(await store.list([])).toEqual([]);
    });

    it('marks a monitor expired once, only while no ping came since the cut-off, and clears it', async () => {
      const store = await setup();
      await store.ensure(['backup'], T0);
      await store.recordPing('backup', minutes(3));
      expect(await store.markExpired('backup', minutes(2), minutes(10))).toBe(
        false,
      );
      expect(await store.markExpired('backup', minutes(4), minutes(10))).toBe(
        true,
      );
      expect(await store.markExpired('backup', minutes(4), minutes(11))).toBe(
        false,
      );
      expect((await store.get('backup'))?.expiredAt).toEqual(minutes(10));
      await store.clearExpired('backup');
      expect((await store.get('backup'))?.expiredAt).toBeNull();
    });

    it('forgets monitors no longer configured and silent since the cut-off, in batches', async () => {
      const store = await setup();
      await store.ensure(
        [
          'configured',
          'removed-silent',
          'removed-never-pinged',
          'removed-recent',
        ],
        T0,
      );
      await store.recordPing('configured', T0);
      await store.recordPing('removed-silent', minutes(1));
      await store.recordPing('removed-recent', minutes(100));
      const cutoff = minutes(50);
      expect(await store.deleteUnconfigured(['configured'], cutoff, 1)).toBe(1);
      expect(await store.deleteUnconfigured(['configured'], cutoff, 1)).toBe(1);
      expect(await store.deleteUnconfigured(['configured'], cutoff, 1)).toBe(0);
      expect(
        (
          await store.list([
            'configured',
            'removed-silent',
            'removed-never-pinged',
            'removed-recent',
          ])
        )
          .map(s => s.id)
          .sort(),
      ).toEqual(['configured', 'removed-recent']);
      // With nothing configured, every silent monitor goes.
      expect(await store.deleteUnconfigured([], minutes(1000), 10)).toBe(2);
    });
  },
);
