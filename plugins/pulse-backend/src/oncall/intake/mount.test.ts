import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import request from 'supertest';
import { pulsePlugin } from '../../plugin';
import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { fixture } from './formats/__fixtures__';

jest.setTimeout(120_000);

const databases = createTestDatabases();

const entities: Entity[] = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'payments-api' },
    spec: {},
  },
];

describe.each(databases.eachSupportedId())(
  'alert intake in the Pulse plugin on %s',
  databaseId => {
    it('is mounted under /api/pulse/v1/alerts and feeds the incidents API', async () => {
      const knex = await databases.init(databaseId);
      const { server } = await startTestBackend({
        features: [
          pulsePlugin,
          mockServices.database.factory({ knex }),
          mockServices.rootConfig.factory({
            data: {
              pulse: {
                oncall: {
                  routingKeys: { R1ABCDEF: 'component:default/payments-api' },
                },
              },
            },
          }),
          catalogServiceMock.factory({ entities }),
        ],
      });
      const alertmanager = mockCredentials.service.header({
        onBehalfOf: mockCredentials.service('alertmanager'),
        targetPluginId: 'pulse',
      });

      const res = await request(server)
        .post('/api/pulse/v1/alerts/alertmanager')
        .set('Authorization', alertmanager)
        .send(fixture('alertmanager-firing'));
      expect(res.status).toBe(202);

      const pd = await request(server)
        .post('/api/pulse/v1/alerts/pagerduty')
        .set('Authorization', alertmanager)
        .send({ ...fixture('pagerduty-trigger'), routing_key: 'R1ABCDEF' });
      expect(pd.status).toBe(202);

      const list = await request(server)
        .get('/api/pulse/v1/incidents')
        .set('Authorization', mockCredentials.user.header());
      expect(list.status).toBe(200);
      expect(
        list.body.items.map((i: { dedupKey: string }) => i.dedupKey).sort(),
      ).toEqual([
        'alertmanager:3f9d0c2a6b4e8d1c',
        'alertmanager:8a7e5f3c1b2d4e6f',
        'srv01/mysql',
      ]);
    });
  },
);
