import { mockCredentials } from '@backstage/backend-test-utils';
import request from 'supertest';
import { componentEntity } from '../../__testUtils__/entities';
import { startPulseTestBackend } from '../../__testUtils__/testBackend';
import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { fixture } from './formats/__fixtures__';

jest.setTimeout(120_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'alert intake in the Pulse plugin on %s',
  databaseId => {
    it('is mounted under /api/pulse/v1/alerts and feeds the incidents API', async () => {
      const knex = await databases.init(databaseId);
      const { server } = await startPulseTestBackend({
        knex,
        config: {
          pulse: {
            oncall: {
              routingKeys: { R1ABCDEF: 'component:default/payments-api' },
            },
          },
        },
        entities: [componentEntity('payments-api')],
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
