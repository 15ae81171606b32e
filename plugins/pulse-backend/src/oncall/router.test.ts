import { createServiceFactory } from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { notificationService } from '@backstage/plugin-notifications-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import request from 'supertest';
import { pulseClockServiceRef } from '../service/clock';
import { componentEntity, userEntity } from '../__testUtils__/entities';
import { startPulseTestBackend } from '../__testUtils__/testBackend';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { RecordingNotifications } from './__testUtils__/engine';
import { oncallConfigData } from './__testUtils__/fixtures';

jest.setTimeout(60_000);

const databases = createTestDatabases();

const CALLER = 'user:default/mock';
const NO_SUCH_ID = '6f1c9a52-3b7e-4d0a-9c85-2e4f1a7b3c90';

const SERVICE_SPEC = { type: 'service', lifecycle: 'production' };

/** The world of these tests: early May 2025, before the overrides they create. */
const clock = { now: () => new Date('2025-05-01T06:00:00Z') };

const entities: Entity[] = [
  ...['mock', 'alice', 'bob', 'carol', 'dave'].map(userEntity),
  componentEntity('payments-api', {
    annotations: { 'pulse.dev/escalation-policy': 'with-ack-timeout' },
    owner: 'group:default/payments',
    spec: SERVICE_SPEC,
  }),
  componentEntity('ledger', {
    annotations: { 'pulse.dev/escalation-policy': 'no-such-policy' },
    owner: 'group:default/payments',
    spec: SERVICE_SPEC,
  }),
  componentEntity('storefront', {
    owner: 'group:default/web',
    spec: SERVICE_SPEC,
  }),
];

const appConfig = {
  app: { baseUrl: 'http://localhost:3000' },
  pulse: {
    oncall: {
      ...oncallConfigData,
      groupEscalationPolicies: { 'group:default/payments': 'payments' },
      escalation: {
        schedule: { frequency: { minutes: 30 }, timeout: { minutes: 1 } },
      },
    },
  },
};

type Decide = (
  permission: string,
) => AuthorizeResult.ALLOW | AuthorizeResult.DENY;

