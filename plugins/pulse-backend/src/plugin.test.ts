import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import request from 'supertest';
import { describeTracking } from './entities/describeTracking';
import { TrackedEntityStore } from './entities/TrackedEntityStore';
import { componentEntity } from './__testUtils__/entities';
import { createTestDatabases } from './__testUtils__/testDatabases';
import {
  serviceHeader,
  startPulseTestBackend,
} from './__testUtils__/testBackend';

jest.setTimeout(60_000);

const databases = createTestDatabases();

const entities: Entity[] = [
  componentEntity('payments-api', { projectSlug: 'acme/payments-api' }),
  componentEntity('ledger', {
    namespace: 'finance',
    projectSlug: 'finance/ledger',
    annotations: {
      'backstage.io/source-location':
        'url:https://ghe.acme.example/finance/ledger/tree/main/',
    },
  }),
  componentEntity('broken', { projectSlug: 'acme' }),
  componentEntity('status-page'),
];

const config = {
  integrations: {
    github: [
      { host: 'github.com' },
      {
        host: 'ghe.acme.example',
        apiBaseUrl: 'https://ghe.acme.example/api/v3',
      },
    ],
  },
};

describe.each(databases.eachSupportedId())(
  'pulse backend on %s',
  databaseId => {
    async function startPulse(options?: {
      permission?: AuthorizeResult.ALLOW | AuthorizeResult.DENY;
      anonymousByDefault?: boolean;
    }) {
      const knex = await databases.init(databaseId);
      const { backend } = await startPulseTestBackend({
        knex,
        config,
        entities,
        ...(options?.permission && {
          decide: () => options.permission === AuthorizeResult.ALLOW,
        }),
        features: options?.anonymousByDefault
          ? [
              mockServices.httpAuth.factory({
                defaultCredentials: mockCredentials.none(),
              }),
            ]
          : [],
      });
      return { server: backend.server, knex, backend };
    }

    it('serves a tracked entity with its linked repository', async () => {
      const { server, knex, backend } = await startPulse();
      const res = await request(server)
        .get('/api/pulse/v1/entities/component/default/payments-api')
        .set('Authorization', mockCredentials.user.header());
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        entityRef: 'component:default/payments-api',
        repository: {
          slug: 'acme/payments-api',
          owner: 'acme',
          name: 'payments-api',
          host: 'github.com',
          htmlUrl: 'https://github.com/acme/payments-api',
        },
        valid: true,
        problems: [],
      });
      expect(Date.parse(res.body.refreshedAt)).not.toBeNaN();

      // Reading never writes: tracking is the refresher's alone.
      expect(await knex('pulse_tracked_entities')).toEqual([]);
      await backend.stop();
    });

    it('serves a GitHub Enterprise repository in another namespace', async () => {
      const { server, backend } = await startPulse();
      const res = await request(server)
        .get('/api/pulse/v1/entities/Component/finance/ledger')
        .set('Authorization', mockCredentials.user.header());
      expect(res.status).toBe(200);
      expect(res.body.repository).toMatchObject({
        host: 'ghe.acme.example',
        htmlUrl: 'https://ghe.acme.example/finance/ledger',
      });
      await backend.stop();
    });

    it('reports a malformed annotation as an invalid link', async () => {
      const { server, backend } = await startPulse();
      const res = await request(server)
        .get('/api/pulse/v1/entities/component/default/broken')
        .set('Authorization', mockCredentials.user.header());
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ valid: false, repository: null });
      expect(res.body.problems[0]).toMatch(/github\.com\/project-slug.*"acme"/);
      await backend.stop();
    });

    it('answers 404 with the reason for an untracked entity', async () => {
      const { server, knex, backend } = await startPulse();
      const res = await request(server)
        .get('/api/pulse/v1/entities/component/default/status-page')
        .set('Authorization', mockCredentials.user.header());
      expect(res.status).toBe(404);
      expect(res.body.error).toMatchObject({
        name: 'NotFoundError',
        message: expect.stringContaining(
          'has no github.com/project-slug annotation',
        ),
      });
      expect(
        await knex('pulse_tracked_entities').where({
          entity_ref: 'component:default/status-page',
        }),
      ).toEqual([]);
      await backend.stop();
    });

    it('answers 404 with the reason for an unknown entity', async () => {
      const { server, backend } = await startPulse();
      const res = await request(server)
        .get('/api/pulse/v1/entities/component/default/does-not-exist')
        .set('Authorization', mockCredentials.user.header());
      expect(res.status).toBe(404);
      expect(res.body.error.message).toBe(
        'Entity component:default/does-not-exist is not in the catalog',
      );
      await backend.stop();
    });

    it('answers 400 naming the parameter for a malformed entity name', async () => {
      const { server, backend } = await startPulse();
      const res = await request(server)
        .get(
          `/api/pulse/v1/entities/component/default/${encodeURIComponent(
            'bad name!',
          )}`,
        )
        .set('Authorization', mockCredentials.user.header());
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({
        name: 'InputError',
        message: expect.stringContaining("Invalid path parameter 'name'"),
      });
      await backend.stop();
    });

    it('rejects unauthenticated and badly authenticated requests', async () => {
      const { server, backend } = await startPulse({
        anonymousByDefault: true,
      });
      const anonymous = await request(server).get(
        '/api/pulse/v1/entities/component/default/payments-api',
      );
      expect(anonymous.status).toBe(401);
      const forged = await request(server)
        .get('/api/pulse/v1/entities/component/default/payments-api')
        .set('Authorization', mockCredentials.user.invalidHeader());
      expect(forged.status).toBe(401);
      const list = await request(server).get('/api/pulse/v1/entities');
      expect(list.status).toBe(401);
      await backend.stop();
    });

    it('answers 403 when the permission policy denies pulse.read', async () => {
      const { server, backend } = await startPulse({
        permission: AuthorizeResult.DENY,
      });
      const res = await request(server)
        .get('/api/pulse/v1/entities/component/default/payments-api')
        .set('Authorization', mockCredentials.user.header());
      expect(res.status).toBe(403);
      await backend.stop();
    });

    it('lists the tracked entities the caller may see, and never untracks on a read', async () => {
      const knex = await databases.init(databaseId);
      const { backend, as, server } = await startPulseTestBackend({
        knex,
        config,
        entities,
        visible: (entity, principal) =>
          !(
            principal.ref === 'user:default/outsider' &&
            entity.metadata.name === 'payments-api'
          ),
      });
      const store = new TrackedEntityStore(knex, () => 'https://github.com');
      const refreshedAt = new Date();
      await store.upsert(
        entities
          .map(entity =>
            describeTracking(
              entity,
              { htmlBaseUrl: () => 'https://x' },
              refreshedAt,
            ),
          )
          .filter((e): e is NonNullable<typeof e> => Boolean(e)),
      );
      const refs = (body: any) =>
        body.items.map((e: { entityRef: string }) => e.entityRef);

      const insider = await as('user:default/insider').get('/entities');
      expect(insider.status).toBe(200);
      expect(refs(insider.body)).toEqual(
        expect.arrayContaining([
          'component:default/payments-api',
          'component:finance/ledger',
        ]),
      );
      const outsider = await as('user:default/outsider').get('/entities');
      expect(outsider.status).toBe(200);
      expect(refs(outsider.body)).not.toContain(
        'component:default/payments-api',
      );
      expect(refs(outsider.body)).toContain('component:finance/ledger');

      // A caller who may not see the entity gets a 404, and the entity stays tracked.
      const hidden = await as('user:default/outsider').get(
        '/entities/component/default/payments-api',
      );
      expect(hidden.status).toBe(404);
      expect(await store.get('component:default/payments-api')).toBeDefined();

      const plugin = await request(server)
        .get('/api/pulse/v1/entities')
        .set('Authorization', serviceHeader('plugin:search'));
      expect(plugin.status).toBe(200);
      const health = await request(server).get('/api/pulse/health');
      expect(health.status).toBe(200);
      expect(health.body).toEqual({ status: 'ok' });
      await backend.stop();
    });

    it('answers 503 on /health when the database does not answer', async () => {
      const { server, knex, backend } = await startPulse();
      await knex.destroy();
      const health = await request(server).get('/api/pulse/health');
      expect(health.status).toBe(503);
      expect(health.body.status).toBe('unavailable');
      await backend.stop();
    });
  },
);
