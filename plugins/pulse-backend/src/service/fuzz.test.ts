import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import fc from 'fast-check';
import { Knex } from 'knex';
import request from 'supertest';
import { spec } from '../schema/openapi/generated/router';
import { componentEntity, userEntity } from '../__testUtils__/entities';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import {
  serviceHeader,
  startPulseTestBackend,
} from '../__testUtils__/testBackend';

/*
 * Every documented route with malformed, oversized, oddly encoded and hostile input: no answer may
 * be a 5xx, and a refused write stores nothing. Seeded and bounded, so a failure reproduces with
 * PULSE_FUZZ_SEED=<seed printed in the failure>.
 */

jest.setTimeout(600_000);

const databases = createTestDatabases();
const SEED = Number(process.env.PULSE_FUZZ_SEED ?? 20261201);
const RUNS_PER_OPERATION = Number(process.env.PULSE_FUZZ_RUNS ?? 24);

const entities: Entity[] = [
  componentEntity('payments-api', {
    projectSlug: 'acme/payments-api',
    owner: 'group:default/payments',
  }),
  ...['alice', 'bob', 'mock'].map(userEntity),
];

const config = {
  integrations: {
    github: [
      { host: 'github.com', apiBaseUrl: 'http://127.0.0.1:9', token: 't' },
    ],
  },
  pulse: {
    api: { validateResponses: true },
    // One manual sync, before fuzzing (below); every later request is inside the cooldown, so no
    // sync runs in the background while the fuzz compares table counts.
    github: { manualSyncCooldownSeconds: 86400 },
    oncall: {
      routingKeys: { R0UTINGKEY: 'component:default/payments-api' },
      heartbeats: [
        {
          id: 'nightly',
          entityRef: 'component:default/payments-api',
          intervalSeconds: 300,
          title: 'Nightly job stopped',
        },
      ],
      schedules: [
        {
          id: 'primary',
          name: 'Primary',
          timeZone: 'Europe/Berlin',
          layers: [
            {
              id: 'weekly',
              members: ['user:default/alice', 'user:default/bob'],
              rotation: 'weekly',
              handoffTime: '09:00',
              start: '2026-01-05',
            },
          ],
        },
      ],
      escalationPolicies: [
        {
          id: 'default',
          name: 'Default',
          steps: [{ delayMinutes: 5, targets: [{ schedule: 'primary' }] }],
        },
      ],
      defaultEscalationPolicy: 'default',
    },
  },
};

/** Text no field should hold, and text that merely looks odd. */
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    '\udc00x',
    '😀',
    '../../etc/passwd',
    '%00',
    '%',
    '%E0%A4%A',
    "'; drop table pulse_incidents; --",
    '1e300',
    '-1',
    '0',
    '9007199254740993',
    '18446744073709551616',
    'NaN',
    'true',
    'null',
    '[]',
    '{}',
    '+275760-09-13T00:00:00.001Z',
    '9999-12-31T23:59:59Z',
    '2026-02-30T10:00:00Z',
    '2026-11-22T10:00',
    'component:default/payments-api',
    'user:default/alice',
    'group:default/payments',
  ),
  fc.integer({ min: 200, max: 20_000 }).map(n => 'x'.repeat(n)),
  // Crafted page cursors: valid base64url JSON with values no list produced.
  fc
    .record({
      s: fc.constantFrom('incidents', 'pull-requests:open', 'x'),
      a: fc.oneof(fc.double(), fc.constantFrom(1e20, -1e20, 2 ** 63, 1.5)),
      i: fc.oneof(
        fc.integer(),
        fc.string(),
        fc.constantFrom(1e300, 2 ** 63, -1),
      ),
    })
    .map(value => Buffer.from(JSON.stringify(value)).toString('base64url')),
);

/** JSON text nested `depth` levels deep (built as text: JSON.stringify itself cannot). */
function deepJson(depth: number, field: string): string {
  const open = Array.from({ length: depth }, (_, i) => (i % 2 ? '[' : '{"a":'));
  const close = open.map(o => (o === '[' ? ']' : '}')).reverse();
  return `{"${field}":${open.join('')}"x"${close.join('')}}`;
}

type FuzzBody = { json: unknown } | { text: string };

