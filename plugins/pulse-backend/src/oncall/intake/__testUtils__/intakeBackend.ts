/**
 * The alert-intake test backend, shared by the intake's HTTP tests.
 */
import {
  coreServices,
  createBackendPlugin,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  TestDatabaseId,
  TestDatabases,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import express from 'express';
import Router from 'express-promise-router';
import { Knex } from 'knex';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { applyMigrations } from '../../../database/migrations';
import {
  componentEntity,
  groupEntity,
  systemEntity,
} from '../../../__testUtils__/entities';
import { DomainEventPublisher } from '../../../events/DomainEventPublisher';
import { RequestKit } from '../../../service/requestKit';
import { createRouter } from '../../../service/router';
import { FakeClock } from '../../__testUtils__/fixtures';
import {
  createIncidentServices,
  IncidentActions,
  IncidentIntake,
  IncidentStore,
} from '../../incidents';
import { HeartbeatMonitor } from '../heartbeats/HeartbeatMonitor';
import { setupAlertIntake } from '../index';

export const PD_KEY = 'e93facc04764012d7bfb002500d5d1a6';
export const PD_OTHER_KEY = '0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e';
/** A second integration of payments-api. */
export const PD_THIRD_KEY = 'ffeeddccbbaa99887766554433221100';

export const entities: Entity[] = [
  ...['payments-api', 'ledger', 'status-page'].map(name =>
    componentEntity(name),
  ),
  groupEntity('payments-team'),
  systemEntity('shop', { owner: 'payments-team' }),
];

/** A service token as Backstage's external access issues it: a service principal. */
export function serviceHeader(subject: string) {
  return mockCredentials.service.header({
    onBehalfOf: mockCredentials.service(subject),
    targetPluginId: 'pulse',
  });
}
export const ALERTMANAGER = serviceHeader('alertmanager');
export const GRAFANA = serviceHeader('grafana');

export function baseConfig(oncall: Record<string, unknown> = {}) {
  return {
    backend: {
      auth: {
        // What an adopter configures. The test backend's mock auth does not read it (it accepts
        // its own mock tokens), so the tests send mock service tokens with the same subjects.
        externalAccess: [
          {
            type: 'static',
            options: {
              token: 'alertmanager-0123456789',
              subject: 'alertmanager',
            },
            accessRestrictions: [{ plugin: 'pulse' }],
          },
        ],
      },
    },
    pulse: {
      oncall: {
        routingKeys: {
          [PD_KEY]: 'component:default/payments-api',
          [PD_OTHER_KEY]: 'ledger',
          [PD_THIRD_KEY]: 'payments-api',
        },
        heartbeats: [
          {
            id: 'nightly-backup',
            entityRef: 'component:default/ledger',
            intervalSeconds: 300,
          },
        ],
        ...oncall,
        intake: { maxBodyBytes: 16384, ...(oncall.intake as object) },
      },
    },
  };
}

export interface Handles {
  /** The people's room over the same incidents: reads, as the incidents API makes them. */
  incidents: IncidentActions;
  heartbeats: HeartbeatMonitor;
  scheduler: SchedulerService;
}

/**
 * The plugin as production wires intake: the on-call incident service, and the intake router
 * mounted by the plugin's root router before any JSON body parser, so it reads its own bodies.
 * With `behindJsonParser`, it sits behind a router that parses `application/json` bodies up to
 * 1 MB first, as an adopter's own wiring might.
 */
function intakeTestPlugin(
  handles: Partial<Handles>,
  clock: FakeClock,
  wrapIntake?: (intake: IncidentIntake) => IncidentIntake,
  behindJsonParser = false,
  patchStore?: (store: IncidentStore) => void,
) {
  return createBackendPlugin({
    pluginId: 'pulse',
    register(env) {
      env.registerInit({
        deps: {
          config: coreServices.rootConfig,
          logger: coreServices.logger,
          database: coreServices.database,
          httpRouter: coreServices.httpRouter,
          httpAuth: coreServices.httpAuth,
          auth: coreServices.auth,
          scheduler: coreServices.scheduler,
          permissions: coreServices.permissions,
          userInfo: coreServices.userInfo,
          catalog: catalogServiceRef,
        },
        async init(deps) {
          const knex = await deps.database.getClient();
          await applyMigrations(knex);
          const store = new IncidentStore(knex);
          patchStore?.(store);
          const { actions, intake } = createIncidentServices({
            knex,
            store,
            publisher: new DomainEventPublisher(knex, deps.logger),
            clock,
          });
          const { router, heartbeats } = await setupAlertIntake({
            ...deps,
            knex,
            intake: wrapIntake?.(intake) ?? intake,
            clock,
          });
          if (behindJsonParser) {
            // An outer router that parsed JSON first, as an adopter's own wiring might.
            const root = Router();
            root.use(express.json({ limit: '1mb' }));
            root.use('/v1', router);
            deps.httpRouter.use(root);
          } else {
            deps.httpRouter.use(
              await createRouter({
                kit: new RequestKit({ ...deps, decisionCacheMs: 0 }),
                knex,
                logger: deps.logger,
                intakeRouter: router,
                routes: [],
              }),
            );
          }
          Object.assign(handles, {
            incidents: actions,
            heartbeats,
            scheduler: deps.scheduler,
          });
        },
      });
    },
  });
}

/** Starts the test backend on a fresh database of `databaseId`. */
export async function startIntakeBackend(
  databases: TestDatabases,
  databaseId: TestDatabaseId,
  options: {
    oncall?: Record<string, unknown>;
    anonymousByDefault?: boolean;
    wrapIntake?: (intake: IncidentIntake) => IncidentIntake;
    /** Changes the incident store before the services use it (to make it fail on purpose). */
    patchStore?: (store: IncidentStore) => void;
    behindJsonParser?: boolean;
    /** Another replica: the database and clock of a backend already started. */
    knex?: Knex;
    clock?: FakeClock;
  } = {},
) {
  const knex: Knex = options.knex ?? (await databases.init(databaseId));
  const clock = options.clock ?? new FakeClock('2026-11-22T10:00:00Z');
  const handles: Partial<Handles> = {};
  const backend = await startTestBackend({
    features: [
      intakeTestPlugin(
        handles,
        clock,
        options.wrapIntake,
        options.behindJsonParser,
        options.patchStore,
      ),
      mockServices.database.factory({ knex }),
      mockServices.rootConfig.factory({ data: baseConfig(options.oncall) }),
      catalogServiceMock.factory({ entities }),
      ...(options.anonymousByDefault
        ? [
            mockServices.httpAuth.factory({
              defaultCredentials: mockCredentials.none(),
            }),
          ]
        : []),
    ],
  });
  const post = (path: string, header = ALERTMANAGER) =>
    request(backend.server)
      .post(`/api/pulse/v1/alerts/${path}`)
      .set('Authorization', header);
  return {
    knex,
    clock,
    post,
    server: backend.server,
    ...(handles as Handles),
  };
}

/** The incidents stored, oldest first. */
export function incidentRows(knex: Knex) {
  return knex('pulse_incidents')
    .select(
      'id',
      'dedup_key',
      'entity_ref',
      'status',
      'alert_count',
      'source',
      'severity',
      'title',
      'integration_key',
    )
    .orderBy([{ column: 'created_at' }, { column: 'dedup_key' }]);
}

/** Nothing at all was stored: no incident, no timeline entry, no event, no heartbeat ping. */
export async function expectNothingStored(knex: Knex) {
  for (const table of [
    'pulse_incidents',
    'pulse_incident_timeline',
    'pulse_events',
    'pulse_heartbeats',
  ]) {
    const [{ n }] = await knex(table).count({ n: '*' });
    expect([table, Number(n)]).toEqual([table, 0]);
  }
}

/** A response read by hand: status and JSON body. */
export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
}

/**
 * POSTs `chunks` to the backend as they are, without supertest: chunked (no content-length)
 * unless `contentLength` is given. With `stall`, the request is left open after the last chunk
 * (a sender that stopped mid-body); the promise settles when the server answers.
 */
export function postRaw(
  server: http.Server,
  path: string,
  options: {
    chunks: string[];
    authorization?: string;
    contentType?: string;
    contentLength?: number;
    stall?: boolean;
  },
): Promise<RawResponse> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: `/api/pulse/v1/alerts/${path}`,
        headers: {
          authorization: options.authorization ?? ALERTMANAGER,
          'content-type': options.contentType ?? 'application/json',
          ...(options.contentLength !== undefined && {
            'content-length': String(options.contentLength),
          }),
        },
      },
      res => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', chunk => {
          text += chunk;
        });
        res.on('end', () => {
          req.destroy();
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text ? JSON.parse(text) : undefined,
          });
        });
      },
    );
    req.on('error', reject);
    for (const chunk of options.chunks) {
      req.write(chunk);
    }
    if (!options.stall) {
      req.end();
    }
  });
}
