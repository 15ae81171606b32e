import { Knex } from 'knex';
import { createTestDatabases } from '../../__testUtils__/testDatabases';
import {
  applyMigrations,
  migrationsDirectory,
} from '../../database/migrations';

jest.setTimeout(60_000);

const databases = createTestDatabases();

const MIGRATION = '20261202100000_incident_dedup_per_service.js';

/** Rolls back, newest first, until the migration under test is undone too. */
async function rollBackThroughMigration(knex: Knex) {
  for (;;) {
    const [completed] = await knex.migrate.list({
      directory: migrationsDirectory,
    });
    const names = completed.map((m: { name: string }) => m.name);
    if (!names.includes(MIGRATION)) {
      return;
    }
    await knex.migrate.down({ directory: migrationsDirectory });
  }
}

function incident(
  id: string,
  fields: {
    entityRef: string;
    dedupKey: string;
    open?: boolean;
    integrationKey: string | null;
    source: string;
    createdAt: string;
  },
) {
  return {
    id,
    title: id,
    entity_ref: fields.entityRef,
    severity: 'critical',
    status: fields.open === false ? 'resolved' : 'triggered',
    dedup_key: fields.dedupKey,
    open_dedup_key: fields.open === false ? null : fields.dedupKey,
    integration_key: fields.integrationKey,
    source: fields.source,
    created_at: new Date(fields.createdAt),
    updated_at: new Date(fields.createdAt),
    escalation_policy_id: 'none',
    escalation_state: '{}',
  };
}

describe.each(databases.eachSupportedId())(
  'the per-service dedup migration on %s',
  databaseId => {
    it('scopes open keys by service and integration, keeps existing rows, and its down goes back', async () => {
      const knex = await databases.init(databaseId);
      await applyMigrations(knex);
      // Back to the schema before it (the migrations after it first), with rows written then.
      await rollBackThroughMigration(knex);
      await knex('pulse_incidents').insert([
        incident('pd-open', {
          entityRef: 'component:default/payments-api',
          dedupKey: 'disk-full',
          integrationKey: 'pagerduty:abc',
          source: 'pagerduty',
          createdAt: '2026-11-30T10:00:00Z',
        }),
        incident('manual-open', {
          entityRef: 'component:default/payments-api',
          dedupKey: 'manual:1',
          integrationKey: null,
          source: 'manual',
          createdAt: '2026-11-30T10:01:00Z',
        }),
        incident('json-resolved', {
          entityRef: 'component:default/ledger',
          dedupKey: 'disk-full',
          open: false,
          integrationKey: 'json',
          source: 'json',
          createdAt: '2026-11-29T10:00:00Z',
        }),
      ]);

      await applyMigrations(knex);
      const rows = await knex('pulse_incidents')
        .select('id', 'integration_key', 'open_dedup_key')
        .orderBy('id');
      expect(rows).toEqual([
        {
          id: 'json-resolved',
          integration_key: 'json',
          open_dedup_key: null,
        },
        {
          id: 'manual-open',
          integration_key: 'manual',
          open_dedup_key: 'manual:1',
        },
        {
          id: 'pd-open',
          integration_key: 'pagerduty:abc',
          open_dedup_key: 'disk-full',
        },
      ]);

      // The same key may now be open for another service, and through another integration...
      await knex('pulse_incidents').insert([
        incident('json-open', {
          entityRef: 'component:default/ledger',
          dedupKey: 'disk-full',
          integrationKey: 'json',
          source: 'json',
          createdAt: '2026-12-02T10:00:00Z',
        }),
        incident('pd-other-open', {
          entityRef: 'component:default/payments-api',
          dedupKey: 'disk-full',
          integrationKey: 'pagerduty:def',
          source: 'pagerduty',
          createdAt: '2026-12-02T10:01:00Z',
        }),
      ]);
      // ...but not twice in one scope.
      let duplicate: unknown;
      try {
        await knex('pulse_incidents').insert(
          incident('pd-twice', {
            entityRef: 'component:default/payments-api',
            dedupKey: 'disk-full',
            integrationKey: 'pagerduty:abc',
            source: 'pagerduty',
            createdAt: '2026-12-02T10:02:00Z',
          }),
        );
      } catch (error) {
        duplicate = error;
      }
      // SQLite's error comes from a native module, whose Error is not this realm's.
      expect(String(duplicate)).toMatch(/unique|duplicate/i);

      await rollBackThroughMigration(knex);
      const after = await knex('pulse_incidents')
        .select('id', 'integration_key', 'open_dedup_key', 'status')
        .orderBy('id');
      expect(after).toEqual([
        {
          id: 'json-open',
          integration_key: 'json',
          open_dedup_key: null,
          status: 'triggered',
        },
        {
          id: 'json-resolved',
          integration_key: 'json',
          open_dedup_key: null,
          status: 'resolved',
        },
        {
          id: 'manual-open',
          integration_key: null,
          open_dedup_key: 'manual:1',
          status: 'triggered',
        },
        // The oldest open incident of the key keeps it.
        {
          id: 'pd-open',
          integration_key: 'pagerduty:abc',
          open_dedup_key: 'disk-full',
          status: 'triggered',
        },
        {
          id: 'pd-other-open',
          integration_key: 'pagerduty:def',
          open_dedup_key: null,
          status: 'triggered',
        },
      ]);

      await applyMigrations(knex);
      expect(await knex('pulse_incidents')).toHaveLength(5);
      await knex.destroy();
    });
  },
);
