import { applyMigrations } from '../database/migrations';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { VersionStore } from './VersionStore';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())('VersionStore on %s', databaseId => {
  async function setup() {
    const knex = await databases.init(databaseId);
    await applyMigrations(knex);
    return { knex, store: new VersionStore(knex) };
  }

  it('raises many keys at once by their counts and returns the versions after', async () => {
    const { knex, store } = await setup();
    await knex.transaction(tx =>
      store.raise(tx, [
        { subject: 'component:default/a', topic: 'activity', count: 2 },
      ]),
    );
    const raised = await knex.transaction(tx =>
      store.raise(tx, [
        { subject: 'component:default/b', topic: 'incidents', count: 1 },
        { subject: 'component:default/a', topic: 'activity', count: 3 },
        { subject: 'component:default/a', topic: 'incidents', count: 1 },
      ]),
    );
    expect(Object.fromEntries(raised)).toEqual({
      'component:default/a\nactivity': 5,
      'component:default/a\nincidents': 1,
      'component:default/b\nincidents': 1,
    });
    expect(await store.versionsOf('component:default/a')).toEqual({
      activity: 5,
      incidents: 1,
    });
    expect(await store.versionOf('component:default/b', 'incidents')).toBe(1);
    expect(await store.versionOf('component:default/b', 'activity')).toBe(0);
    await knex.destroy();
  });

  it('raises nothing for no keys', async () => {
    const { knex, store } = await setup();
    expect((await knex.transaction(tx => store.raise(tx, []))).size).toBe(0);
    await knex.destroy();
  });

  it('lets transactions raising the same keys in different orders both commit', async () => {
    const { knex, store } = await setup();
    const a = { subject: 'component:default/a', topic: 'activity', count: 1 };
    const b = { subject: 'component:default/b', topic: 'activity', count: 1 };
    await Promise.all([
      knex.transaction(tx => store.raise(tx, [a, b])),
      knex.transaction(tx => store.raise(tx, [b, a])),
      knex.transaction(tx => store.raise(tx, [b, a])),
    ]);
    expect(await store.versionOf(a.subject, a.topic)).toBe(3);
    expect(await store.versionOf(b.subject, b.topic)).toBe(3);
    await knex.destroy();
  });
});
