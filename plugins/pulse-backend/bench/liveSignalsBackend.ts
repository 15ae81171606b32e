/**
 * One Pulse backend for the live-signals benchmark, in a process of its own so that its memory is
 * the backend's alone: Pulse, the signals backend, the events backend with the GitHub webhook
 * modules, and the real auth, httpAuth and userInfo services checking signed user tokens (the
 * sign-in half of the auth backend is `BenchIdentityProvider`). Every plugin gets its own database
 * on PostgreSQL, as a portal configures it (`backend.database` with a prefix); two processes with
 * the same prefix are two replicas of one portal. The scheduler is idle: GitHub is never polled,
 * changes arrive by webhook only.
 *
 * Started by `live-signals.ts` with its options as JSON in argv; answers `rss` (after a full
 * garbage collection), `cpu` (the process's CPU time so far) and `stop` over IPC.
 */
import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { userInfoServiceFactory } from '@backstage/backend-defaults/userInfo';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import eventsPlugin from '@backstage/plugin-events-backend';
import { eventsServiceFactory } from '@backstage/plugin-events-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import signalsPlugin from '@backstage/plugin-signals-backend';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { BenchIdentityProvider } from './identity';
import { idleSchedulerServiceFactory } from './idleScheduler';
import { pulsePlugin } from '../src/plugin';

export interface LiveBackendOptions {
  postgresUrl: string;
  databasePrefix: string;
  webhookSecret: string;
  /** `always` on two replicas: hints reach every replica through the database bus. */
  useEventBus: 'always' | 'never' | 'auto';
  /** Users to mint tokens for (one per client). */
  users: string[];
}

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

/**
 * The signals router installs its WebSocket upgrade handler when the first request with an upgrade
 * header reaches it, and leaves that request unanswered (a browser's client reconnects). Send one
 * and drop it once the handler is in place.
 */
async function primeSignals(server: http.Server) {
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
    await new Promise(resolve => setTimeout(resolve, 5));
  }
  prime.destroy();
}

async function run() {
  const options: LiveBackendOptions = JSON.parse(process.argv[2]);
  // eslint-disable-next-line no-console
  console.log = console.error;
  const identity = await BenchIdentityProvider.create({});
  const backend = await startTestBackend({
    features: [
      identity.plugin(),
      pulsePlugin,
      eventsPlugin,
      signalsPlugin,
      eventsServiceFactory,
      ...githubEventsModules(),
      authServiceFactory,
      httpAuthServiceFactory,
      userInfoServiceFactory,
      idleSchedulerServiceFactory,
      catalogServiceMock.factory({ entities: [] }),
      createServiceFactory({
        service: notificationService,
        deps: {},
        factory: () => ({ send: async () => {} }),
      }),
      mockServices.rootConfig.factory({
        data: {
          app: { baseUrl: 'http://localhost:3000' },
          backend: {
            baseUrl: 'http://localhost:7007',
            database: {
              client: 'pg',
              connection: options.postgresUrl,
              prefix: options.databasePrefix,
            },
          },
          // GitHub is never reached: the scheduler is idle.
          integrations: {
            github: [
              {
                host: 'github.com',
                apiBaseUrl: 'http://127.0.0.1:9/api/v3',
                token: 't',
              },
            ],
          },
          events: {
            useEventBus: options.useEventBus,
            http: { topics: ['github'] },
            modules: { github: { webhookSecret: options.webhookSecret } },
          },
        },
      }),
    ],
  });
  const server = backend.server as http.Server;
  await primeSignals(server);
  const { port } = server.address() as AddressInfo;
  const issuer = `http://localhost:${port}/api/auth`;
  const tokens: string[] = [];
  for (const user of options.users) {
    tokens.push(await identity.userToken(user, { issuer }));
  }
  process.send!({ type: 'ready', port, tokens });

  process.on('message', async (message: { type: string }) => {
    if (message.type === 'rss') {
      (globalThis as { gc?: () => void }).gc?.();
      await new Promise(resolve => setTimeout(resolve, 200));
      (globalThis as { gc?: () => void }).gc?.();
      const usage = process.memoryUsage();
      process.send!({ type: 'rss', rss: usage.rss, heapUsed: usage.heapUsed });
    } else if (message.type === 'cpu') {
      const usage = process.cpuUsage();
      process.send!({ type: 'cpu', microseconds: usage.user + usage.system });
    } else if (message.type === 'stop') {
      // The events bus long-polls over HTTP; cut those requests rather than wait for them.
      server.closeAllConnections();
      setTimeout(() => process.exit(0), 5000).unref();
      await backend.stop().catch(() => undefined);
      process.exit(0);
    }
  });
}

run().catch(error => {
  process.stderr.write(`live backend failed: ${error?.stack ?? error}\n`);
  process.exit(1);
});
