import { createTestDatabases } from '../__testUtils__/testDatabases';
import { applyMigrations, migrationsDirectory } from './migrations';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())('migrations on %s', databaseId => {
  it('apply, roll back completely, and apply again', async () => {
    const knex = await databases.init(databaseId);

    await applyMigrations(knex);
    expect(await knex.schema.hasTable('pulse_tracked_entities')).toBe(true);
    expect(await knex.schema.hasTable('pulse_events')).toBe(true);
    expect(await knex.schema.hasTable('pulse_escalation_turns')).toBe(true);

    await knex.migrate.rollback({ directory: migrationsDirectory }, true);
    expect(await knex.schema.hasTable('pulse_tracked_entities')).toBe(false);
    expect(await knex.schema.hasTable('pulse_events')).toBe(false);
    expect(await knex.schema.hasTable('pulse_escalation_turns')).toBe(false);

    await applyMigrations(knex);
    expect(await knex.schema.hasTable('pulse_tracked_entities')).toBe(true);
    await knex.destroy();
  });
});
