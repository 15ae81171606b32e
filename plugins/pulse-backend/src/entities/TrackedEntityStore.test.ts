import { applyMigrations } from '../database/migrations';
import { trackedEntity } from '../github/__testUtils__/harness';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { TrackedEntityStore } from './TrackedEntityStore';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'TrackedEntityStore on %s',
  databaseId => {
    it('tells whether a valid tracked entity names a repository, in any case', async () => {
      const knex = await databases.init(databaseId);
      await applyMigrations(knex);
      const store = new TrackedEntityStore(knex, () => 'https://github.com');
      expect(await store.tracksRepository('acme/web')).toBe(false);

      await store.replaceAll([
        trackedEntity('Acme/Web'),
        { ...trackedEntity('acme/broken'), valid: false, problems: ['no'] },
      ]);
      expect(await store.tracksRepository('acme/web')).toBe(true);
      expect(await store.tracksRepository('ACME/WEB')).toBe(true);
      expect(await store.tracksRepository('acme/broken')).toBe(false);
      expect(await store.tracksRepository('acme/other')).toBe(false);

      await store.replaceAll([]);
      expect(await store.tracksRepository('acme/web')).toBe(false);
      await knex.destroy();
    });
  },
);
