import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { permissionsServiceFactory } from '@backstage/backend-defaults/permissions';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import { userInfoServiceFactory } from '@backstage/backend-defaults/userInfo';
import {
  coreServices,
  createBackendModule,
  createServiceFactory,
  resolvePackagePath,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogEntityReadPermission } from '@backstage/plugin-catalog-common/alpha';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import { notificationService } from '@backstage/plugin-notifications-node';
import { isPermission } from '@backstage/plugin-permission-common';
import {
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { Server } from 'node:http';
import { resolve } from 'node:path';
import request from 'supertest';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import permissionPlugin from '@backstage/plugin-permission-backend';
import pulsePlugin from '@pulse-oss/plugin-pulse-backend';
import { PortalPermissionPolicy } from './permissionPolicy';
import { TestIdentityProvider } from './__testUtils__/identity';

jest.setTimeout(180_000);

/*
 * Every Pulse route against every kind of caller, in a backend with the real catalog (reading the
 * demo's examples/), the real permission backend with the demo portal's policy, the real auth and
 * httpAuth services checking real signed tokens, and Pulse.
 */

const EXAMPLES = resolve(
  resolvePackagePath('backend', 'package.json'),
  '../../../examples',
);

const USERS = {
  amelia: 'user:default/amelia.chen', // platform
  chloe: 'user:default/chloe.martin', // payments: owns payments-api, on payments-primary
  farid: 'user:default/farid.haddad', // storefront: another team
  hiro: 'user:default/hiro.tanaka', // storefront, and the catalog hides payments from him
};

const groupsOf: Record<string, string> = {
  [USERS.amelia]: 'group:default/platform',
  [USERS.chloe]: 'group:default/payments',
  [USERS.farid]: 'group:default/storefront',
  [USERS.hiro]: 'group:default/storefront',
};

const INTAKE_TOKEN = 'pulse-test-intake-token';
const CATALOG_ONLY_TOKEN = 'pulse-test-catalog-only-token';
const PULSE_EXTERNAL_TOKEN = 'pulse-test-unrestricted-external-token';

/**
 * The demo policy, plus one catalog rule for the tests: hiro sees only what his team owns, as a
 * portal that hides other teams' services would.
 */
class TestPolicy extends PortalPermissionPolicy {
  async handle(query: PolicyQuery, user?: PolicyQueryUser) {
    if (
      user?.info.userEntityRef === USERS.hiro &&
      isPermission(query.permission, catalogEntityReadPermission)
    ) {
      return createCatalogConditionalDecision(
        catalogEntityReadPermission,
        catalogConditions.isEntityOwner({
          claims: user.info.ownershipEntityRefs,
        }),
      );
    }
    return super.handle(query, user);
  }
}

type Role =
  | 'anonymous'
  | 'forged'
  | 'expired'
  | 'foreignIssuer'
  | 'otherPluginToken'
  | 'intakeToken'
  | 'externalToken'
  | 'invisible'
  | 'otherTeam'
  | 'owner'
  | 'platform';

const ROLES: Role[] = [
  'anonymous',
  'forged',
  'expired',
  'foreignIssuer',
  'otherPluginToken',
  'intakeToken',
  'externalToken',
  'invisible',
  'otherTeam',
  'owner',
  'platform',
];

/** What every caller without a usable identity gets, whatever the route. */
const TOKEN_LEVEL: Partial<Record<Role, number>> = {
  anonymous: 401,
  forged: 401,
  expired: 401,
  foreignIssuer: 401,
  otherPluginToken: 403,
  intakeToken: 403,
  externalToken: 403,
};

interface Fixture {
  incidentId: string;
  overrideId: string;
}

interface RouteCase {
  name: string;
  method: 'get' | 'post' | 'delete';
  /** A path under /api/pulse/v1; given fresh fixtures when it acts on them. */
  path: (fixture: Fixture) => string;
  body?: object;
  /** Expected status for the four users: invisible, otherTeam, owner, platform. */
  users: [number, number, number, number];
}

const P = '/entities/component/default/payments-api';
const S = '/schedules/payments-primary';

const ROUTES: RouteCase[] = [
  {
    name: 'list entities',
    method: 'get',
    path: () => '/entities',
    users: [200, 200, 200, 200],
  },
  {
    name: 'get entity',
    method: 'get',
    path: () => P,
    users: [404, 200, 200, 200],
  },
  {
    name: 'pull requests',
    method: 'get',
    path: () => `${P}/pull-requests`,
    users: [404, 200, 200, 200],
  },
  {
    name: 'workflow runs',
    method: 'get',
    path: () => `${P}/workflow-runs`,
    users: [404, 200, 200, 200],
  },
  {
    name: 'workflow summary',
    method: 'get',
    path: () => `${P}/workflow-summary`,
    users: [404, 200, 200, 200],
  },
  {
    name: 'sync status',
    method: 'get',
    path: () => `${P}/sync`,
    users: [404, 200, 200, 200],
  },
  {
    name: 'request sync',
    method: 'post',
    path: () => `${P}/sync`,
    users: [404, 403, 202, 202],
  },
  {
    name: 'entity on-call',
    method: 'get',
    path: () => `${P}/oncall`,
    users: [404, 200, 200, 200],
  },
  {
    name: 'list incidents',
    method: 'get',
    path: () => '/incidents',
    users: [200, 200, 200, 200],
  },
  {
    name: 'page the on-call',
    method: 'post',
    path: () => '/incidents',
    body: {
      entityRef: 'component:default/payments-api',
      title: 'Help',
      severity: 'warning',
    },
    users: [404, 201, 201, 201],
  },
  {
    name: 'get incident',
    method: 'get',
    path: f => `/incidents/${f.incidentId}`,
    users: [404, 200, 200, 200],
  },
  {
    name: 'acknowledge',
    method: 'post',
    path: f => `/incidents/${f.incidentId}/acknowledge`,
    users: [404, 403, 200, 200],
  },
  // Allowed, but a triggered incident cannot be unacknowledged: 409 shows the check passed.
  {
    name: 'unacknowledge',
    method: 'post',
    path: f => `/incidents/${f.incidentId}/unacknowledge`,
    users: [404, 403, 409, 409],
  },
  {
    name: 'resolve',
    method: 'post',
    path: f => `/incidents/${f.incidentId}/resolve`,
    body: { note: 'ok' },
    users: [404, 403, 200, 200],
  },
  {
    name: 'reassign',
    method: 'post',
    path: f => `/incidents/${f.incidentId}/reassign`,
    body: { userRef: USERS.chloe },
    users: [404, 403, 200, 200],
  },
  {
    name: 'escalate',
    method: 'post',
    path: f => `/incidents/${f.incidentId}/escalate`,
    users: [404, 403, 200, 200],
  },
  {
    name: 'note',
    method: 'post',
    path: f => `/incidents/${f.incidentId}/notes`,
    body: { text: 'looking' },
    users: [404, 403, 201, 201],
  },
  {
    name: 'list schedules',
    method: 'get',
    path: () => '/schedules',
    users: [200, 200, 200, 200],
  },
  {
    name: 'get schedule',
    method: 'get',
    path: () => S,
    users: [404, 404, 200, 200],
  },
  {
    name: 'shifts',
    method: 'get',
    path: () => `${S}/shifts`,
    users: [404, 404, 200, 200],
  },
  {
    name: 'list overrides',
    method: 'get',
    path: () => `${S}/overrides`,
    users: [404, 404, 200, 200],
  },
  {
    name: 'create override',
    method: 'post',
    path: () => `${S}/overrides`,
    body: overrideBody(),
    users: [404, 404, 201, 201],
  },
  {
    name: 'delete override',
    method: 'delete',
    path: f => `${S}/overrides/${f.overrideId}`,
    users: [404, 404, 204, 204],
  },
  {
    // Visible to all four (platform-primary pages for payments and storefront), changed by its
    // members only.
    name: 'create override on a schedule one only sees',
    method: 'post',
    path: () => '/schedules/platform-primary/overrides',
    body: overrideBody(USERS.amelia),
    users: [403, 403, 403, 201],
  },
];

function overrideBody(userRef: string = USERS.chloe) {
  const start = new Date(Date.now() + 60 * 60_000);
  const end = new Date(start.getTime() + 2 * 60 * 60_000);
  return { userRef, start: start.toISOString(), end: end.toISOString() };
}

describe('Pulse authorization in the demo portal', () => {
  let server: Server;
  let identity: TestIdentityProvider;
  let authIssuer: string;
  const headers = new Map<Role, string | undefined>();
  let stopBackend: () => Promise<void>;
  let pulseScheduler: SchedulerService | undefined;
  let last = '';

  function call(
    role: Role,
    method: RouteCase['method'],
    path: string,
    body?: object,
  ) {
    const req = request(server)[method](`/api/pulse/v1${path}`);
    const header = headers.get(role);
    if (header) req.set('Authorization', header);
    return body ? req.send(body) : req;
  }

  async function eventually<T>(
    what: string,
    fn: () => Promise<T | undefined>,
  ): Promise<T> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const value = await fn();
      if (value !== undefined) return value;
      if (Date.now() > deadline) {
        throw new Error(`Timed out waiting for ${what}; last answer: ${last}`);
      }
      await new Promise(r => setTimeout(r, 250));
    }
  }

  async function newIncident(): Promise<string> {
    const res = await request(server)
      .post('/api/pulse/v1/alerts/json')
      .set('Authorization', `Bearer ${INTAKE_TOKEN}`)
      .send({
        entityRef: 'component:default/payments-api',
        title: 'Error rate above 5%',
        severity: 'error',
        dedupKey: `matrix-${Math.random().toString(36).slice(2)}`,
      });
    expect(res.status).toBe(202);
    return res.body.incidentId;
  }

  async function newOverride(): Promise<string> {
    const res = await call(
      'platform',
      'post',
      `${S}/overrides`,
      overrideBody(),
    );
    expect(res.status).toBe(201);
    return res.body.id;
  }

  beforeAll(async () => {
    identity = await TestIdentityProvider.create(
      Object.fromEntries(
        Object.entries(groupsOf).map(([user, group]) => [user, [user, group]]),
      ),
    );
    const backend = await startTestBackend({
      features: [
        identity.plugin(),
        catalogPlugin,
        permissionPlugin,
        createBackendModule({
          pluginId: 'permission',
          moduleId: 'matrix-policy',
          register(reg) {
            reg.registerInit({
              deps: { policy: policyExtensionPoint },
              async init({ policy }) {
                policy.setPolicy(new TestPolicy());
              },
            });
          },
        }),
        pulsePlugin,
        createBackendModule({
          pluginId: 'pulse',
          moduleId: 'matrix-scheduler',
          register(reg) {
            reg.registerInit({
              deps: { scheduler: coreServices.scheduler },
              async init({ scheduler }) {
                pulseScheduler = scheduler;
              },
            });
          },
        }),
        authServiceFactory,
        httpAuthServiceFactory,
        userInfoServiceFactory,
        permissionsServiceFactory,
        // The real scheduler, so that the tracked-entity and directory refreshes run as they do in
        // the portal.
        schedulerServiceFactory,
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
              auth: {
                externalAccess: [
                  {
                    type: 'static',
                    options: { token: INTAKE_TOKEN, subject: 'monitoring' },
                    accessRestrictions: [
                      { plugin: 'pulse', permission: ['pulse.alert.create'] },
                    ],
                  },
                  {
                    type: 'static',
                    options: {
                      token: CATALOG_ONLY_TOKEN,
                      subject: 'catalog-reader',
                    },
                    accessRestrictions: [{ plugin: 'catalog' }],
                  },
                  {
                    type: 'static',
                    options: {
                      token: PULSE_EXTERNAL_TOKEN,
                      subject: 'some-tool',
                    },
                    accessRestrictions: [{ plugin: 'pulse' }],
                  },
                ],
              },
            },
            permission: { enabled: true },
            catalog: {
              rules: [
                {
                  allow: [
                    'Component',
                    'System',
                    'API',
                    'Resource',
                    'Location',
                    'User',
                    'Group',
                  ],
                },
              ],
              locations: [
                { type: 'file', target: `${EXAMPLES}/entities.yaml` },
                { type: 'file', target: `${EXAMPLES}/org.yaml` },
              ],
            },
            // GitHub is never reached: the sync fails fast against a closed port.
            integrations: {
              github: [
                {
                  host: 'github.com',
                  apiBaseUrl: 'http://127.0.0.1:9/api/v3',
                  token: 't',
                },
              ],
            },
            pulse: {
              catalog: {
                refresh: {
                  frequency: { seconds: 1 },
                  timeout: { seconds: 30 },
                },
              },
              github: { manualSyncCooldownSeconds: 0 },
              api: { validateResponses: true },
              oncall: {
                schedules: [
                  {
                    id: 'platform-primary',
                    name: 'Platform primary',
                    timeZone: 'Europe/Berlin',
                    layers: [
                      {
                        id: 'weekly',
                        members: ['group:default/platform'],
                        rotation: 'weekly',
                        handoffTime: '09:00',
                        start: '2026-01-05',
                      },
                    ],
                  },
                  {
                    id: 'payments-primary',
                    name: 'Payments primary',
                    timeZone: 'America/New_York',
                    layers: [
                      {
                        id: 'daily',
                        members: [USERS.chloe, 'user:default/dev.patel'],
                        rotation: 'daily',
                        handoffTime: '08:00',
                        start: '2026-01-01',
                      },
                    ],
                  },
                  {
                    id: 'storefront-primary',
                    name: 'Storefront primary',
                    timeZone: 'Europe/London',
                    layers: [
                      {
                        id: 'day',
                        members: ['group:default/storefront'],
                        rotation: 'daily',
                        handoffTime: '08:00',
                        start: '2026-01-01',
                      },
                    ],
                  },
                ],
                escalationPolicies: [
                  {
                    id: 'payments-critical',
                    name: 'Payments critical',
                    steps: [
                      {
                        delayMinutes: 5,
                        targets: [{ schedule: 'payments-primary' }],
                      },
                      {
                        delayMinutes: 10,
                        targets: [{ schedule: 'platform-primary' }],
                      },
                    ],
                  },
                  {
                    id: 'storefront-default',
                    name: 'Storefront default',
                    steps: [
                      {
                        delayMinutes: 5,
                        targets: [{ schedule: 'storefront-primary' }],
                      },
                      {
                        delayMinutes: 15,
                        targets: [{ schedule: 'platform-primary' }],
                      },
                    ],
                  },
                  {
                    id: 'platform-default',
                    name: 'Platform default',
                    steps: [
                      {
                        delayMinutes: 10,
                        targets: [{ schedule: 'platform-primary' }],
                      },
                    ],
                  },
                ],
                defaultEscalationPolicy: 'platform-default',
                groupEscalationPolicies: {
                  'group:default/payments': 'payments-critical',
                  'group:default/storefront': 'storefront-default',
                },
              },
            },
          },
        }),
      ],
    });
    server = backend.server;
    stopBackend = () => backend.stop();
    const port = (server.address() as { port: number }).port;
    authIssuer = `http://localhost:${port}/api/auth`;

    const bearer = (token: string) => `Bearer ${token}`;
    headers.set('anonymous', undefined);
    headers.set(
      'forged',
      bearer(await identity.forgedToken(USERS.farid, authIssuer)),
    );
    headers.set(
      'expired',
      bearer(
        await identity.userToken(USERS.chloe, {
          issuer: authIssuer,
          expiresInSeconds: -60,
        }),
      ),
    );
    headers.set(
      'foreignIssuer',
      bearer(
        await identity.userToken(USERS.amelia, {
          issuer: 'https://auth.elsewhere.example',
          foreign: true,
        }),
      ),
    );
    headers.set('otherPluginToken', bearer(CATALOG_ONLY_TOKEN));
    headers.set('intakeToken', bearer(INTAKE_TOKEN));
    headers.set('externalToken', bearer(PULSE_EXTERNAL_TOKEN));
    headers.set(
      'invisible',
      bearer(await identity.userToken(USERS.hiro, { issuer: authIssuer })),
    );
    headers.set(
      'otherTeam',
      bearer(await identity.userToken(USERS.farid, { issuer: authIssuer })),
    );
    headers.set(
      'owner',
      bearer(await identity.userToken(USERS.chloe, { issuer: authIssuer })),
    );
    headers.set(
      'platform',
      bearer(await identity.userToken(USERS.amelia, { issuer: authIssuer })),
    );

    // The catalog reads examples/ and Pulse refreshes its tracked entities and schedule audience
    // on their own schedules; wait for both before asking anything.
    await eventually('the catalog', async () => {
      const res = await call('platform', 'get', P);
      return res.status === 200 ? true : undefined;
    });
    await eventually('the catalog and the tracked entities', async () => {
      const res = await call('platform', 'get', `${P}/sync`);
      last = `${res.status} ${JSON.stringify(res.body)}`;
      return res.status === 200 ? true : undefined;
    });
    // The directory's first run may have read the catalog before it held every entity, and its
    // next run is minutes away: run it again until the schedule's audience is known.
    await eventually('the schedule audience', async () => {
      const res = await call('otherTeam', 'get', '/schedules/platform-primary');
      last = `${res.status} ${JSON.stringify(res.body)}`;
      if (res.status === 200) return true;
      await pulseScheduler!.triggerTask('pulse-oncall-directory').catch(() => {
        // A run is under way; the next attempt triggers another once it has ended.
      });
      return undefined;
    });
  });

  afterAll(async () => {
    await stopBackend?.();
  });

  describe.each(ROUTES)('$method $name', route => {
    it.each(ROLES)('as %s', async role => {
      const fixture: Fixture = {
        incidentId: route
          .path({ incidentId: 'x', overrideId: 'x' })
          .includes('/incidents/x')
          ? await newIncident()
          : 'unused',
        overrideId: route
          .path({ incidentId: 'x', overrideId: 'x' })
          .includes('/overrides/x')
          ? await newOverride()
          : 'unused',
      };
      const userIndex = ['invisible', 'otherTeam', 'owner', 'platform'].indexOf(
        role,
      );
      const expected =
        userIndex >= 0 ? route.users[userIndex] : TOKEN_LEVEL[role]!;
      const res = await call(
        role,
        route.method,
        route.path(fixture),
        route.body,
      );
      expect({
        status: res.status,
        namesItsError: typeof res.body?.error?.name === 'string',
      }).toEqual({ status: expected, namesItsError: expected >= 400 });
      // A refused action changed nothing.
      const refusedOnIncident =
        expected >= 400 && fixture.incidentId !== 'unused';
      const after = refusedOnIncident
        ? await call('platform', 'get', `/incidents/${fixture.incidentId}`)
        : undefined;
      const untouched = {
        status: 'triggered',
        userTimelineEntries: [],
      };
      expect(
        after && {
          status: after.body.status,
          userTimelineEntries: after.body.timeline.filter(
            (e: { actor: string | null }) => e.actor?.startsWith('user:'),
          ),
        },
      ).toEqual(refusedOnIncident ? untouched : undefined);
    });
  });

  it('lists only what each caller may see', async () => {
    const incidentId = await newIncident();
    const entities = await call('invisible', 'get', '/entities');
    const refs = entities.body.items.map(
      (e: { entityRef: string }) => e.entityRef,
    );
    expect(refs).toContain('component:default/storefront-web');
    expect(refs).not.toContain('component:default/payments-api');

    const hidden = await call(
      'invisible',
      'get',
      '/incidents?status=triggered',
    );
    expect(hidden.body.items.map((i: { id: string }) => i.id)).not.toContain(
      incidentId,
    );
    const shown = await call('otherTeam', 'get', '/incidents?status=triggered');
    expect(shown.body.items.map((i: { id: string }) => i.id)).toContain(
      incidentId,
    );

    const schedules = async (role: Role) =>
      (await call(role, 'get', '/schedules')).body.items
        .map((s: { id: string }) => s.id)
        .sort();
    expect(await schedules('platform')).toEqual([
      'payments-primary',
      'platform-primary',
      'storefront-primary',
    ]);
    expect(await schedules('owner')).toEqual([
      'payments-primary',
      'platform-primary',
    ]);
    expect(await schedules('otherTeam')).toEqual([
      'platform-primary',
      'storefront-primary',
    ]);
  });

  it('lets intake credentials post alerts and refuses them to people', async () => {
    const body = {
      entityRef: 'component:default/payments-api',
      title: 'Disk full',
      severity: 'warning',
      dedupKey: 'matrix-disk-full',
    };
    for (const [role, status] of [
      ['intakeToken', 202],
      ['externalToken', 202],
      ['otherPluginToken', 403],
      ['owner', 403],
      ['platform', 403],
      ['anonymous', 401],
    ] as const) {
      const res = await call(role, 'post', '/alerts/json', body);
      expect({ role, status: res.status }).toEqual({ role, status });
    }
  });

  it('tells a service token why an action is refused, naming it', async () => {
    const incidentId = await newIncident();
    const res = await call(
      'intakeToken',
      'post',
      `/incidents/${incidentId}/acknowledge`,
    );
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain("'monitoring'");
  });
});