/** A body: arbitrary JSON, deep nesting, or a document's own fields with hostile values. */
function bodyFor(schemaFields: string[]): fc.Arbitrary<FuzzBody> {
  const field = fc.constantFrom(...schemaFields, 'extra', 'details', 'labels');
  return fc.oneof(
    fc.jsonValue({ maxDepth: 4 }).map(json => ({ json })),
    fc
      .tuple(fc.integer({ min: 40, max: 6000 }), field)
      .map(([depth, name]) => ({ text: deepJson(depth, name) })),
    fc
      .dictionary(
        fc.constantFrom(...schemaFields, 'extra', '__proto__', 'constructor'),
        fc.oneof(hostileString, fc.jsonValue({ maxDepth: 2 })),
        { maxKeys: Math.max(1, schemaFields.length + 1) },
      )
      .map(json => ({ json })),
    fc
      .array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 })
      .map(json => ({ json })),
  );
}

/** How a body is sent: as JSON, as broken JSON, or under a content type the route does not take. */
const encoding = fc.constantFrom(
  'json',
  'json',
  'json',
  'broken-json',
  'text',
  'form',
  'gzip-header',
  'latin1-charset',
);

/** Percent-encodes, writing lone surrogates as the invalid UTF-8 bytes a client could send. */
function encode(value: string): string {
  return value
    .split(/([\uD800-\uDFFF])/)
    .map(part =>
      /^[\uD800-\uDFFF]$/.test(part) ? '%ED%A0%80' : encodeURIComponent(part),
    )
    .join('');
}

function queryString(query: Record<string, unknown>): string {
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      pairs.push(`${encode(key)}=${encode(String(item))}`);
    }
  }
  return pairs.length ? `?${pairs.join('&')}` : '';
}

type Operation = {
  method: 'get' | 'post' | 'delete';
  template: string;
  pathParams: string[];
  queryParams: string[];
  bodyFields: string[] | null;
};

function operations(): Operation[] {
  const doc = spec as any;
  const resolve = (p: any) =>
    p.$ref ? doc.components.parameters[p.$ref.split('/').pop()] : p;
  const result: Operation[] = [];
  for (const [template, item] of Object.entries<any>(doc.paths)) {
    for (const method of ['get', 'post', 'delete'] as const) {
      const operation = item[method];
      if (!operation) continue;
      const params = (operation.parameters ?? []).map(resolve);
      const bodySchema =
        operation.requestBody?.content?.['application/json']?.schema;
      result.push({
        method,
        template,
        pathParams: params
          .filter((p: any) => p.in === 'path')
          .map((p: any) => p.name),
        queryParams: params
          .filter((p: any) => p.in === 'query')
          .map((p: any) => p.name),
        bodyFields: operation.requestBody
          ? Object.keys(bodySchema?.properties ?? {})
          : null,
      });
    }
  }
  return result;
}

async function tableCounts(knex: Knex): Promise<Record<string, number>> {
  const tables: string[] =
    knex.client.config.client === 'pg'
      ? await knex('information_schema.tables')
          .where({ table_schema: 'public' })
          .andWhere('table_name', 'like', 'pulse_%')
          .pluck('table_name')
      : await knex('sqlite_master')
          .where({ type: 'table' })
          .andWhere('name', 'like', 'pulse_%')
          .pluck('name');
  const counts: Record<string, number> = {};
  for (const table of tables.sort()) {
    if (
      table === 'pulse_intake_rate_limits' ||
      table === 'pulse_sync_requests'
    ) {
      // Bookkeeping of refused requests themselves (rate limit, sync cooldown), not data.
      continue;
    }
    const row = await knex(table).count({ n: '*' }).first();
    counts[table] = Number(row?.n ?? 0);
  }
  return counts;
}

async function waitUntil(condition: () => Promise<boolean>) {
  const deadline = Date.now() + 60_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('The backend did not settle');
    await new Promise(resolve => setTimeout(resolve, 50));
  }
}

