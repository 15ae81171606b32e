import { createTestDatabases } from '../../../__testUtils__/testDatabases';
import {
  applyMigrations,
  migrationsDirectory,
} from '../../../database/migrations';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'the heartbeats migration on %s',
  databaseId => {
    it('creates pulse_heartbeats, and its down drops it again', async () => {
      const knex = await databases.init(databaseId);
      await applyMigrations(knex);
      expect(await knex.schema.hasTable('pulse_heartbeats')).toBe(true);
      await knex('pulse_heartbeats').insert({
        id: 'nightly-backup',
        created_at: new Date('2026-11-22T10:00:00Z'),
        last_ping_at: null,
        expired_at: null,
      });
      // One row per monitor: the id is the primary key.
      let duplicateError: unknown;
      try {
        await knex('pulse_heartbeats').insert({
          id: 'nightly-backup',
          created_at: new Date(),
        });
      } catch (error) {
        duplicateError = error;
      }
      // SQLite's error comes from a native module, whose Error is not this realm's.
      expect(String(duplicateError)).toMatch(/unique|duplicate/i);
      const [{ n }] = await knex('pulse_heartbeats').count({ n: '*' });
      expect(Number(n)).toBe(1);

      await knex.migrate.down({
        directory: migrationsDirectory,
        name: '20261122003000_heartbeats.js',
      });
      expect(await knex.schema.hasTable('pulse_heartbeats')).toBe(false);
      // The tables of the other migrations are untouched.
      expect(await knex.schema.hasTable('pulse_incidents')).toBe(true);

      await applyMigrations(knex);
      expect(await knex('pulse_heartbeats')).toEqual([]);
      await knex.destroy();
    });
  },
);
