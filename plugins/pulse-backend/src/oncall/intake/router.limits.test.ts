import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { IncidentActions } from '../incidents';
import {
  expectNothingStored,
  GRAFANA,
  incidentRows,
  postRaw,
  serviceHeader,
  startIntakeBackend,
} from './__testUtils__/intakeBackend';
import { fixture } from './formats/__fixtures__';
import { DEPTH_MARKER } from './payload';

jest.setTimeout(180_000);

const databases = createTestDatabases();

/** JSON text of an array nested `levels` deep (`[[[...]]]`, 2 bytes a level). */
function deepArrays(levels: number): string {
  return `${'['.repeat(levels)}1${']'.repeat(levels)}`;
}

/** JSON text of an object nested `levels` deep (`{"d":{"d":...}}`, 6 bytes a level). */
function deepObjects(levels: number): string {
  return `${'{"d":'.repeat(levels)}1${'}'.repeat(levels)}`;
}

/** The body as JSON text, with the string `"<DEEP>"` replaced by `deep`. */
function withDeep(body: unknown, deep: string): string {
  return JSON.stringify(body).replace('"<DEEP>"', deep);
}

/** `count` firing alerts about payments-api, each its own fingerprint. */
function manyAlerts(count: number) {
  const body = fixture('alertmanager-firing');
  const [template] = body.alerts;
  body.alerts = Array.from({ length: count }, (_, i) => ({
    ...template,
    labels: { ...template.labels, instance: `pod-${i}` },
    fingerprint: `f${String(i).padStart(5, '0')}`,
  }));
  return body;
}