describe.each(databases.eachSupportedId())(
  'every route under fuzzing on %s',
  databaseId => {
    it('never answers 5xx, and stores nothing for a refused write', async () => {
      const knex = await databases.init(databaseId);
      const { backend, server } = await startPulseTestBackend({
        knex,
        config,
        entities,
        // Every task once at start-up (and when triggered), none on its own later.
        features: [
          mockServices.scheduler.factory({
            includeInitialDelayedTasksOnStartup: true,
          }),
        ],
      });
      const user = mockCredentials.user.header('user:default/mock');
      const intake = serviceHeader('monitoring');

      // Real ids to aim at, so that fuzzing reaches past the "not found" answers.
      const created = await request(server)
        .post('/api/pulse/v1/incidents')
        .set('Authorization', user)
        .send({
          entityRef: 'component:default/payments-api',
          title: 'Seed',
          severity: 'info',
        });
      expect(created.status).toBe(201);
      // Let the start-up work settle (the tracked-entity refresh, the seed incident's first page),
      // so that the only writes during fuzzing are the requests' own.
      await waitUntil(async () => {
        const tracked = await knex('pulse_tracked_entities')
          .count({ n: '*' })
          .first();
        const notified = await knex('pulse_incident_timeline')
          .where({ type: 'notified' })
          .count({ n: '*' })
          .first();
        return Number(tracked?.n) === 1 && Number(notified?.n) === 1;
      });
      const synced = await request(server)
        .post('/api/pulse/v1/entities/component/default/payments-api/sync')
        .set('Authorization', user);
      expect(synced.status).toBe(202);
      await waitUntil(async () => {
        const status = await request(server)
          .get('/api/pulse/v1/entities/component/default/payments-api/sync')
          .set('Authorization', user);
        return status.body.requestedAt === null;
      });
      const valid: Record<string, string[]> = {
        kind: ['component'],
        namespace: ['default'],
        name: ['payments-api'],
        id: [created.body.id, 'primary', 'nightly'],
        overrideId: ['6f1c9a52-3b7e-4d0a-9c85-2e4f1a7b3c90'],
      };

      const failures: string[] = [];
      let sent = 0;
      const ops = operations();
      for (const [index, op] of ops.entries()) {
        const samples = fc.sample(
          fc.record({
            path: fc.record(
              Object.fromEntries(
                op.pathParams.map(name => [
                  name,
                  fc.oneof(
                    {
                      weight: 2,
                      arbitrary: fc.constantFrom(...(valid[name] ?? ['x'])),
                    },
                    { weight: 1, arbitrary: hostileString },
                  ),
                ]),
              ),
            ),
            query: fc.dictionary(
              fc.constantFrom(...op.queryParams, 'unknown', 'limit[]', 'a[b]'),
              fc.oneof(
                hostileString,
                fc.array(hostileString, { maxLength: 3 }),
              ),
              { maxKeys: 3 },
            ),
            body: bodyFor(op.bodyFields ?? []),
            encoding,
            auth: fc.constantFrom('user', 'user', 'intake'),
          }),
          { seed: SEED + index, numRuns: RUNS_PER_OPERATION },
        );
        for (const sample of samples) {
          const path = op.template.replace(/\{(\w+)\}/g, (_m, name) =>
            encode(String((sample.path as Record<string, unknown>)[name])),
          );
          const url = `/api/pulse/v1${path}${queryString(
            sample.query as Record<string, unknown>,
          )}`;
          const mutating = op.method !== 'get';
          const before = mutating ? await tableCounts(knex) : undefined;
          let req = request(server)
            [op.method](url)
            .set(
              'Authorization',
              sample.auth === 'intake' || op.template.startsWith('/alerts/')
                ? intake
                : user,
            );
          if (op.bodyFields !== null || sample.encoding !== 'json') {
            const body = sample.body as FuzzBody;
            const json =
              'text' in body ? body.text : JSON.stringify(body.json) ?? 'null';
            switch (sample.encoding) {
              case 'broken-json':
                req = req
                  .set('Content-Type', 'application/json')
                  .send(json.slice(0, -1) || '{');
                break;
              case 'text':
                req = req.set('Content-Type', 'text/plain').send(json);
                break;
              case 'form':
                req = req.type('form').send('a=1&b[c]=2');
                break;
              case 'gzip-header':
                req = req
                  .set('Content-Type', 'application/json')
                  .set('Content-Encoding', 'gzip')
                  .send(json);
                break;
              case 'latin1-charset':
                req = req
                  .set('Content-Type', 'application/json; charset=latin1')
                  .send(json);
                break;
              default:
                req = req.set('Content-Type', 'application/json').send(json);
            }
          }
          const res = await req;
          sent++;
          const where = `${op.method.toUpperCase()} ${url} (seed ${
            SEED + index
          })`;
          if (res.status >= 500) {
            failures.push(
              `${where} -> ${res.status} ${JSON.stringify(res.body).slice(
                0,
                300,
              )}`,
            );
          }
          if (mutating && res.status >= 400) {
            const after = await tableCounts(knex);
            if (JSON.stringify(after) !== JSON.stringify(before)) {
              failures.push(
                `${where} -> ${
                  res.status
                } but stored something: ${JSON.stringify(
                  before,
                )} -> ${JSON.stringify(after)}`,
              );
            }
          }
        }
      }
      expect(failures).toEqual([]);
      expect(sent).toBe(ops.length * RUNS_PER_OPERATION);
      // Still standing.
      expect((await request(server).get('/api/pulse/health')).status).toBe(200);
      await backend.stop();
    });
  },
);
