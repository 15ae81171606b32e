import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { applyMigrations } from '../../database/migrations';
import { RateLimitStore } from './RateLimitStore';

jest.setTimeout(60_000);

const databases = createTestDatabases();

const limit = { requestsPerSecond: 2, burst: 3 };
const T0 = Date.parse('2026-12-02T10:00:00Z');

describe.each(databases.eachSupportedId())(
  'RateLimitStore on %s',
  databaseId => {
    async function setup() {
      const knex = await databases.init(databaseId);
      await applyMigrations(knex);
      return { knex, store: new RateLimitStore(knex) };
    }

    it('takes from a bucket per caller, refills it with time, and never beyond the burst', async () => {
      const { store } = await setup();
      const taken = [];
      for (let i = 0; i < 4; i++) {
        taken.push(await store.take('alertmanager', limit, T0));
      }
      expect(taken).toEqual([
        { allowed: true, tokens: 2 },
        { allowed: true, tokens: 1 },
        { allowed: true, tokens: 0 },
        { allowed: false, tokens: 0 },
      ]);
      expect(await store.take('grafana', limit, T0)).toEqual({
        allowed: true,
        tokens: 2,
      });
      // Half a second later, one request is back.
      expect(await store.take('alertmanager', limit, T0 + 500)).toEqual({
        allowed: true,
        tokens: 0,
      });
      // An hour later the bucket is full again, not fuller.
      expect(await store.take('alertmanager', limit, T0 + 3_600_000)).toEqual({
        allowed: true,
        tokens: 2,
      });
      // A replica whose clock lags refills nothing.
      expect(await store.take('alertmanager', limit, T0)).toEqual({
        allowed: true,
        tokens: 1,
      });
    });

    it('forgets buckets idle since the cut-off, in batches', async () => {
      const { knex, store } = await setup();
      await store.take('old-1', limit, T0);
      await store.take('old-2', limit, T0 + 1);
      await store.take('recent', limit, T0 + 60_000);
      expect(await store.deleteIdleBefore(T0 + 10, 1)).toBe(1);
      expect(await store.deleteIdleBefore(T0 + 10, 1)).toBe(1);
      expect(await store.deleteIdleBefore(T0 + 10, 1)).toBe(0);
      expect(await knex('pulse_intake_rate_limits').pluck('caller')).toEqual([
        'recent',
      ]);
      // A forgotten bucket starts full, as a refilled one would be.
      expect(await store.take('old-1', limit, T0 + 120_000)).toEqual({
        allowed: true,
        tokens: 2,
      });
    });
  },
);
