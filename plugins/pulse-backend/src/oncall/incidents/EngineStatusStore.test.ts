import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { applyMigrations } from '../../database/migrations';
import { EngineStatusStore } from './EngineStatusStore';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'EngineStatusStore on %s',
  databaseId => {
    it('keeps the latest completed run of each kind', async () => {
      const knex = await databases.init(databaseId);
      await applyMigrations(knex);
      const store = new EngineStatusStore(knex);
      expect(await store.lastRuns()).toEqual(new Map());

      const first = new Date('2025-05-05T10:00:00Z');
      const second = new Date('2025-05-05T10:00:15Z');
      await store.recordRun({
        kind: 'escalation',
        at: first,
        by: 'a',
        durationMs: 12,
      });
      await store.recordRun({
        kind: 'watchdog',
        at: first,
        by: 'b',
        durationMs: 3,
      });
      await store.recordRun({
        kind: 'escalation',
        at: second,
        by: 'b',
        durationMs: 40,
      });

      expect(await store.lastRuns()).toEqual(
        new Map([
          [
            'escalation',
            { kind: 'escalation', at: second, by: 'b', durationMs: 40 },
          ],
          ['watchdog', { kind: 'watchdog', at: first, by: 'b', durationMs: 3 }],
        ]),
      );
    });
  },
);