describe.each(databases.eachSupportedId())(
  'on-call REST API on %s',
  databaseId => {
    async function start(
      options: { decide?: Decide; anonymous?: boolean } = {},
    ) {
      const knex = await databases.init(databaseId);
      const notifications = new RecordingNotifications();
      const decide = options.decide ?? (() => AuthorizeResult.ALLOW);
      const { backend, server } = await startPulseTestBackend({
        knex,
        config: appConfig,
        entities,
        decide: name => decide(name) === AuthorizeResult.ALLOW,
        ownership: ref => [ref, 'group:default/payments'],
        features: [
          createServiceFactory({
            service: notificationService,
            deps: {},
            factory: () => notifications,
          }),
          createServiceFactory({
            service: pulseClockServiceRef,
            deps: {},
            factory: () => clock,
          }),
          ...(options.anonymous
            ? [
                mockServices.httpAuth.factory({
                  defaultCredentials: mockCredentials.none(),
                }),
              ]
            : []),
        ],
      });
      const auth = mockCredentials.user.header(CALLER);
      const api = {
        get: (path: string) =>
          request(server)
            .get(`/api/pulse/v1${path}`)
            .set('Authorization', auth),
        post: (path: string, body?: object) =>
          request(server)
            .post(`/api/pulse/v1${path}`)
            .set('Authorization', auth)
            .send(body ?? {}),
        delete: (path: string) =>
          request(server)
            .delete(`/api/pulse/v1${path}`)
            .set('Authorization', auth),
      };
      return { server, backend, knex, api, notifications };
    }

    it('pages the on-call by hand and works the incident through its life', async () => {
      const { api, backend, notifications, knex } = await start();
      const created = await api.post('/incidents', {
        entityRef: 'component:default/payments-api',
        title: 'Refunds failing',
        severity: 'error',
        details: 'Customers report failed refunds',
      });
      expect(created.status).toBe(201);
      const id = created.body.id;
      expect(created.body).toMatchObject({
        status: 'triggered',
        source: 'manual',
        entityRef: 'component:default/payments-api',
        escalationPolicyId: 'with-ack-timeout',
        htmlUrl: `http://localhost:3000/pulse/incidents/${id}`,
      });

      // Creating it runs the escalation at once: alice, the policy's first step, is paged.
      await waitFor(async () => {
        const { body } = await api.get(`/incidents/${id}`);
        return body.timeline.some((e: any) => e.type === 'notified');
      });
      expect(notifications.sent).toHaveLength(1);
      expect(notifications.sent[0]).toMatchObject({
        recipients: ['user:default/alice'],
        scope: `${id}:0:0`,
        link: `/pulse/incidents/${id}`,
      });

      const detail = await api.get(`/incidents/${id}`);
      expect(detail.status).toBe(200);
      expect(detail.body.rawPayload).toEqual({
        details: 'Customers report failed refunds',
      });
      expect(detail.body.timeline.map((e: any) => e.type)).toEqual([
        'created',
        'notified',
      ]);

      const acked = await api.post(`/incidents/${id}/acknowledge`);
      expect(acked.status).toBe(200);
      expect(acked.body).toMatchObject({ status: 'acknowledged' });
      expect(acked.body.timeToAcknowledgeSeconds).toEqual(expect.any(Number));

      const withdrawn = await api.post(`/incidents/${id}/unacknowledge`);
      expect(withdrawn.status).toBe(200);
      expect(withdrawn.body).toMatchObject({ status: 'triggered' });
      expect(withdrawn.body.nextEscalationAt).toEqual(expect.any(String));
      // Only an acknowledged incident can be unacknowledged.
      const again = await api.post(`/incidents/${id}/unacknowledge`);
      expect(again.status).toBe(409);
      expect(again.body.error.message).toMatch(/it is triggered/);
      expect(
        (await api.post(`/incidents/${id}/acknowledge`)).body,
      ).toMatchObject({ status: 'acknowledged' });

      const note = await api.post(`/incidents/${id}/notes`, {
        text: 'Rolling back 1.4.2',
      });
      expect(note.status).toBe(201);
      expect(note.body).toMatchObject({
        type: 'note',
        actor: CALLER,
        message: 'Rolling back 1.4.2',
      });

      const escalated = await api.post(`/incidents/${id}/escalate`);
      expect(escalated.body).toMatchObject({ status: 'triggered' });
      // Escalating pages the next step in the background, and that page assigns its targets:
      // wait for it, so that the reassignment below comes after it, as a person's would.
      await waitFor(async () => {
        const { body } = await api.get(`/incidents/${id}`);
        const types: string[] = body.timeline.map((e: any) => e.type);
        return types.lastIndexOf('notified') > types.lastIndexOf('escalated');
      });

      const reassigned = await api.post(`/incidents/${id}/reassign`, {
        userRef: CALLER,
      });
      expect(reassigned.body).toMatchObject({ assignees: [CALLER] });
      const mine = await api.get('/incidents?mine=true');
      expect(mine.body.items.map((i: any) => i.id)).toEqual([id]);
      const team = await api.get(
        '/incidents?team=true&status=triggered,acknowledged',
      );
      expect(team.body.items.map((i: any) => i.id)).toEqual([id]);

      const toPolicy = await api.post(`/incidents/${id}/reassign`, {
        policyId: 'payments',
      });
      expect(toPolicy.body).toMatchObject({
        escalationPolicyId: 'payments',
        assignees: [],
      });

      const resolved = await api.post(`/incidents/${id}/resolve`, {
        note: 'Rolled back',
      });
      expect(resolved.body).toMatchObject({
        status: 'resolved',
        nextEscalationAt: null,
      });

      for (const action of ['acknowledge', 'resolve', 'escalate']) {
        const conflict = await api.post(`/incidents/${id}/${action}`);
        expect(conflict.status).toBe(409);
        expect(conflict.body.error.name).toBe('ConflictError');
      }
      const reassignResolved = await api.post(`/incidents/${id}/reassign`, {
        userRef: CALLER,
      });
      expect(reassignResolved.status).toBe(409);

      const list = await api.get(
        '/incidents?status=resolved&severity=error&entityRef=component:default/payments-api',
      );
      expect(list.body).toEqual({
        items: [expect.objectContaining({ id })],
        nextCursor: null,
      });
      expect((await api.get('/incidents?status=triggered')).body.items).toEqual(
        [],
      );
      expect(
        (
          await api.get(
            '/incidents?team=true&entityRef=component:default/storefront',
          )
        ).body.items,
      ).toEqual([]);

      const audited = (await knex('pulse_events').select('type')).map(
        e => e.type,
      );
      expect(audited).toEqual(
        expect.arrayContaining([
          'incident.created',
          'incident.notified',
          'incident.acknowledged',
          'incident.unacknowledged',
          'incident.note_added',
          'incident.escalated',
          'incident.reassigned',
          'incident.resolved',
        ]),
      );
      await backend.stop();
    });

    it('pages an escalation made while a run is still paging', async () => {
      const { api, backend, notifications } = await start();
      const first = await api.post('/incidents', {
        entityRef: 'component:default/payments-api',
        title: 'Checkout errors',
        severity: 'error',
      });
      expect(first.status).toBe(201);
      const id = first.body.id;
      await waitFor(async () => notifications.sent.length === 1);

      // Hold the next page in flight: the run sending it has read what was due before the
      // escalation below, and the scheduler refuses to trigger a task that is running.
      let releaseHeldPage = () => {};
      const heldPage = new Promise<void>(resolve => {
        releaseHeldPage = resolve;
      });
      let heldPageStarted = () => {};
      const heldPageSending = new Promise<void>(resolve => {
        heldPageStarted = resolve;
      });
      notifications.onSend = async () => {
        notifications.onSend = undefined;
        heldPageStarted();
        await heldPage;
      };
      const second = await api.post('/incidents', {
        entityRef: 'component:default/storefront',
        title: 'Slow pages',
        severity: 'warning',
      });
      expect(second.status).toBe(201);
      await heldPageSending;

      const escalated = await api.post(`/incidents/${id}/escalate`);
      expect(escalated.status).toBe(200);
      releaseHeldPage();

      // The schedule ticks every 30 minutes here: only a run that goes round again pages bob,
      // the second step of the first incident's policy.
      await waitFor(async () =>
        notifications.sent.some(n => n.scope === `${id}:1:0`),
      );
      expect(
        notifications.sent.find(n => n.scope === `${id}:1:0`)?.recipients,
      ).toEqual(['user:default/bob']);
      await backend.stop();
    });

    it('escalates to the next step after a page that went out while it was acknowledged', async () => {
      const { api, backend, notifications } = await start();
      const created = await api.post('/incidents', {
        entityRef: 'component:default/payments-api',
        title: 'Refunds failing',
        severity: 'error',
      });
      const id = created.body.id;
      await waitFor(async () => notifications.sent.length === 1);
      expect((await api.post(`/incidents/${id}/acknowledge`)).body.status).toBe(
        'acknowledged',
      );

      // Withdrawing the acknowledgement pages alice again; hold that page in flight and
      // acknowledge while it is: the engine checked the incident before, and sends anyway.
      let releaseHeldPage = () => {};
      const heldPage = new Promise<void>(resolve => {
        releaseHeldPage = resolve;
      });
      let heldPageStarted = () => {};
      const heldPageSending = new Promise<void>(resolve => {
        heldPageStarted = resolve;
      });
      notifications.onSend = async () => {
        notifications.onSend = undefined;
        heldPageStarted();
        await heldPage;
      };
      await api.post(`/incidents/${id}/unacknowledge`);
      await heldPageSending;
      expect((await api.post(`/incidents/${id}/acknowledge`)).body.status).toBe(
        'acknowledged',
      );
      releaseHeldPage();
      await waitFor(async () => {
        const { body } = await api.get(`/incidents/${id}`);
        return (
          body.timeline.filter((e: any) => e.type === 'notified').length === 2
        );
      });
      expect(notifications.sent.map(n => n.recipients)).toEqual([
        ['user:default/alice'],
        ['user:default/alice'],
      ]);

      const escalated = await api.post(`/incidents/${id}/escalate`);
      expect(escalated.body.status).toBe('triggered');
      await waitFor(async () => notifications.sent.length === 3);
      expect(notifications.sent[2].recipients).toEqual(['user:default/bob']);
      await backend.stop();
    });

    it('answers 400 naming the field for bad input', async () => {
      const { api, backend } = await start();
      const { body: incident } = await api.post('/incidents', {
        entityRef: 'component:default/storefront',
        title: 'Slow pages',
        severity: 'warning',
      });
      const cases: Array<[Promise<request.Response>, RegExp]> = [
        [
          api.post('/incidents', {
            entityRef: 'component:default/storefront',
            severity: 'error',
          }),
          /body field 'title': is required/,
        ],
        [
          api.post('/incidents', {
            entityRef: 'component:default/storefront',
            title: 'x',
            severity: 'bad',
          }),
          /body field 'severity'/,
        ],
        [
          api.post('/incidents', {
            entityRef: 'storefront!',
            title: 'x',
            severity: 'info',
          }),
          /body field 'entityRef'/,
        ],
        [api.get('/incidents?status=bogus'), /query parameter 'status/],
        [api.get('/incidents?limit=0'), /query parameter 'limit'/],
        [api.get('/incidents?cursor=garbage'), /query parameter 'cursor'/],
        [api.get('/incidents?mine=maybe'), /query parameter 'mine'/],
        [api.get('/incidents?assignee=alice'), /query parameter 'assignee'/],
        [
          api.post(`/incidents/${incident.id}/reassign`, {}),
          /give exactly one of userRef or policyId/,
        ],
        [
          api.post(`/incidents/${incident.id}/reassign`, {
            userRef: 'user:default/a',
            policyId: 'payments',
          }),
          /give exactly one/,
        ],
        [
          api.post(`/incidents/${incident.id}/reassign`, {
            userRef: 'group:default/payments',
          }),
          /^userRef: /,
        ],
        [
          api.post(`/incidents/${incident.id}/reassign`, { policyId: 'nope' }),
          /^policyId: unknown escalation policy/,
        ],
        [
          api.post(`/incidents/${incident.id}/notes`, { text: '  ' }),
          /body field 'text': must not be blank/,
        ],
        [
          api.post(`/incidents/${incident.id}/resolve`, { note: 5 }),
          /body field 'note'/,
        ],
        [
          api.get(
            '/schedules/primary/shifts?from=2025-05-05T00:00:00Z&to=2025-05-01T00:00:00Z',
          ),
          /^to: must be after from/,
        ],
        [
          api.get(
            '/schedules/primary/shifts?from=2025-05-01T00:00:00Z&to=2025-06-15T00:00:00Z',
          ),
          /query parameter 'to': the range may span at most 31 days/,
        ],
        [
          api.get('/schedules/primary/shifts?from=yesterday'),
          /query parameter 'from': must match format "date-time"/,
        ],
        [
          api.post('/schedules/primary/overrides', {
            userRef: 'bob',
            start: '2025-05-05T10:00:00Z',
            end: '2025-05-05T12:00:00Z',
          }),
          /body field 'userRef'/,
        ],
        [
          api.post('/schedules/primary/overrides', {
            userRef: 'user:default/bob',
            start: '2025-05-05T10:00:00Z',
            end: '2025-05-05T09:00:00Z',
          }),
          /^end: must be after start/,
        ],
        [
          api.post('/schedules/primary/overrides', {
            userRef: 'user:default/bob',
            start: 'soon',
            end: '2025-05-05T09:00:00Z',
          }),
          /body field 'start'/,
        ],
        [
          api.post('/schedules/primary/overrides', {
            userRef: 'user:default/bob',
            start: '2025-05-05T10:00:00Z',
            end: '2025-05-05T12:00:00Z',
            layerId: 'nope',
          }),
          /^layerId: no layer "nope"/,
        ],
        [
          api.post('/schedules/primary/overrides', {
            start: '2025-05-05T10:00:00Z',
          }),
          /body field 'userRef': is required/,
        ],
        [
          api.get('/entities/component/default/bad%20name/oncall'),
          /path parameter 'name'/,
        ],
      ];
      for (const [response, message] of cases) {
        const res = await response;
        expect({
          status: res.status,
          message: res.body.error?.message,
        }).toEqual({
          status: 400,
          message: expect.stringMatching(message),
        });
        expect(res.body.error.name).toBe('InputError');
      }
      await backend.stop();
    });

    it('answers 404 for unknown incidents, schedules, overrides and entities', async () => {
      const { api, backend } = await start();
      const responses = await Promise.all([
        api.get(`/incidents/${NO_SUCH_ID}`),
        api.post(`/incidents/${NO_SUCH_ID}/acknowledge`),
        api.post(`/incidents/${NO_SUCH_ID}/unacknowledge`),
        api.post(`/incidents/${NO_SUCH_ID}/resolve`),
        api.post(`/incidents/${NO_SUCH_ID}/escalate`),
        api.post(`/incidents/${NO_SUCH_ID}/reassign`, { userRef: CALLER }),
        api.post(`/incidents/${NO_SUCH_ID}/notes`, { text: 'hello' }),
        api.get('/schedules/nope'),
        api.get('/schedules/nope/shifts'),
        api.get('/schedules/nope/overrides'),
        api.post('/schedules/nope/overrides', {
          userRef: CALLER,
          start: '2025-05-05T10:00:00Z',
          end: '2025-05-05T12:00:00Z',
        }),
        api.delete(`/schedules/primary/overrides/${NO_SUCH_ID}`),
        api.get('/entities/component/default/unknown/oncall'),
      ]);
      for (const res of responses) {
        expect({ status: res.status, name: res.body.error?.name }).toEqual({
          status: 404,
          name: 'NotFoundError',
        });
      }
      await backend.stop();
    });

    it('answers 403 when a permission is denied and 401 without credentials', async () => {
      const denied = await start({ decide: () => AuthorizeResult.DENY });
      const { api } = denied;
      const responses = await Promise.all([
        api.get('/incidents'),
        api.get(`/incidents/${NO_SUCH_ID}`),
        api.post('/incidents', {
          entityRef: 'component:default/storefront',
          title: 'x',
          severity: 'info',
        }),
        api.post(`/incidents/${NO_SUCH_ID}/acknowledge`),
        api.post(`/incidents/${NO_SUCH_ID}/unacknowledge`),
        api.post(`/incidents/${NO_SUCH_ID}/resolve`),
        api.post(`/incidents/${NO_SUCH_ID}/reassign`, { userRef: CALLER }),
        api.post(`/incidents/${NO_SUCH_ID}/escalate`),
        api.post(`/incidents/${NO_SUCH_ID}/notes`, { text: 'x' }),
        api.get('/entities/component/default/payments-api/oncall'),
        api.get('/schedules'),
        api.get('/schedules/primary'),
        api.get('/schedules/primary/shifts'),
        api.get('/schedules/primary/overrides'),
        api.post('/schedules/primary/overrides', {}),
        api.delete(`/schedules/primary/overrides/${NO_SUCH_ID}`),
      ]);
      for (const res of responses) {
        expect({ status: res.status, name: res.body.error?.name }).toEqual({
          status: 403,
          name: 'NotAllowedError',
        });
      }
      const stored = await denied
        .knex('pulse_incidents')
        .count({ n: '*' })
        .first();
      expect(Number(stored!.n)).toBe(0);
      await denied.backend.stop();

      // Reading is allowed, changing is not: a reader cannot act on an incident or an override.
      const reader = await start({
        decide: name =>
          name.endsWith('.read') ? AuthorizeResult.ALLOW : AuthorizeResult.DENY,
      });
      expect((await reader.api.get('/schedules')).status).toBe(200);
      expect(
        (
          await reader.api.post('/schedules/primary/overrides', {
            userRef: 'user:default/bob',
            start: '2025-05-05T10:00:00Z',
            end: '2025-05-05T12:00:00Z',
          })
        ).status,
      ).toBe(403);
      // An incident the reader cannot see is not found; acting on visible ones is in the
      // authorization matrix test of the demo portal.
      expect(
        (await reader.api.post(`/incidents/${NO_SUCH_ID}/acknowledge`)).status,
      ).toBe(404);
      await reader.backend.stop();

      const anonymous = await start({ anonymous: true });
      const res = await request(anonymous.server).get(
        '/api/pulse/v1/incidents',
      );
      expect(res.status).toBe(401);
      await anonymous.backend.stop();
    });

    it('serves schedules with their gaps, and overrides that change who is on call', async () => {
      const { api, backend, knex } = await start();
      const list = await api.get('/schedules');
      expect(
        list.body.items.map((s: any) => [s.id, s.name, s.timeZone]),
      ).toEqual([
        ['primary', 'Primary', 'Europe/Berlin'],
        ['daytime', 'Daytime', 'Europe/Berlin'],
      ]);
      expect(list.body.items[0].current).toMatchObject({
        userRef: expect.stringMatching(/^user:default\/(alice|bob)$/),
      });

      const day = await api.get(
        '/schedules/daytime/shifts?from=2025-05-05T00:00:00Z&to=2025-05-06T00:00:00Z',
      );
      expect(day.status).toBe(200);
      expect(day.body).toEqual({
        scheduleId: 'daytime',
        timeZone: 'Europe/Berlin',
        from: '2025-05-05T00:00:00.000Z',
        to: '2025-05-06T00:00:00.000Z',
        shifts: [
          {
            start: '2025-05-05T00:00:00.000Z',
            end: '2025-05-05T07:00:00.000Z',
            userRef: null,
          },
          {
            start: '2025-05-05T07:00:00.000Z',
            end: '2025-05-05T15:00:00.000Z',
            userRef: 'user:default/dave',
            layerId: 'layer-1',
          },
          {
            start: '2025-05-05T15:00:00.000Z',
            end: '2025-05-06T00:00:00.000Z',
            userRef: null,
          },
        ],
        gaps: [
          {
            start: '2025-05-05T00:00:00.000Z',
            end: '2025-05-05T07:00:00.000Z',
          },
          {
            start: '2025-05-05T15:00:00.000Z',
            end: '2025-05-06T00:00:00.000Z',
          },
        ],
      });

      const created = await api.post('/schedules/daytime/overrides', {
        userRef: 'user:default/carol',
        start: '2025-05-05T18:00', // Berlin wall-clock time
        end: '2025-05-05T22:00:00Z',
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        scheduleId: 'daytime',
        userRef: 'user:default/carol',
        start: '2025-05-05T16:00:00.000Z',
        end: '2025-05-05T22:00:00.000Z',
        layerId: null,
        createdBy: CALLER,
      });
      const overrides = await api.get('/schedules/daytime/overrides');
      expect(overrides.body.items).toEqual([created.body]);
      const withOverride = await api.get(
        '/schedules/daytime/shifts?from=2025-05-05T15:00:00Z&to=2025-05-06T00:00:00Z',
      );
      expect(withOverride.body.shifts).toEqual([
        {
          start: '2025-05-05T15:00:00.000Z',
          end: '2025-05-05T16:00:00.000Z',
          userRef: null,
        },
        {
          start: '2025-05-05T16:00:00.000Z',
          end: '2025-05-05T22:00:00.000Z',
          userRef: 'user:default/carol',
          overrideId: created.body.id,
        },
        {
          start: '2025-05-05T22:00:00.000Z',
          end: '2025-05-06T00:00:00.000Z',
          userRef: null,
        },
      ]);

      const deleted = await api.delete(
        `/schedules/daytime/overrides/${created.body.id}`,
      );
      expect(deleted.status).toBe(204);
      expect(
        (await api.get('/schedules/daytime/overrides')).body.items,
      ).toEqual([]);
      expect(
        (await api.delete(`/schedules/daytime/overrides/${created.body.id}`))
          .status,
      ).toBe(404);
      const events = await knex('pulse_events')
        .whereLike('type', 'oncall.override%')
        .orderBy('sequence');
      expect(events.map(e => e.type)).toEqual([
        'oncall.override_created',
        'oncall.override_deleted',
      ]);
      await backend.stop();
    });

    it('tells who is on call for an entity, which policy applies and why', async () => {
      const { api, backend } = await start();
      await api.post('/incidents', {
        entityRef: 'component:default/payments-api',
        title: 'Refunds failing',
        severity: 'critical',
      });

      const payments = await api.get(
        '/entities/component/default/payments-api/oncall',
      );
      expect(payments.status).toBe(200);
      expect(payments.body).toMatchObject({
        entityRef: 'component:default/payments-api',
        problem: null,
        policy: {
          id: 'with-ack-timeout',
          chosenBy: 'annotation',
          repeat: 0,
          steps: [
            {
              delayMinutes: 5,
              targets: [{ type: 'user', userRef: 'user:default/alice' }],
            },
            {
              delayMinutes: 5,
              targets: [{ type: 'user', userRef: 'user:default/bob' }],
            },
          ],
        },
        now: { userRef: 'user:default/alice', until: null, scheduleId: null },
        next: null,
        openIncidents: [expect.objectContaining({ title: 'Refunds failing' })],
      });

      const ledger = await api.get('/entities/component/default/ledger/oncall');
      expect(ledger.body).toMatchObject({
        problem: expect.stringContaining(
          'unknown escalation policy "no-such-policy"',
        ),
        policy: { id: 'payments', chosenBy: 'owner-group' },
        now: {
          scheduleId: 'primary',
          userRef: expect.stringMatching(/^user:default\//),
        },
        next: { from: expect.any(String) },
        openIncidents: [],
      });
      expect(ledger.body.policy.steps[0].targets[0]).toEqual({
        type: 'schedule',
        scheduleId: 'primary',
        name: 'Primary',
        currentUserRef: ledger.body.now.userRef,
      });

      const storefront = await api.get(
        '/entities/component/default/storefront/oncall',
      );
      expect(storefront.body).toMatchObject({
        problem: null,
        policy: { id: 'payments', chosenBy: 'default' },
      });
      await backend.stop();
    });

    it('reports escalation health without credentials, and 503 when steps are overdue', async () => {
      const { server, backend, knex, api } = await start({ anonymous: true });
      const healthy = await request(server).get(
        '/api/pulse/v1/health/escalation',
      );
      expect(healthy.status).toBe(200);
      expect(healthy.body).toMatchObject({
        status: expect.stringMatching(/^(ok|starting)$/),
        overdueSteps: 0,
        oldestOverdueDueAt: null,
        graceMinutes: 3,
      });

      const created = await api.post('/incidents', {
        entityRef: 'component:default/storefront',
        title: 'Slow pages',
        severity: 'warning',
      });
      expect(created.status).toBe(201);
      // Opening the incident pages its first step in the background, and that run moves the next
      // step's due time: wait for it, so that it does not overwrite the stall set below.
      await waitFor(async () => {
        const { body } = await api.get(`/incidents/${created.body.id}`);
        return body.timeline.some((e: any) => e.type === 'notified');
      });
      // As if the scheduler had stalled ten minutes ago with this incident's next step due.
      const dueAt = new Date(clock.now().getTime() - 10 * 60_000);
      await knex('pulse_incidents')
        .where({ id: created.body.id })
        .update({ next_due_at: dueAt });
      const lagging = await request(server).get(
        '/api/pulse/v1/health/escalation',
      );
      expect(lagging.status).toBe(503);
      expect(lagging.body).toMatchObject({
        status: 'lagging',
        overdueSteps: 1,
        oldestOverdueDueAt: dueAt.toISOString(),
        dueSteps: 1,
      });
      expect(lagging.body.lagSeconds).toBeGreaterThanOrEqual(600);
      await backend.stop();
    });
  },
);

// Polls until the background work is visible; no deadline of its own (a busy machine may take
// seconds), the test's timeout ends a wait for something that never happens.
async function waitFor(condition: () => Promise<boolean>) {
  while (!(await condition())) {
    await new Promise(r => setTimeout(r, 20));
  }
}