describe.each(databases.eachSupportedId())(
  'alert intake limits on %s',
  databaseId => {
    const start = (options?: Parameters<typeof startIntakeBackend>[2]) =>
      startIntakeBackend(databases, databaseId, options);
    const roomy = { intake: { maxBodyBytes: 65536 } };

    async function rawPayloads(incidents: IncidentActions, ids: string[]) {
      return Promise.all(
        ids.map(async id =>
          JSON.stringify((await incidents.get(id)).rawPayload),
        ),
      );
    }

    describe('JSON nested 5,000 levels deep in a free-form field', () => {
      const cases: Array<[string, string, () => unknown]> = [
        [
          'an unknown field of an Alertmanager alert',
          'alertmanager',
          () => {
            const body = fixture('alertmanager-firing');
            body.alerts[0].extra = '<DEEP>';
            return body;
          },
        ],
        [
          'an unknown field of an Alertmanager delivery',
          'alertmanager',
          () => ({ ...fixture('alertmanager-firing'), extra: '<DEEP>' }),
        ],
        [
          "a Grafana alert's values",
          'grafana?entityRef=status-page',
          () => {
            const body = fixture('grafana-unified');
            body.alerts[0].values = '<DEEP>';
            return body;
          },
        ],
        [
          "a Grafana legacy alert's evalMatches",
          'grafana',
          () => ({ ...fixture('grafana-legacy'), evalMatches: ['<DEEP>'] }),
        ],
        [
          "a PagerDuty event's custom_details",
          'pagerduty',
          () => {
            const body = fixture('pagerduty-trigger');
            body.payload.custom_details = '<DEEP>';
            return body;
          },
        ],
        [
          "a plain alert's details",
          'json',
          () => ({ ...fixture('json-trigger'), details: { trace: '<DEEP>' } }),
        ],
      ];

      it.each(cases)(
        'accepts the alert with %s, storing the payload cut at the depth limit',
        async (_what, path, body) => {
          const { post, knex, incidents } = await start({ oncall: roomy });
          for (const deep of [deepArrays(5_000), deepObjects(5_000)]) {
            const text = withDeep(body(), deep);
            expect(text.length).toBeGreaterThan(10_000);
            const res = await post(path)
              .set('Content-Type', 'application/json')
              .send(text);
            expect(res.status).toBe(202);
          }
          const rows = await incidentRows(knex);
          expect(rows.length).toBeGreaterThan(0);
          const stored = await rawPayloads(
            incidents,
            rows.map(r => r.id),
          );
          expect(stored.some(raw => raw.includes(DEPTH_MARKER))).toBe(true);
        },
      );

      it('accepts it sent chunked (no content-length), read by the intake itself', async () => {
        const { server, knex } = await start({ oncall: roomy });
        const text = withDeep(
          { ...fixture('json-trigger'), details: { trace: '<DEEP>' } },
          deepObjects(5_000),
        );
        const res = await postRaw(server, 'json', {
          chunks: [text.slice(0, 5000), text.slice(5000)],
        });
        expect(res.status).toBe(202);
        expect(await incidentRows(knex)).toHaveLength(1);
      });

      it('accepts it sent chunked behind a JSON body parser, whose body it measures', async () => {
        const { server, knex } = await start({
          oncall: roomy,
          behindJsonParser: true,
        });
        const text = withDeep(
          { ...fixture('json-trigger'), details: { trace: '<DEEP>' } },
          deepArrays(5_000),
        );
        const res = await postRaw(server, 'json', {
          chunks: [text.slice(0, 3000), text.slice(3000)],
        });
        expect(res.status).toBe(202);
        expect(await incidentRows(knex)).toHaveLength(1);
      });

      it('refuses a deep value where a string is required with 400, storing nothing', async () => {
        const { post, knex } = await start({ oncall: roomy });
        const body = fixture('alertmanager-firing');
        body.alerts[0].labels.severity = '<DEEP>';
        const res = await post('alertmanager')
          .set('Content-Type', 'application/json')
          .send(withDeep(body, deepArrays(5_000)));
        expect(res.status).toBe(400);
        expect(res.body.error.message).toMatch(
          /^Invalid Alertmanager payload: alerts\[0\]\.labels\.severity: Expected string, received array/,
        );
        await expectNothingStored(knex);
      });
    });

    describe('ill-formed strings', () => {
      it('stores a lone surrogate in a dedup key and title as U+FFFD, and the same key matches again', async () => {
        const { post, knex } = await start();
        const created = await post('json').send({
          ...fixture('json-trigger'),
          dedupKey: '\ud800x',
          title: 'Disk \udc00 full',
        });
        expect(created.status).toBe(202);
        expect(created.body).toMatchObject({
          outcome: 'created',
          dedupKey: '\ufffdx',
        });
        const resolved = await post('json').send({
          entityRef: 'payments-api',
          action: 'resolve',
          dedupKey: '\ud800x',
        });
        expect(resolved.body).toMatchObject({ outcome: 'resolved' });
        expect(
          (await incidentRows(knex)).map(r => [r.dedup_key, r.title, r.status]),
        ).toEqual([['\ufffdx', 'Disk \ufffd full', 'resolved']]);
      });

      it('does the same for a PagerDuty dedup_key and an Alertmanager fingerprint', async () => {
        const { post, knex } = await start();
        const trigger = await post('pagerduty').send({
          ...fixture('pagerduty-trigger'),
          dedup_key: 'srv01/\ud800',
          payload: {
            ...fixture('pagerduty-trigger').payload,
            summary: 'DISK \ud800',
          },
        });
        expect(trigger.status).toBe(202);
        expect(trigger.body.dedup_key).toBe('srv01/\ufffd');
        await post('pagerduty')
          .send({ ...fixture('pagerduty-resolve'), dedup_key: 'srv01/\ud800' })
          .expect(202);

        const body = fixture('alertmanager-firing');
        body.alerts[0].fingerprint = '\udbff';
        body.alerts[0].annotations.summary = 'High \ud800 latency';
        const res = await post('alertmanager').send(body);
        expect(res.status).toBe(202);
        expect(res.body.results[0].dedupKey).toBe('alertmanager:\ufffd');
        expect(
          (await incidentRows(knex)).map(r => [r.dedup_key, r.title, r.status]),
        ).toEqual(
          expect.arrayContaining([
            ['srv01/\ufffd', 'DISK \ufffd', 'resolved'],
            [
              'alertmanager:\ufffd',
              'HighRequestLatency: High \ufffd latency',
              'triggered',
            ],
          ]),
        );
      });

      it('removes NUL characters from every field, the raw payload included', async () => {
        const { post, knex, incidents } = await start();
        const res = await post('json').send({
          ...fixture('json-trigger'),
          entityRef: 'payments-api\u0000',
          dedupKey: 'disk\u0000full',
          title: 'Disk\u0000 full',
          details: { 'k\u0000': 'v\u0000', list: ['\u0000'] },
        });
        expect(res.status).toBe(202);
        expect(res.body.dedupKey).toBe('diskfull');
        const [row] = await incidentRows(knex);
        expect(row).toMatchObject({
          dedup_key: 'diskfull',
          title: 'Disk full',
          entity_ref: 'component:default/payments-api',
        });
        const raw = JSON.stringify((await incidents.get(row.id)).rawPayload);
        expect(raw).not.toContain('\\u0000');
        expect(raw).toContain('"k":"v"');

        const pd = fixture('pagerduty-trigger');
        pd.payload.summary = 'DISK\u0000 at 99%';
        pd.payload.custom_details['\u0000'] = '\u0000';
        expect((await post('pagerduty').send(pd)).status).toBe(202);

        const am = fixture('alertmanager-firing');
        for (const alert of am.alerts) delete alert.labels.entity_ref;
        am.alerts[0].labels.instance = 'pod\u0000-1';
        am.alerts[0].fingerprint = 'fp\u0000';
        const amRes = await post('alertmanager?entityRef=ledger%00').send(am);
        expect(amRes.status).toBe(202);
        expect(amRes.body.results[0].dedupKey).toBe('alertmanager:fp');
        const rows = await incidentRows(knex);
        expect(rows).toHaveLength(4);
        expect(
          rows.filter(r => r.entity_ref === 'component:default/ledger'),
        ).toHaveLength(2);
      });

      it('answers 404 to a heartbeat id with a NUL, storing nothing', async () => {
        const { post, knex } = await start();
        const res = await post('heartbeat/nightly%00backup');
        expect(res.status).toBe(404);
        await expectNothingStored(knex);
      });

      it('reads label words that are names of Object’s own methods as words', async () => {
        const { post, knex } = await start();
        const body = fixture('alertmanager-firing');
        body.alerts[0].labels.severity = 'constructor';
        body.alerts[1].labels.severity = 'toString';
        const text = JSON.stringify(body).replace(
          '"severity":"toString"',
          '"severity":"toString","__proto__":"hasOwnProperty"',
        );
        expect(text).toContain('__proto__');
        const res = await post('alertmanager')
          .set('Content-Type', 'application/json')
          .send(text);
        expect(res.status).toBe(202);
        expect((await incidentRows(knex)).map(r => r.severity)).toEqual([
          'critical',
          'critical',
        ]);
      });
    });

    describe('deliveries of 5,000 alerts', () => {
      const big = { intake: { maxBodyBytes: 8 * 1024 * 1024 } };

      it('stores 5,000 new Alertmanager alerts once, in one transaction, and absorbs the re-send', async () => {
        const { post, knex } = await start({ oncall: big });
        const body = manyAlerts(5_000);
        const first = await post('alertmanager').send(body);
        expect(first.status).toBe(202);
        expect(first.body.results).toHaveLength(5_000);
        expect(
          first.body.results.every((r: any) => r.outcome === 'created'),
        ).toBe(true);
        const [{ n, keys }] = await knex('pulse_incidents').select(
          knex.raw('count(*) as n'),
          knex.raw('count(distinct dedup_key) as keys'),
        );
        expect([Number(n), Number(keys)]).toEqual([5_000, 5_000]);

        const again = await post('alertmanager').send(body);
        expect(again.status).toBe(202);
        expect(
          again.body.results.every((r: any) => r.outcome === 'absorbed'),
        ).toBe(true);
        const counts = await knex('pulse_incidents')
          .select('alert_count', knex.raw('count(*) as n'))
          .groupBy('alert_count');
        expect(counts.map(c => [Number(c.alert_count), Number(c.n)])).toEqual([
          [2, 5_000],
        ]);
      });

      it('stores 5,000 new Grafana alerts once, and one incident for 5,000 alerts grouped by groupKey', async () => {
        const { post, knex } = await start({ oncall: big });
        const body = { ...manyAlerts(5_000), orgId: 1 };
        const res = await post('grafana', GRAFANA).send(body);
        expect(res.status).toBe(202);
        expect(res.body.results).toHaveLength(5_000);
        const [{ n }] = await knex('pulse_incidents')
          .where('dedup_key', 'like', 'grafana:1:%')
          .count({ n: '*' });
        expect(Number(n)).toBe(5_000);

        const grouped = await start({
          oncall: {
            intake: { ...big.intake, alertmanagerGrouping: 'groupKey' },
          },
        });
        const group = await grouped
          .post('alertmanager')
          .send({ ...manyAlerts(5_000), groupKey: '{}:{alertname="x"}' });
        expect(group.status).toBe(202);
        expect(group.body.results).toEqual([
          expect.objectContaining({ outcome: 'created' }),
        ]);
      });

      it('stores nothing of a 5,000-alert delivery that fails before its commit; the retry stores it once', async () => {
        let failNext = true;
        const { post, knex } = await start({
          oncall: big,
          patchStore: store => {
            // Fails once every chunk of the delivery is inserted, inside its transaction.
            const insert = store.insertManyIfNoneOpen.bind(store);
            store.insertManyIfNoneOpen = async (...args) => {
              const inserted = await insert(...args);
              if (failNext) {
                failNext = false;
                throw new Error('the database went away');
              }
              return inserted;
            };
          },
        });
        const body = manyAlerts(5_000);
        expect((await post('alertmanager').send(body)).status).toBe(500);
        await expectNothingStored(knex);

        const retried = await post('alertmanager').send(body);
        expect(retried.status).toBe(202);
        const [{ n }] = await knex('pulse_incidents').count({ n: '*' });
        expect(Number(n)).toBe(5_000);
      });
    });

    describe('slow bodies', () => {
      const quick = { intake: { bodyTimeoutSeconds: 0.2 } };

      it('answers 408 to a body that stops halfway, closes the connection and stores nothing', async () => {
        const { server, knex } = await start({ oncall: quick });
        const text = JSON.stringify(fixture('json-trigger'));
        const res = await postRaw(server, 'json', {
          chunks: [text.slice(0, text.length / 2)],
          contentLength: Buffer.byteLength(text),
          stall: true,
        });
        expect(res.status).toBe(408);
        expect(res.headers.connection).toBe('close');
        expect(res.body.error).toEqual(
          expect.objectContaining({
            name: 'RequestTimeoutError',
            message:
              'Request body was not received within 0.2s (pulse.oncall.intake.bodyTimeoutSeconds); nothing was stored',
          }),
        );
        await expectNothingStored(knex);
      });

      it('answers a stalled chunked PagerDuty event with 408 in PagerDuty’s shape', async () => {
        const { server, knex } = await start({ oncall: quick });
        const res = await postRaw(server, 'pagerduty', {
          chunks: ['{"routing_key": "'],
          stall: true,
        });
        expect(res.status).toBe(408);
        expect(res.body).toEqual({
          status: 'invalid event',
          message: 'Event object is invalid',
          errors: [expect.stringMatching(/^Request body was not received/)],
        });
        await expectNothingStored(knex);
      });
    });

    describe('entity kinds', () => {
      it('refuses alerts about a Group with 400 saying why, storing nothing', async () => {
        const { post, knex } = await start();
        const body = fixture('alertmanager-firing');
        body.alerts[1].labels.entity_ref = 'group:default/payments-team';
        const am = await post('alertmanager').send(body);
        expect(am.status).toBe(400);
        expect(am.body.error).toMatchObject({
          name: 'InputError',
          message:
            "Alert refused (from label 'entity_ref'): group:default/payments-team is of kind Group, and incidents can only be about kinds Component, Resource or System (pulse.oncall.intake.entityKinds)",
        });

        const grafana = await post(
          'grafana?entityRef=group:default/payments-team',
          GRAFANA,
        ).send(fixture('grafana-unified'));
        expect(grafana.status).toBe(400);
        expect(grafana.body.error.message).toMatch(
          /^Alert refused \(from query parameter 'entityRef'\): group:default\/payments-team is of kind Group/,
        );

        const json = await post('json').send({
          ...fixture('json-trigger'),
          entityRef: 'user:default/alice',
        });
        expect(json.status).toBe(400);
        expect(json.body.error.message).toMatch(/is of kind User/);
        await expectNothingStored(knex);
      });

      it('accepts a System by default, and follows pulse.oncall.intake.entityKinds', async () => {
        const defaults = await start();
        await defaults
          .post('json')
          .send({
            ...fixture('json-trigger'),
            entityRef: 'system:default/shop',
          })
          .expect(202);

        const { post, knex } = await start({
          oncall: { intake: { entityKinds: ['Component'] } },
        });
        const res = await post('json').send({
          ...fixture('json-trigger'),
          entityRef: 'system:shop',
        });
        expect(res.status).toBe(400);
        expect(res.body.error.message).toBe(
          "Alert refused (from field 'entityRef'): system:default/shop is of kind System, and incidents can only be about kinds Component (pulse.oncall.intake.entityKinds)",
        );
        await expectNothingStored(knex);
      });
    });

    describe('rate limit across replicas', () => {
      it('holds one limit for two backends on one database', async () => {
        const oncall = {
          intake: { rateLimit: { requestsPerSecond: 1, burst: 3 } },
        };
        const first = await start({ oncall });
        const second = await startIntakeBackend(databases, databaseId, {
          oncall,
          knex: first.knex,
          clock: first.clock,
        });
        const cron = serviceHeader('backup-cron');
        const statuses = [];
        for (let i = 0; i < 3; i++) {
          statuses.push(
            (await first.post('heartbeat/nightly-backup', cron)).status,
          );
          statuses.push(
            (await second.post('heartbeat/nightly-backup', cron)).status,
          );
        }
        expect(statuses).toEqual([202, 202, 202, 429, 429, 429]);
        // Another token is counted apart.
        expect(
          (await second.post('pagerduty').send(fixture('pagerduty-trigger')))
            .status,
        ).toBe(202);
      });
    });
  },
);
