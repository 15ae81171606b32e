import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { applyMigrations } from '../../database/migrations';
import { RateLimitStore } from './RateLimitStore';
import { SharedRateLimiter } from './RateLimiter';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'SharedRateLimiter on %s',
  databaseId => {
    /** Two replicas' limiters on one database, on one clock the test moves. */
    async function twoReplicas(limit = { requestsPerSecond: 2, burst: 5 }) {
      const knex = await databases.init(databaseId);
      await applyMigrations(knex);
      const clock = { ms: Date.parse('2026-12-02T10:00:00Z') };
      const store = new RateLimitStore(knex);
      const take = jest.spyOn(store, 'take');
      const replica = () =>
        new SharedRateLimiter({
          store,
          limit,
          clock: { now: () => new Date(clock.ms) },
        });
      return { knex, clock, take, a: replica(), b: replica() };
    }

    it('holds the burst across replicas: two limiters allow it once, not twice', async () => {
      const { a, b } = await twoReplicas();
      const decisions = [];
      for (let i = 0; i < 6; i++) {
        decisions.push(await a.take('alertmanager'));
        decisions.push(await b.take('alertmanager'));
      }
      expect(decisions.filter(d => d.allowed)).toHaveLength(5);
      expect(decisions.slice(0, 5).every(d => d.allowed)).toBe(true);
      expect(decisions[5]).toEqual({ allowed: false, retryAfterSeconds: 1 });
    });

    it('allows exactly the burst to concurrent requests through both replicas', async () => {
      const { a, b } = await twoReplicas({ requestsPerSecond: 1, burst: 10 });
      const decisions = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          (i % 2 ? a : b).take('alertmanager'),
        ),
      );
      expect(decisions.filter(d => d.allowed)).toHaveLength(10);
    });

    it('refills at the configured rate across replicas, never past the burst', async () => {
      const { a, b, clock } = await twoReplicas();
      for (let i = 0; i < 5; i++) await a.take('x');
      expect((await b.take('x')).allowed).toBe(false);

      // One second refills two requests at 2/s, for both replicas together.
      clock.ms += 1000;
      const after = [
        await b.take('x'),
        await a.take('x'),
        await b.take('x'),
        await a.take('x'),
      ];
      expect(after.map(d => d.allowed)).toEqual([true, true, false, false]);

      clock.ms += 3_600_000;
      const afterIdle = [];
      for (let i = 0; i < 7; i++) {
        afterIdle.push((await (i % 2 ? a : b).take('x')).allowed);
      }
      expect(afterIdle).toEqual([true, true, true, true, true, false, false]);
    });

    it('keeps callers apart', async () => {
      const { a, b } = await twoReplicas({ requestsPerSecond: 1, burst: 1 });
      expect((await a.take('alertmanager')).allowed).toBe(true);
      expect((await b.take('alertmanager')).allowed).toBe(false);
      expect((await b.take('grafana')).allowed).toBe(true);
    });

    it('answers retry-after from the shared bucket, in whole seconds', async () => {
      const { a, b } = await twoReplicas({ requestsPerSecond: 0.25, burst: 1 });
      expect((await a.take('slow')).allowed).toBe(true);
      expect(await b.take('slow')).toEqual({
        allowed: false,
        retryAfterSeconds: 4,
      });
    });

    it('refuses from its local copy without asking the database once the shared bucket is empty', async () => {
      const { a, b, take, clock } = await twoReplicas();
      for (let i = 0; i < 5; i++) await a.take('x');
      expect(await b.take('x')).toEqual({
        allowed: false,
        retryAfterSeconds: 1,
      });
      take.mockClear();
      expect((await a.take('x')).allowed).toBe(false);
      expect((await b.take('x')).allowed).toBe(false);
      expect(take).not.toHaveBeenCalled();

      // The local copies refill as the shared bucket does, and ask again.
      clock.ms += 500;
      expect((await b.take('x')).allowed).toBe(true);
      expect(take).toHaveBeenCalledTimes(1);
    });

    it('never moves a bucket back in time when a replica’s clock lags', async () => {
      const { knex, a, clock } = await twoReplicas();
      await a.take('x');
      const lagging = new SharedRateLimiter({
        store: new RateLimitStore(knex),
        limit: { requestsPerSecond: 2, burst: 5 },
        clock: { now: () => new Date(clock.ms - 10_000) },
      });
      expect((await lagging.take('x')).allowed).toBe(true);
      const [row] = await knex('pulse_intake_rate_limits').where({
        caller: 'x',
      });
      expect(Number(row.updated_at)).toBe(clock.ms);
      expect(Number(row.tokens)).toBe(3);
    });
  },
);
