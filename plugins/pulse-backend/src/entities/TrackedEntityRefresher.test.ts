import { mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { applyMigrations } from '../database/migrations';
import { componentEntity } from '../__testUtils__/entities';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { GithubHosts } from './describeTracking';
import { TrackedEntityRefresher } from './TrackedEntityRefresher';
import { TrackedEntityStore } from './TrackedEntityStore';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const hosts: GithubHosts = {
  htmlBaseUrl: host =>
    host === 'github.com' ? 'https://github.com' : undefined,
};

function component(name: string, slug?: string): Entity {
  return componentEntity(name, { projectSlug: slug });
}

describe.each(databases.eachSupportedId())(
  'TrackedEntityRefresher on %s',
  databaseId => {
    async function setup(entities: Entity[]) {
      const knex = await databases.init(databaseId);
      await applyMigrations(knex);
      const store = new TrackedEntityStore(knex, hosts.htmlBaseUrl);
      const refresher = new TrackedEntityRefresher({
        catalog: catalogServiceMock({ entities }),
        auth: mockServices.auth(),
        store,
        hosts,
        logger: mockServices.logger.mock(),
      });
      return { knex, store, refresher };
    }

    it('tracks exactly the annotated entities, across catalog pages', async () => {
      const entities = [
        ...Array.from({ length: 1203 }, (_, i) =>
          component(
            `service-${String(i).padStart(4, '0')}`,
            `acme/service-${i}`,
          ),
        ),
        component('untracked'),
        component('broken', 'not-a-slug'),
      ];
      const { knex, store, refresher } = await setup(entities);

      expect(await refresher.refresh()).toEqual({
        tracked: 1204,
        invalid: 1,
        removed: 0,
      });
      const list = await store.list();
      expect(list).toHaveLength(1204);
      expect(list.find(e => e.name === 'untracked')).toBeUndefined();
      expect(await store.get('component:default/broken')).toMatchObject({
        valid: false,
        repository: null,
      });
      expect(await store.get('component:default/service-0007')).toMatchObject({
        valid: true,
        repository: { slug: 'acme/service-7', host: 'github.com' },
      });
      await knex.destroy();
    });

    it('drops entities that left the catalog or lost the annotation', async () => {
      const { knex, store } = await setup([]);
      const before = new TrackedEntityRefresher({
        catalog: catalogServiceMock({
          entities: [component('a', 'acme/a'), component('b', 'acme/b')],
        }),
        auth: mockServices.auth(),
        store,
        hosts,
        logger: mockServices.logger.mock(),
      });
      await before.refresh();
      const after = new TrackedEntityRefresher({
        catalog: catalogServiceMock({
          entities: [component('a', 'acme/a'), component('b')],
        }),
        auth: mockServices.auth(),
        store,
        hosts,
        logger: mockServices.logger.mock(),
      });
      expect(await after.refresh()).toEqual({
        tracked: 1,
        invalid: 0,
        removed: 1,
      });
      expect((await store.list()).map(e => e.entityRef)).toEqual([
        'component:default/a',
      ]);
      await knex.destroy();
    });
  },
);
