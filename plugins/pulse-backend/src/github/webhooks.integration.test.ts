import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
// The events backend and its GitHub module are what a portal installs to receive webhooks
// (packages/backend uses both); they are resolvable here from the repository root.
// eslint-disable-next-line @backstage/no-undeclared-imports
import eventsPlugin from '@backstage/plugin-events-backend';
import { eventsServiceFactory } from '@backstage/plugin-events-node';
import { WebhookEvent } from '@internal/github-simulator';
import { createHmac } from 'node:crypto';
import request from 'supertest';
import { pulsePlugin } from '../plugin';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { createHarness, TEST_TOKEN } from './__testUtils__/harness';

jest.setTimeout(60_000);

const databases = createTestDatabases();

/**
 * The GitHub events module's two features. Its default export loads them with a dynamic
 * `import()`, which Jest cannot run without `--experimental-vm-modules`, so they are required
 * from the package's files directly.
 */
function githubEventsModules() {
  const dist = require
    .resolve('@backstage/plugin-events-backend-module-github/package.json')
    .replace(/package\.json$/, 'dist/service/');
  return [
    require(`${dist}eventsModuleGithubWebhook.cjs.js`).default,
    require(`${dist}eventsModuleGithubEventRouter.cjs.js`).default,
  ];
}
const SECRET = 'pulse-test-webhook-secret';

function sign(body: string, secret = SECRET) {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

describe.each(databases.eachSupportedId())(
  'GitHub webhooks through the events backend on %s',
  databaseId => {
    it('stores signed deliveries before answering, and rejects bad signatures storing nothing', async () => {
      const h = await createHarness({
        knex: await databases.init(databaseId),
        repositories: ['acme/web'],
      });
      const eventsKnex = await databases.init('SQLITE_3');
      const backend = await startTestBackend({
        features: [
          pulsePlugin,
          eventsPlugin,
          // The real events service: one bus shared by the events plugin and Pulse.
          eventsServiceFactory,
          ...githubEventsModules(),
          createServiceFactory({
            service: coreServices.database,
            deps: { plugin: coreServices.pluginMetadata },
            factory: ({ plugin }) => ({
              getClient: async () =>
                plugin.getId() === 'pulse' ? h.knex : eventsKnex,
            }),
          }),
          catalogServiceMock.factory({ entities: [] }),
          mockServices.rootConfig.factory({
            data: {
              integrations: {
                github: [
                  {
                    host: 'github.com',
                    apiBaseUrl: h.sim.url,
                    token: TEST_TOKEN,
                  },
                ],
              },
              events: {
                useEventBus: 'never',
                http: { topics: ['github'] },
                modules: { github: { webhookSecret: SECRET } },
              },
            },
          }),
        ],
      });

      const events: WebhookEvent[] = [];
      while (
        !events.some(e => e.name === 'pull_request' && e.action === 'opened')
      ) {
        events.push(...h.sim.tick());
      }
      const opened = events.find(
        e => e.name === 'pull_request' && e.action === 'opened',
      )!;
      const number = (opened.payload.pull_request as any).number;
      const body = JSON.stringify(opened.payload);
      const deliver = (signature?: string, deliveryId = opened.deliveryId) => {
        const req = request(backend.server)
          .post('/api/events/http/github')
          .set('content-type', 'application/json')
          .set('x-github-event', opened.name)
          .set('x-github-delivery', deliveryId);
        if (signature) {
          req.set('x-hub-signature-256', signature);
        }
        return req.send(body);
      };
      const stored = () =>
        h.knex('pulse_github_pull_requests').where({ number });

      const forged = await deliver(sign(body, 'not-the-secret'));
      expect(forged.status).toBe(403);
      const unsigned = await deliver();
      expect(unsigned.status).toBe(403);
      const tampered = await deliver(
        sign(body.replace('"opened"', '"closed"')),
      );
      expect(tampered.status).toBe(403);
      expect(await stored()).toEqual([]);
      expect(await h.knex('pulse_github_webhook_deliveries')).toEqual([]);
      expect(await h.knex('pulse_events')).toEqual([]);

      const accepted = await deliver(sign(body));
      expect(accepted.status).toBe(202);
      // In the database by the time GitHub gets its 2xx.
      expect(await stored()).toHaveLength(1);
      expect(
        (await h.knex('pulse_events')).map(e => [e.type, e.entity_ref]),
      ).toEqual([['github.pull_request.updated', 'component:default/web']]);

      const duplicate = await deliver(sign(body));
      expect(duplicate.status).toBe(202);
      expect(await h.knex('pulse_events')).toHaveLength(1);

      await backend.stop();
      await eventsKnex.destroy();
      await h.stop();
    });
  },
);
