import {
  BackstageCredentials,
  BackstageUserPrincipal,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import eventsPlugin from '@backstage/plugin-events-backend';
import { eventsServiceFactory } from '@backstage/plugin-events-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import signalsPlugin from '@backstage/plugin-signals-backend';
import { WebhookEvent } from '@internal/github-simulator';
import { Knex } from 'knex';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import WebSocket from 'ws';
import { pulsePlugin } from '../plugin';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import {
  createHarness,
  Harness,
  TEST_TOKEN,
} from '../github/__testUtils__/harness';

jest.setTimeout(120_000);

/*
 * Scale-out: two backend processes' worth of Pulse on one PostgreSQL, with the events backend's
 * database bus between them. A webhook answered by replica A reaches a signals client connected
 * to replica B as a hint, and B's REST API serves the change. SQLite runs in one process only, so
 * this runs on PostgreSQL alone.
 */

const databases: TestDatabases = createTestDatabases();
const SECRET = 'pulse-test-webhook-secret';
const ENTITY = 'component:default/web';

/** Whether a request to the catalog or the permission service is the outsider's. */
function isOutsider(options: unknown): boolean {
  const { credentials } = (options ?? {}) as {
    credentials?: BackstageCredentials<BackstageUserPrincipal>;
  };
  return credentials?.principal?.userEntityRef === 'user:default/outsider';
}

const entities: Entity[] = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'web',
      namespace: 'default',
      annotations: { 'github.com/project-slug': 'acme/web' },
    },
    spec: {},
  },
];

/** The GitHub events module's features, without its default export's dynamic import. */
function githubEventsModules() {
  const dist = require
    .resolve('@backstage/plugin-events-backend-module-github/package.json')
    .replace(/package\.json$/, 'dist/service/');
  return [
    require(`${dist}eventsModuleGithubWebhook.cjs.js`).default,
    require(`${dist}eventsModuleGithubEventRouter.cjs.js`).default,
  ];
}

async function startReplica(h: Harness, eventsKnex: Knex) {
  return startTestBackend({
    features: [
      pulsePlugin,
      eventsPlugin,
      signalsPlugin,
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
      // The policy keeps the outsider out of the catalog, and the catalog hides the entity.
      mockServices.permissions.mock({
        authorize: async requests =>
          requests.map(() => ({ result: AuthorizeResult.ALLOW })),
        authorizeConditional: async (requests, options) =>
          requests.map(({ permission }) => ({
            result:
              isOutsider(options) && permission.name === 'catalog.entity.read'
                ? AuthorizeResult.DENY
                : AuthorizeResult.ALLOW,
          })),
      }).factory,
      catalogServiceMock.mock({
        getEntityByRef: async (_ref, options) =>
          isOutsider(options) ? undefined : entities[0],
        getEntitiesByRefs: async (query, options) => ({
          items: query.entityRefs.map(ref =>
            isOutsider(options) || ref !== ENTITY ? undefined : entities[0],
          ),
        }),
      }).factory,
      mockServices.rootConfig.factory({
        data: {
          integrations: {
            github: [
              { host: 'github.com', apiBaseUrl: h.sim.url, token: TEST_TOKEN },
            ],
          },
          events: {
            useEventBus: 'always',
            http: { topics: ['github'] },
            modules: { github: { webhookSecret: SECRET } },
          },
        },
      }),
    ],
  });
}

