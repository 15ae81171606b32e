import knexFactory, { Knex } from 'knex';

/**
 * A fresh PostgreSQL database for one benchmark run, on the server the tests use
 * (BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING); `drop` removes it.
 */
export async function createBenchDatabase(
  label: string,
  options: { maxConnections?: number } = {},
): Promise<{ knex: Knex; drop: () => Promise<void> }> {
  const connection =
    process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING;
  if (!connection) {
    throw new Error(
      'Set BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING (source scripts/lib.sh && ensure_postgres)',
    );
  }
  const name = `pulse_bench_${label}_${process.pid}_${Date.now()}`;
  const admin = knexFactory({ client: 'pg', connection });
  await admin.raw(`CREATE DATABASE ${name}`);
  const url = new URL(connection);
  url.pathname = `/${name}`;
  const knex = knexFactory({
    client: 'pg',
    connection: url.toString(),
    pool: { min: 2, max: options.maxConnections ?? 10 },
  });
  return {
    knex,
    drop: async () => {
      await knex.destroy();
      await admin.raw(`DROP DATABASE IF EXISTS ${name}`);
      await admin.destroy();
    },
  };
}
