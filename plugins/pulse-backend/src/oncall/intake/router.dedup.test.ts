import { createTestDatabases } from '../../__testUtils__/testDatabases';
import {
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

const PAYMENTS = 'component:default/payments-api';
const LEDGER = 'component:default/ledger';

/** The Alertmanager-shaped fixture's alerts without entity_ref labels, so ?entityRef= names the service. */
function unlabelled(name: 'alertmanager-firing' | 'grafana-unified') {
  const body = fixture(name);
  for (const alert of body.alerts) delete alert.labels.entity_ref;
  return body;
}

function resolvedCopy(body: any) {
  return {
    ...body,
    status: 'resolved',
    alerts: body.alerts.map((alert: any) => ({
      ...alert,
      status: 'resolved',
      endsAt: '2026-11-22T10:30:00Z',
    })),
  };
}

describe.each(databases.eachSupportedId())(
  'dedup keys per service on %s',
  databaseId => {
    const start = (options?: Parameters<typeof startIntakeBackend>[2]) =>
      startIntakeBackend(databases, databaseId, options);

    /** [entity_ref, dedup_key, status, alert_count] of every incident, sorted. */
    async function summary(knex: Parameters<typeof incidentRows>[0]) {
      return (await incidentRows(knex))
        .map(r => [r.entity_ref, r.dedup_key, r.status, r.alert_count])
        .sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
    }

    it.each([
      ['alertmanager', 'alertmanager-firing', 'alertmanager:8a7e5f3c1b2d4e6f'],
      ['grafana', 'grafana-unified', 'grafana:1:c6eadffa33fcdf37'],
    ] as const)(
      '%s: the same alert for two services opens two incidents; a resolve for one leaves the other open',
      async (path, name, key) => {
        const { post, knex } = await start();
        const header = path === 'grafana' ? GRAFANA : undefined;
        const send = (service: string, body: unknown) =>
          post(`${path}?entityRef=${service}`, header).send(body as object);
        const body = unlabelled(name);
        const a = await send('payments-api', body);
        const b = await send('ledger', body);
        expect(a.body.results.map((r: any) => r.outcome)).toEqual([
          'created',
          'created',
        ]);
        expect(b.body.results.map((r: any) => r.outcome)).toEqual([
          'created',
          'created',
        ]);
        expect(b.body.results[0].incidentId).not.toBe(
          a.body.results[0].incidentId,
        );
        await send('ledger', body).expect(202);

        const resolved = await send('ledger', resolvedCopy(body));
        expect(resolved.body.results.map((r: any) => r.outcome)).toEqual([
          'resolved',
          'resolved',
        ]);
        const rows = await summary(knex);
        expect(rows.filter(r => r[1] === key)).toEqual([
          [LEDGER, key, 'resolved', 2],
          [PAYMENTS, key, 'triggered', 1],
        ]);
      },
    );

    it('alertmanager: the same fingerprint labelled for two services opens two incidents', async () => {
      const { post, knex } = await start();
      const forLedger = fixture('alertmanager-firing');
      forLedger.alerts = [
        { ...forLedger.alerts[0], labels: { service: 'ledger' } },
      ];
      await post('alertmanager')
        .send(fixture('alertmanager-firing'))
        .expect(202);
      const res = await post('alertmanager').send(forLedger);
      expect(res.body.results[0]).toMatchObject({ outcome: 'created' });
      expect(
        (await summary(knex)).filter(
          r => r[1] === 'alertmanager:8a7e5f3c1b2d4e6f',
        ),
      ).toEqual([
        [LEDGER, 'alertmanager:8a7e5f3c1b2d4e6f', 'triggered', 1],
        [PAYMENTS, 'alertmanager:8a7e5f3c1b2d4e6f', 'triggered', 1],
      ]);
    });

    it('pagerduty: a dedup_key open through one routing key is not absorbed, acknowledged or resolved through another', async () => {
      const { post, knex } = await start();
      // PD_KEY and PD_THIRD_KEY both page payments-api; PD_OTHER_KEY pages ledger.
      const trigger = (routingKey: string) =>
        post('pagerduty').send({
          ...fixture('pagerduty-trigger'),
          routing_key: routingKey,
        });
      await trigger(PD_KEY).expect(202);
      await trigger(PD_OTHER_KEY).expect(202);
      await trigger(PD_THIRD_KEY).expect(202);
      await trigger(PD_OTHER_KEY).expect(202);
      expect(await summary(knex)).toEqual([
        [LEDGER, 'srv01/mysql', 'triggered', 2],
        [PAYMENTS, 'srv01/mysql', 'triggered', 1],
        [PAYMENTS, 'srv01/mysql', 'triggered', 1],
      ]);

      await post('pagerduty')
        .send({
          ...fixture('pagerduty-resolve'),
          routing_key: PD_THIRD_KEY,
          event_action: 'acknowledge',
        })
        .expect(202);
      await post('pagerduty')
        .send({ ...fixture('pagerduty-resolve'), routing_key: PD_OTHER_KEY })
        .expect(202);
      const rows = await incidentRows(knex);
      expect(rows.map(r => [r.entity_ref, r.status]).sort()).toEqual([
        [LEDGER, 'resolved'],
        [PAYMENTS, 'acknowledged'],
        [PAYMENTS, 'triggered'],
      ]);
      const acknowledged = rows.find(r => r.status === 'acknowledged')!;
      const triggered = rows.find(
        r => r.status === 'triggered' && r.entity_ref === PAYMENTS,
      )!;
      expect(acknowledged.integration_key).not.toBe(triggered.integration_key);
    });

    it('json: two services reusing a key (disk-full) get an incident each, and a PagerDuty key of the same name is apart too', async () => {
      const { post, knex } = await start();
      const alert = (entityRef: string, extra: object = {}) =>
        post('json').send({
          entityRef,
          title: 'Disk full',
          severity: 'critical',
          dedupKey: 'disk-full',
          ...extra,
        });
      const a = await alert('payments-api');
      const b = await alert('ledger');
      expect([a.body.outcome, b.body.outcome]).toEqual(['created', 'created']);
      expect(a.body.incidentId).not.toBe(b.body.incidentId);
      await post('pagerduty')
        .send({ ...fixture('pagerduty-trigger'), dedup_key: 'disk-full' })
        .expect(202);

      const resolved = await alert('payments-api', { action: 'resolve' });
      expect(resolved.body).toMatchObject({
        outcome: 'resolved',
        incidentId: a.body.incidentId,
      });
      expect(
        (await incidentRows(knex)).map(r => [r.entity_ref, r.source, r.status]),
      ).toEqual(
        expect.arrayContaining([
          [PAYMENTS, 'json', 'resolved'],
          [LEDGER, 'json', 'triggered'],
          [PAYMENTS, 'pagerduty', 'triggered'],
        ]),
      );
    });

    it('heartbeat: other senders using its key neither meet its incident nor resolve it', async () => {
      const { post, knex, clock, scheduler } = await start();
      await scheduler.triggerTask(HEARTBEAT_TASK_ID);
      clock.advanceSeconds(301);
      await scheduler.triggerTask(HEARTBEAT_TASK_ID);
      const key = 'heartbeat:nightly-backup';
      for (const entityRef of ['ledger', 'payments-api']) {
        const res = await post('json').send({
          entityRef,
          title: 'Imitation',
          severity: 'info',
          dedupKey: key,
        });
        expect(res.body.outcome).toBe('created');
      }
      const resolve = await post('json').send({
        entityRef: 'ledger',
        action: 'resolve',
        dedupKey: key,
      });
      expect(resolve.body.outcome).toBe('resolved');
      const heartbeat = () =>
        incidentRows(knex).then(
          rows => rows.find(r => r.source === 'heartbeat')!,
        );
      expect((await heartbeat()).status).toBe('triggered');

      const ping = await post(
        'heartbeat/nightly-backup',
        serviceHeader('backup-cron'),
      );
      expect(ping.body.resolved).toMatchObject({ outcome: 'resolved' });
      expect((await heartbeat()).status).toBe('resolved');
      expect(
        (await incidentRows(knex))
          .filter(r => r.source === 'json')
          .map(r => [r.entity_ref, r.status])
          .sort(),
      ).toEqual([
        [LEDGER, 'resolved'],
        [PAYMENTS, 'triggered'],
      ]);
    });
  },
);