/** A signals client, authenticated as the mock user, subscribed to one channel. */
async function signalsClient(
  server: import('node:http').Server,
  channel: string,
) {
  // The signals router starts handling WebSocket upgrades when the first request with an upgrade
  // header reaches it (and leaves that request unanswered, as a browser's first attempt: its
  // client reconnects). Send one over plain HTTP and drop it once the handler is in place.
  const { port } = server.address() as AddressInfo;
  const before = server.listenerCount('upgrade');
  const prime = http.get({
    host: '127.0.0.1',
    port,
    path: '/api/signals',
    headers: { upgrade: 'websocket' },
  });
  prime.on('error', () => undefined);
  while (server.listenerCount('upgrade') === before) {
    await new Promise(resolve => setImmediate(resolve));
  }
  prime.destroy();
  const ws = new WebSocket(
    `ws://127.0.0.1:${port}/api/signals`,
    mockCredentials.user.token(),
  );
  const messages: Array<{ channel: string; message: Record<string, unknown> }> =
    [];
  const waiting: Array<() => void> = [];
  ws.on('message', data => {
    messages.push(JSON.parse(String(data)));
    waiting.splice(0).forEach(wake => wake());
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ action: 'subscribe', channel }));
  return {
    ws,
    messages,
    /** Waits for a message matching `test`, however long the bus takes (the test's timeout bounds it). */
    async next(
      test: (m: {
        channel: string;
        message: Record<string, unknown>;
      }) => boolean,
    ) {
      for (;;) {
        const found = messages.find(test);
        if (found) return found;
        await new Promise<void>(resolve => waiting.push(resolve));
      }
    },
  };
}

const postgres = databases
  .eachSupportedId()
  .filter(([id]) => id.startsWith('POSTGRES'));

describe.each(postgres)('live hints across two replicas on %s', databaseId => {
  it('a webhook answered by one replica reaches a client of the other, whose REST shows it', async () => {
    const h = await createHarness({
      knex: await databases.init(databaseId),
      repositories: ['acme/web'],
    });
    const eventsKnex = await databases.init(databaseId);
    const a = await startReplica(h, eventsKnex);
    const b = await startReplica(h, eventsKnex);
    const client = await signalsClient(b.server, `pulse:entity:${ENTITY}`);

    const events: WebhookEvent[] = [];
    while (
      !events.some(e => e.name === 'pull_request' && e.action === 'opened')
    ) {
      events.push(...h.sim.tick());
    }
    const opened = events.find(
      e => e.name === 'pull_request' && e.action === 'opened',
    )!;
    const number = (opened.payload.pull_request as { number: number }).number;
    const body = JSON.stringify(opened.payload);
    const delivered = await request(a.server)
      .post('/api/events/http/github')
      .set('content-type', 'application/json')
      .set('x-github-event', opened.name)
      .set('x-github-delivery', opened.deliveryId)
      .set(
        'x-hub-signature-256',
        `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
      )
      .send(body);
    expect(delivered.status).toBe(202);

    const hint = await client.next(
      m =>
        m.message.topic === 'pull-requests' && m.message.entityRef === ENTITY,
    );
    // A hint is an invalidation: which entity, which topic, a version. Nothing of the PR.
    expect(Object.keys(hint.message).sort()).toEqual([
      'entityRef',
      'topic',
      'version',
    ]);
    expect(JSON.stringify(hint)).not.toContain(
      String((opened.payload.pull_request as any).title),
    );

    const fetched = await request(b.server)
      .get(
        '/api/pulse/v1/entities/component/default/web/pull-requests?state=all',
      )
      .set('Authorization', mockCredentials.user.header());
    expect(fetched.status).toBe(200);
    expect(
      fetched.body.items.map((p: { number: number }) => p.number),
    ).toContain(number);
    expect(fetched.body.version).toBeGreaterThanOrEqual(
      hint.message.version as number,
    );

    // Whoever may not see the entity gets a hint if they ask for its channel, but no data.
    const outsider = await request(b.server)
      .get('/api/pulse/v1/entities/component/default/web/pull-requests')
      .set(
        'Authorization',
        mockCredentials.user.header('user:default/outsider'),
      );
    expect(outsider.status).toBe(404);

    client.ws.close();
    // The events bus long-polls over HTTP; cut those requests rather than wait for them to end.
    a.server.closeAllConnections();
    b.server.closeAllConnections();
    await a.stop();
    await b.stop();
    await h.engine.stop();
    await h.sim.stop();
  });
});
