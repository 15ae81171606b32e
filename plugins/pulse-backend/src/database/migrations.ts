import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';

/** The folder holding this plugin's knex migrations. */
export const migrationsDirectory = resolvePackagePath(
  '@pulse-oss/plugin-pulse-backend',
  'migrations',
);

/** Brings the plugin's tables up to date. */
export async function applyMigrations(knex: Knex): Promise<void> {
  await knex.migrate.latest({ directory: migrationsDirectory });
}
