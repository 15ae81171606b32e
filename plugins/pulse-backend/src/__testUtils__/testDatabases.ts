import { TestDatabases } from '@backstage/backend-test-utils';

/**
 * The databases every store test runs on: embedded SQLite and PostgreSQL 15.
 *
 * `TestDatabases` silently leaves PostgreSQL out when it cannot reach one. The repository's test
 * command starts PostgreSQL and sets `PULSE_REQUIRE_POSTGRES=1`, so a run without it fails here
 * instead of passing on SQLite alone.
 */
export function createTestDatabases(): TestDatabases {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  if (
    process.env.PULSE_REQUIRE_POSTGRES === '1' &&
    !databases.eachSupportedId().some(([id]) => id === 'POSTGRES_15')
  ) {
    throw new Error(
      'PostgreSQL 15 is required (PULSE_REQUIRE_POSTGRES=1) but BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is not set',
    );
  }
  return databases;
}
