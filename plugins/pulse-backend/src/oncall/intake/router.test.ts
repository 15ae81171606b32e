import { mockCredentials } from '@backstage/backend-test-utils';
import request from 'supertest';
import { createTestDatabases } from '../../__testUtils__/testDatabases';
import {
  expectNothingStored,
  GRAFANA,
  incidentRows,
  PD_KEY,
  PD_OTHER_KEY,
  PD_THIRD_KEY,
  serviceHeader,
  startIntakeBackend,
} from './__testUtils__/intakeBackend';
import { fixture } from './formats/__fixtures__';
import { HEARTBEAT_TASK_ID } from './index';

jest.setTimeout(120_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())('alert intake on %s', databaseId => {
  const start = (options?: Parameters<typeof startIntakeBackend>[2]) =>
    startIntakeBackend(databases, databaseId, options);

  describe('Alertmanager', () => {
    it('opens one incident per firing alert, for the service its labels name', async () => {
      const { post, knex, incidents } = await start();
      const res = await post('alertmanager').send(
        fixture('alertmanager-firing'),
      );
      expect(res.status).toBe(202);
      expect(res.body).toEqual({
        status: 'accepted',
        results: [
          {
            dedupKey: 'alertmanager:8a7e5f3c1b2d4e6f',
            outcome: 'created',
            incidentId: expect.any(String),
          },
          {
            dedupKey: 'alertmanager:3f9d0c2a6b4e8d1c',
            outcome: 'created',
            incidentId: expect.any(String),
          },
        ],
      });
      expect(await incidentRows(knex)).toEqual([
        expect.objectContaining({
          dedup_key: 'alertmanager:3f9d0c2a6b4e8d1c',
          entity_ref: 'component:default/payments-api',
          status: 'triggered',
          alert_count: 1,
          source: 'alertmanager',
          severity: 'critical',
          title: 'HighRequestLatency: High request latency on payments-api',
          integration_key: 'alertmanager',
        }),
        expect.objectContaining({ dedup_key: 'alertmanager:8a7e5f3c1b2d4e6f' }),
      ]);
      const detail = await incidents.get(res.body.results[0].incidentId);
      expect(detail.rawPayload).toMatchObject({
        receiver: 'pulse',
        alerts: [{ fingerprint: '8a7e5f3c1b2d4e6f' }],
      });
      expect(detail.timeline[0]).toMatchObject({
        type: 'created',
        actor: 'alertmanager',
      });
    });

    it('absorbs an identical re-send: one incident per alert, alert count 2, no new page', async () => {
      const { post, knex, clock, incidents } = await start();
      await post('alertmanager')
        .send(fixture('alertmanager-firing'))
        .expect(202);
      clock.advance(5);
      const again = await post('alertmanager').send(
        fixture('alertmanager-firing'),
      );
      expect(again.status).toBe(202);
      expect(again.body.results.map((r: any) => r.outcome)).toEqual([
        'absorbed',
        'absorbed',
      ]);
      const rows = await incidentRows(knex);
      expect(rows.map(r => [r.status, r.alert_count])).toEqual([
        ['triggered', 2],
        ['triggered', 2],
      ]);
      const detail = await incidents.get(rows[0].id);
      expect(
        detail.timeline.filter(e => e.type === 'alert_absorbed'),
      ).toHaveLength(1);
      expect(detail.timeline.filter(e => e.type === 'created')).toHaveLength(1);
    });

    it('resolves resolved alerts, and opens a new incident when the alert fires again', async () => {
      const { post, knex, clock } = await start();
      await post('alertmanager')
        .send(fixture('alertmanager-firing'))
        .expect(202);
      clock.advance(10);

      const resolved = fixture('alertmanager-firing');
      resolved.status = 'resolved';
      resolved.alerts[0].status = 'resolved';
      resolved.alerts[0].endsAt = '2026-11-22T09:40:00Z';
      const res = await post('alertmanager').send(resolved);
      expect(res.body.results.map((r: any) => r.outcome)).toEqual([
        'resolved',
        'absorbed',
      ]);

      const firstRows = await incidentRows(knex);
      expect(
        firstRows.find(r => r.dedup_key === 'alertmanager:8a7e5f3c1b2d4e6f')!
          .status,
      ).toBe('resolved');

      clock.advance(10);
      const refire = await post('alertmanager').send(
        fixture('alertmanager-firing'),
      );
      expect(refire.body.results.map((r: any) => r.outcome)).toEqual([
        'created',
        'absorbed',
      ]);
      const rows = await incidentRows(knex);
      expect(
        rows
          .filter(r => r.dedup_key === 'alertmanager:8a7e5f3c1b2d4e6f')
          .map(r => r.status),
      ).toEqual(['resolved', 'triggered']);
    });

    it('accepts a resolve that comes before any trigger and ignores it, storing nothing', async () => {
      const { post, knex } = await start();
      const body = fixture('alertmanager-v0.15-no-fingerprint');
      const res = await post('alertmanager').send(body);
      expect(res.status).toBe(202);
      expect(res.body.results).toEqual([
        {
          dedupKey: expect.stringMatching(/^alertmanager:[0-9a-f]{16}$/),
          outcome: 'ignored',
          incidentId: null,
          reason:
            'no incident of this service has this key through this integration',
        },
      ]);
      expect(await incidentRows(knex)).toEqual([]);
    });

    it('makes exactly one incident per alert from 10 identical deliveries racing', async () => {
      const { post, knex } = await start();
      const responses = await Promise.all(
        Array.from({ length: 10 }, () =>
          post('alertmanager').send(fixture('alertmanager-firing')),
        ),
      );
      expect(responses.map(r => r.status)).toEqual(Array(10).fill(202));
      const outcomes = responses.flatMap(r =>
        r.body.results.map((x: any) => x.outcome),
      );
      expect(outcomes.filter(o => o === 'created')).toHaveLength(2);
      expect(outcomes.filter(o => o === 'absorbed')).toHaveLength(18);
      expect(
        (await incidentRows(knex)).map(r => [r.dedup_key, r.alert_count]),
      ).toEqual([
        ['alertmanager:3f9d0c2a6b4e8d1c', 10],
        ['alertmanager:8a7e5f3c1b2d4e6f', 10],
      ]);
    });

    it('applies alerts with the same fingerprint in one delivery in their order', async () => {
      const { post, knex } = await start();
      const body = fixture('alertmanager-firing');
      const resolvedCopy = {
        ...body.alerts[0],
        status: 'resolved',
        endsAt: '2026-11-22T09:30:00Z',
      };
      body.alerts = [
        body.alerts[0],
        resolvedCopy,
        body.alerts[0],
        body.alerts[1],
      ];
      const res = await post('alertmanager').send(body);
      expect(res.status).toBe(202);
      expect(res.body.results.map((r: any) => [r.dedupKey, r.outcome])).toEqual(
        [
          ['alertmanager:8a7e5f3c1b2d4e6f', 'created'],
          ['alertmanager:8a7e5f3c1b2d4e6f', 'resolved'],
          ['alertmanager:8a7e5f3c1b2d4e6f', 'created'],
          ['alertmanager:3f9d0c2a6b4e8d1c', 'created'],
        ],
      );
      const rows = await incidentRows(knex);
      expect(
        rows
          .filter(r => r.dedup_key === 'alertmanager:8a7e5f3c1b2d4e6f')
          .map(r => r.status)
          .sort(),
      ).toEqual(['resolved', 'triggered']);
    });

    it('takes the service from ?entityRef= for alerts without an entity_ref label', async () => {
      const { post, knex } = await start();
      const body = fixture('alertmanager-firing');
      for (const alert of body.alerts) delete alert.labels.entity_ref;
      await post('alertmanager?entityRef=component:default/status-page')
        .send(body)
        .expect(202);
      expect((await incidentRows(knex)).map(r => r.entity_ref)).toEqual([
        'component:default/status-page',
        'component:default/status-page',
      ]);
    });

    it('refuses a delivery naming a service the catalog does not know, storing none of it', async () => {
      const { post, knex } = await start();
      const body = fixture('alertmanager-firing');
      body.alerts[1].labels.entity_ref = 'component:default/checkout';
      const res = await post('alertmanager').send(body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({
        name: 'InputError',
        message:
          "Unknown service 'component:default/checkout' (from label 'entity_ref'): there is no such entity in the catalog",
      });
      await expectNothingStored(knex);
    });

    it('refuses a delivery that names no service at all', async () => {
      const { post, knex } = await start();
      const body = fixture('alertmanager-firing');
      delete body.alerts[0].labels.entity_ref;
      const res = await post('alertmanager').send(body);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/alerts\[0\]: no service named/);
      await expectNothingStored(knex);
    });

    describe('grouped by groupKey', () => {
      const oncall = { intake: { alertmanagerGrouping: 'groupKey' } };

      it('keeps a partly resolved group open and resolves it when all alerts resolved', async () => {
        const { post, knex } = await start({ oncall });
        const firing = fixture('alertmanager-partly-resolved');
        firing.alerts = firing.alerts.map((a: any) => ({
          ...a,
          status: 'firing',
        }));
        expect(
          (await post('alertmanager').send(firing)).body.results[0].outcome,
        ).toBe('created');

        const partly = await post('alertmanager').send(
          fixture('alertmanager-partly-resolved'),
        );
        expect(partly.body.results[0].outcome).toBe('absorbed');
        expect(
          (await incidentRows(knex)).map(r => [r.entity_ref, r.status]),
        ).toEqual([['component:default/ledger', 'triggered']]);

        const allResolved = fixture('alertmanager-partly-resolved');
        allResolved.status = 'resolved';
        allResolved.alerts = allResolved.alerts.map((a: any) => ({
          ...a,
          status: 'resolved',
        }));
        const res = await post('alertmanager').send(allResolved);
        expect(res.body.results).toEqual([
          expect.objectContaining({
            outcome: 'resolved',
            dedupKey:
              'alertmanager:group:{}/{namespace=~"ledger|payments"}:{alertname="KubePodCrashLooping", namespace="ledger"}',
          }),
        ]);
        expect(
          (await incidentRows(knex)).map(r => [r.status, r.alert_count]),
        ).toEqual([['resolved', 2]]);
      });

      it('stores a group key longer than 255 characters hashed, and still matches it', async () => {
        const { post, knex } = await start({ oncall });
        const body = fixture('alertmanager-firing');
        body.groupKey = `{}:{${'x="y", '.repeat(60)}}`;
        await post('alertmanager').send(body).expect(202);
        await post('alertmanager').send(body).expect(202);
        const rows = await incidentRows(knex);
        expect(rows).toHaveLength(1);
        expect(rows[0].dedup_key).toMatch(
          /^alertmanager:group:sha256:[0-9a-f]{64}$/,
        );
        expect(rows[0].alert_count).toBe(2);
      });
    });
  });

  describe('Grafana', () => {
    it('opens incidents from unified alerting, for the service in ?entityRef=', async () => {
      const { post, knex } = await start();
      const res = await post('grafana?entityRef=status-page', GRAFANA).send(
        fixture('grafana-unified'),
      );
      expect(res.status).toBe(202);
      expect(
        (await incidentRows(knex)).map(r => [
          r.dedup_key,
          r.entity_ref,
          r.source,
        ]),
      ).toEqual([
        [
          'grafana:1:bc97ff14869b13e3',
          'component:default/status-page',
          'grafana',
        ],
        [
          'grafana:1:c6eadffa33fcdf37',
          'component:default/status-page',
          'grafana',
        ],
      ]);
    });

    it('resolves with the valueString variant, and a legacy alert opens its own incident', async () => {
      const { post, knex } = await start();
      const firing = fixture('grafana-8-valuestring');
      firing.alerts[0].status = 'firing';
      await post('grafana', GRAFANA).send(firing).expect(202);
      const res = await post('grafana', GRAFANA).send(
        fixture('grafana-8-valuestring'),
      );
      expect(res.body.results[0]).toMatchObject({ outcome: 'resolved' });
      await post('grafana', GRAFANA)
        .send(fixture('grafana-legacy'))
        .expect(202);
      expect(
        (await incidentRows(knex)).map(r => [
          r.dedup_key,
          r.status,
          r.entity_ref,
        ]),
      ).toEqual([
        [
          'grafana:3:4e5a1c9b0d7f2e38',
          'resolved',
          'component:default/payments-api',
        ],
        ['grafana:legacy:1:1', 'triggered', 'component:default/status-page'],
      ]);
    });

    it('accepts a paused legacy rule and does nothing', async () => {
      const { post, knex } = await start();
      const paused = fixture('grafana-legacy');
      paused.state = 'paused';
      const res = await post('grafana', GRAFANA).send(paused);
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ status: 'accepted', results: [] });
      await expectNothingStored(knex);
    });
  });

  describe('PagerDuty Events API v2', () => {
    it('answers a trigger like PagerDuty, then acknowledges and resolves by dedup key', async () => {
      const { post, knex, incidents } = await start();
      const res = await post('pagerduty').send(fixture('pagerduty-trigger'));
      expect(res.status).toBe(202);
      expect(res.body).toEqual({
        status: 'success',
        message: 'Event processed',
        dedup_key: 'srv01/mysql',
      });
      const [row] = await incidentRows(knex);
      expect(row).toMatchObject({
        dedup_key: 'srv01/mysql',
        entity_ref: 'component:default/payments-api',
        source: 'pagerduty',
        severity: 'critical',
        title: 'DISK at 99% on machine prod-datapipe03.example.com',
      });
      const detail = await incidents.get(row.id);
      expect(JSON.stringify(detail.rawPayload)).not.toContain(PD_KEY);

      const ack = await post('pagerduty').send({
        ...fixture('pagerduty-resolve'),
        event_action: 'acknowledge',
      });
      expect(ack.status).toBe(202);
      expect((await incidentRows(knex))[0].status).toBe('acknowledged');

      await post('pagerduty').send(fixture('pagerduty-resolve')).expect(202);
      expect((await incidentRows(knex))[0].status).toBe('resolved');
    });

    it('ignores an acknowledge for the same key through another routing key', async () => {
      const { post, knex, incidents } = await start();
      await post('pagerduty').send(fixture('pagerduty-trigger')).expect(202);
      for (const routingKey of [PD_OTHER_KEY, PD_THIRD_KEY]) {
        const res = await post('pagerduty').send({
          ...fixture('pagerduty-resolve'),
          routing_key: routingKey,
          event_action: 'acknowledge',
        });
        expect(res.status).toBe(202);
      }
      const [row] = await incidentRows(knex);
      expect(row.status).toBe('triggered');
      const detail = await incidents.get(row.id);
      expect(detail.timeline.map(e => e.type)).not.toContain('ignored_signal');
    });

    it('accepts and ignores acknowledge and resolve for an unknown key', async () => {
      const { post, knex } = await start();
      for (const action of ['acknowledge', 'resolve']) {
        const res = await post('pagerduty').send({
          ...fixture('pagerduty-resolve'),
          event_action: action,
        });
        expect(res.status).toBe(202);
        expect(res.body.dedup_key).toBe('srv01/mysql');
      }
      expect(await incidentRows(knex)).toEqual([]);
    });

    it('opens a new incident for every trigger without a dedup key, returning the generated key', async () => {
      const { post, knex } = await start();
      const event = fixture('pagerduty-trigger');
      delete event.dedup_key;
      const first = await post('pagerduty').send(event);
      const second = await post('pagerduty').send(event);
      expect(first.body.dedup_key).toMatch(/^[0-9a-f]{32}$/);
      expect(second.body.dedup_key).not.toBe(first.body.dedup_key);
      expect((await incidentRows(knex)).map(r => r.dedup_key).sort()).toEqual(
        [first.body.dedup_key, second.body.dedup_key].sort(),
      );
    });

    it('refuses an unknown routing key with PagerDuty’s 400, storing nothing', async () => {
      const { post, knex } = await start();
      const res = await post('pagerduty').send({
        ...fixture('pagerduty-trigger'),
        routing_key: 'R0UNKNOWN000000000000000000000000',
      });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        status: 'invalid event',
        message: 'Event object is invalid',
        errors: [
          'Invalid routing key: it is not configured in pulse.oncall.routingKeys',
        ],
      });
      await expectNothingStored(knex);
    });

    it('lists the missing fields of an invalid event', async () => {
      const { post, knex } = await start();
      const event = fixture('pagerduty-trigger');
      delete event.payload.source;
      delete event.event_action;
      const res = await post('pagerduty').send(event);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        status: 'invalid event',
        message: 'Event object is invalid',
        errors: ["'event_action' is required", "'payload.source' is required"],
      });
      await expectNothingStored(knex);
    });

    it('answers a body that is not JSON in PagerDuty’s shape', async () => {
      const { post, knex } = await start();
      const res = await post('pagerduty')
        .set('Content-Type', 'text/plain')
        .send('{"routing_key": ');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        status: 'invalid event',
        message: 'Event object is invalid',
        errors: [expect.stringMatching(/^Request body is not valid JSON: /)],
      });
      await expectNothingStored(knex);
    });
  });

  describe('plain JSON', () => {
    it('triggers, absorbs a duplicate, and resolves by key', async () => {
      const { post, knex } = await start();
      const created = await post('json').send(fixture('json-trigger'));
      expect(created.status).toBe(202);
      expect(created.body).toEqual({
        status: 'accepted',
        dedupKey: 'reconciliation-2026-11-22',
        outcome: 'created',
        incidentId: expect.any(String),
      });
      const again = await post('json').send(fixture('json-trigger'));
      expect(again.body).toMatchObject({
        outcome: 'absorbed',
        incidentId: created.body.incidentId,
      });
      const resolved = await post('json').send({
        entityRef: 'payments-api',
        action: 'resolve',
        dedupKey: 'reconciliation-2026-11-22',
      });
      expect(resolved.body).toMatchObject({ outcome: 'resolved' });
      expect(
        (await incidentRows(knex)).map(r => [
          r.status,
          r.alert_count,
          r.severity,
        ]),
      ).toEqual([['resolved', 2, 'error']]);
    });

    it('refuses missing fields, naming them, and stores nothing', async () => {
      const { post, knex } = await start();
      const res = await post('json').send({
        entityRef: 'payments-api',
        title: 'Down',
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toEqual(
        expect.objectContaining({
          name: 'InputError',
          message: 'Invalid alert: severity: is required to trigger',
        }),
      );
      await expectNothingStored(knex);
    });

    it('refuses an unknown service, naming it, and stores nothing', async () => {
      const { post, knex } = await start();
      const res = await post('json').send({
        ...fixture('json-trigger'),
        entityRef: 'component:default/nope',
      });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toBe(
        "Unknown service 'component:default/nope' (from field 'entityRef'): there is no such entity in the catalog",
      );
      await expectNothingStored(knex);
    });
  });

  describe('heartbeats', () => {
    it('expires on the scheduled check, resolves on the next ping, on a fake clock', async () => {
      const { post, knex, clock, scheduler } = await start();
      await scheduler.triggerTask(HEARTBEAT_TASK_ID);
      clock.advanceSeconds(301);
      await scheduler.triggerTask(HEARTBEAT_TASK_ID);
      await scheduler.triggerTask(HEARTBEAT_TASK_ID);
      expect(
        (await incidentRows(knex)).map(r => [r.dedup_key, r.status, r.source]),
      ).toEqual([['heartbeat:nightly-backup', 'triggered', 'heartbeat']]);

      const ping = await post(
        'heartbeat/nightly-backup',
        serviceHeader('backup-cron'),
      );
      expect(ping.status).toBe(202);
      expect(ping.body).toEqual({
        status: 'accepted',
        heartbeat: 'nightly-backup',
        lastPingAt: clock.now().toISOString(),
        resolved: {
          dedupKey: 'heartbeat:nightly-backup',
          outcome: 'resolved',
          incidentId: expect.any(String),
        },
      });
      expect((await incidentRows(knex)).map(r => r.status)).toEqual([
        'resolved',
      ]);

      clock.advanceSeconds(200);
      await scheduler.triggerTask(HEARTBEAT_TASK_ID);
      expect(await incidentRows(knex)).toHaveLength(1);
    });

    it('answers 404 for a monitor that is not configured', async () => {
      const { post, knex } = await start();
      const res = await post('heartbeat/unknown');
      expect(res.status).toBe(404);
      expect(res.body.error.message).toBe(
        "No heartbeat monitor 'unknown' is configured in pulse.oncall.heartbeats",
      );
      await expectNothingStored(knex);
    });
  });

  describe('authentication', () => {
    it('answers 401 to a request without a token, storing nothing', async () => {
      const { server, knex } = await start({ anonymousByDefault: true });
      const res = await request(server)
        .post('/api/pulse/v1/alerts/alertmanager')
        .send(fixture('alertmanager-firing'));
      expect(res.status).toBe(401);
      await expectNothingStored(knex);
    });

    it.each([
      ['alertmanager', 'alertmanager-firing'],
      ['pagerduty', 'pagerduty-trigger'],
      ['json', 'json-trigger'],
      ['heartbeat/nightly-backup', 'json-trigger'],
    ] as const)(
      'answers 401 to a bad token on %s, storing nothing',
      async (path, body) => {
        const { post, knex } = await start();
        const res = await post(
          path,
          mockCredentials.service.invalidHeader(),
        ).send(fixture(body));
        expect(res.status).toBe(401);
        await expectNothingStored(knex);
      },
    );

    it('answers 403 to a user session: people open incidents through the incidents API', async () => {
      const { post, knex } = await start();
      const res = await post('json', mockCredentials.user.header()).send(
        fixture('json-trigger'),
      );
      expect(res.status).toBe(403);
      expect(res.body.error.message).toMatch(
        /does not allow 'user' credentials/,
      );
      await expectNothingStored(knex);
    });

    // The test backend's mock auth answers 401 here; Backstage's own auth answers 403 ("This
    // token's access is restricted to plugin(s) 'catalog'"), checked by hand against
    // backend-defaults' auth service with static external-access tokens.
    it('refuses a token issued for another plugin', async () => {
      const { post, knex } = await start();
      const res = await post(
        'json',
        mockCredentials.service.header({
          onBehalfOf: mockCredentials.service('alertmanager'),
          targetPluginId: 'catalog',
        }),
      ).send(fixture('json-trigger'));
      expect(res.status).toBe(401);
      await expectNothingStored(knex);
    });
  });

  describe('bad bodies', () => {
    it('refuses a body over maxBodyBytes with 413 and a reason, storing nothing', async () => {
      const { post, knex } = await start();
      const body = fixture('alertmanager-firing');
      body.commonAnnotations.description = 'x'.repeat(20_000);
      const res = await post('alertmanager').send(body);
      expect(res.status).toBe(413);
      expect(res.body.error).toMatchObject({
        name: 'PayloadTooLargeError',
        message: expect.stringMatching(
          /^Request body of \d+ bytes is larger than the limit of 16384 bytes \(pulse\.oncall\.intake\.maxBodyBytes\); nothing was stored$/,
        ),
      });
      await expectNothingStored(knex);
    });

    it('refuses an oversize body sent without a JSON content type while it streams in', async () => {
      const { post, knex } = await start();
      const res = await post('json')
        .set('Content-Type', 'text/plain')
        .send(
          JSON.stringify({
            ...fixture('json-trigger'),
            title: 'y'.repeat(20_000),
          }),
        );
      expect(res.status).toBe(413);
      expect(res.body.error.message).toMatch(
        /larger than the limit of 16384 bytes/,
      );
      await expectNothingStored(knex);
    });

    it('refuses a PagerDuty event over the limit with 413 in PagerDuty’s shape', async () => {
      const { post, knex } = await start();
      const event = fixture('pagerduty-trigger');
      event.payload.custom_details.log = 'z'.repeat(20_000);
      const res = await post('pagerduty').send(event);
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({
        status: 'invalid event',
        errors: [expect.stringMatching(/larger than the limit of 16384 bytes/)],
      });
      await expectNothingStored(knex);
    });

    it('refuses a body over the root router’s 1 MB with 413 when mounted behind it', async () => {
      const { post, knex } = await start({ behindJsonParser: true });
      const res = await post('alertmanager')
        .set('Content-Type', 'application/json')
        .send(`{"alerts": "${'a'.repeat(1_100_000)}"}`);
      expect(res.status).toBe(413);
      await expectNothingStored(knex);
    });

    it('refuses bad JSON with 400', async () => {
      const { post, knex } = await start();
      const asJson = await post('alertmanager')
        .set('Content-Type', 'application/json')
        .send('{"alerts": [');
      expect(asJson.status).toBe(400);
      const asText = await post('alertmanager')
        .set('Content-Type', 'text/plain')
        .send('{"alerts": [');
      expect(asText.status).toBe(400);
      expect(asText.body.error.message).toMatch(
        /^Request body is not valid JSON: /,
      );
      const empty = await post('json')
        .set('Content-Type', 'text/plain')
        .send('');
      expect(empty.status).toBe(400);
      expect(empty.body.error.message).toBe(
        'Request body is empty: a JSON object is expected',
      );
      await expectNothingStored(knex);
    });

    it('refuses missing fields with 400 naming them', async () => {
      const { post, knex } = await start();
      const res = await post('alertmanager').send({
        version: '4',
        alerts: [{ labels: { service: 'ledger' } }],
      });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toBe(
        'Invalid Alertmanager payload: alerts[0].status: is required',
      );
      await expectNothingStored(knex);
    });

    it('accepts a JSON body sent as text/plain', async () => {
      const { post, knex } = await start();
      await post('json')
        .set('Content-Type', 'text/plain')
        .send(JSON.stringify(fixture('json-trigger')))
        .expect(202);
      expect(await incidentRows(knex)).toHaveLength(1);
    });
  });

  describe('rate limit', () => {
    it('answers 429 with retry-after past a token’s burst, and other tokens go on', async () => {
      const { post, knex, clock } = await start({
        oncall: { intake: { rateLimit: { requestsPerSecond: 1, burst: 2 } } },
      });
      await post('heartbeat/nightly-backup').expect(202);
      await post('heartbeat/nightly-backup').expect(202);
      const limited = await post('alertmanager').send(
        fixture('alertmanager-firing'),
      );
      expect(limited.status).toBe(429);
      expect(limited.headers['retry-after']).toBe('1');
      expect(limited.body.error).toMatchObject({
        name: 'TooManyRequestsError',
        message: "Too many alert requests from 'alertmanager': retry after 1s",
      });
      const pd = await post('pagerduty').send(fixture('pagerduty-trigger'));
      expect(pd.status).toBe(429);
      expect(pd.headers['retry-after']).toBe('1');
      expect(pd.body).toMatchObject({ status: 'throttle event' });
      expect(await incidentRows(knex)).toEqual([]);

      await post('alertmanager', GRAFANA)
        .send(fixture('alertmanager-firing'))
        .expect(202);

      clock.advanceSeconds(1);
      await post('alertmanager')
        .send(fixture('alertmanager-firing'))
        .expect(202);
    });
  });

  describe('delivery guarantees', () => {
    it('answers 5xx when storing fails midway and stores nothing; the retry stores every alert', async () => {
      let failNext = true;
      const { post, knex } = await start({
        patchStore: store => {
          // Fails after the delivery's incidents are inserted, inside its transaction.
          const appendTimelines = store.appendTimelines.bind(store);
          store.appendTimelines = async (...args) => {
            if (failNext) {
              failNext = false;
              throw new Error('the database went away');
            }
            return appendTimelines(...args);
          };
        },
      });
      const failed = await post('alertmanager').send(
        fixture('alertmanager-firing'),
      );
      expect(failed.status).toBe(500);
      expect(await incidentRows(knex)).toHaveLength(0);
      expect(await knex('pulse_incident_timeline')).toHaveLength(0);
      expect(await knex('pulse_events')).toHaveLength(0);

      const retried = await post('alertmanager').send(
        fixture('alertmanager-firing'),
      );
      expect(retried.status).toBe(202);
      expect(retried.body.results.map((r: any) => r.outcome)).toEqual([
        'created',
        'created',
      ]);
      expect(await incidentRows(knex)).toHaveLength(2);
    });
  });
});
