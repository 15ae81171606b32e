import { mockServices } from '@backstage/backend-test-utils';
import { createTestDatabases } from '../../__testUtils__/testDatabases';
import {
  ALICE,
  BOB,
  configPolicySource,
  FakeClock,
  migratedDatabase,
  SERVICE,
  testOncallConfig,
} from '../__testUtils__/fixtures';
import { AlertSignal } from './IncidentIntake';
import { createIncidentService } from './IncidentService';

jest.setTimeout(60_000);

const databases = createTestDatabases();

function signal(overrides: Partial<AlertSignal> = {}): AlertSignal {
  return {
    action: 'trigger',
    dedupKey: 'disk-full',
    entityRef: SERVICE,
    title: 'Disk full on db-1',
    severity: 'critical',
    source: 'pagerduty',
    integrationKey: 'routing-key-1',
    rawPayload: { summary: 'Disk full on db-1' },
    ...overrides,
  };
}

describe.each(databases.eachSupportedId())(
  'IncidentService on %s',
  databaseId => {
    async function setup() {
      const knex = await databases.init(databaseId);
      const { publisher } = await migratedDatabase(knex);
      const clock = new FakeClock('2025-05-05T10:00:00Z');
      const config = testOncallConfig();
      const auditor = mockServices.auditor.mock();
      const service = createIncidentService({
        knex,
        publisher,
        policies: configPolicySource(config),
        auditor,
        now: clock.now,
        incidentLink: id => `http://localhost:3000/pulse/incidents/${id}`,
      });
      const events = () => publisher.list({ limit: 1000 });
      return { knex, service, clock, events, auditor };
    }

    it('opens one incident per dedup key and absorbs repeats into it', async () => {
      const { service, events, clock } = await setup();
      const first = await service.receive(signal(), 'alertmanager');
      expect(first).toMatchObject({
        outcome: 'created',
        dedupKey: 'disk-full',
      });
      clock.advance(1);
      const second = await service.receive(signal(), 'alertmanager');
      expect(second).toEqual({
        outcome: 'absorbed',
        incidentId: first.incidentId,
        dedupKey: 'disk-full',
      });

      const incident = await service.get(first.incidentId!);
      expect(incident).toMatchObject({
        status: 'triggered',
        alertCount: 2,
        entityRef: SERVICE,
        escalationPolicyId: 'payments',
        nextEscalationAt: '2025-05-05T10:00:00.000Z',
        htmlUrl: `http://localhost:3000/pulse/incidents/${first.incidentId}`,
        rawPayload: { summary: 'Disk full on db-1' },
      });
      expect(incident.timeline.map(e => e.type)).toEqual([
        'created',
        'alert_absorbed',
      ]);
      expect((await events()).map(e => e.type)).toEqual([
        'incident.created',
        'incident.alert_absorbed',
      ]);
    });

    it('makes exactly one incident from concurrent identical triggers', async () => {
      const { service, knex } = await setup();
      const results = await Promise.all(
        Array.from({ length: 12 }, () =>
          service.receive(signal(), 'alertmanager'),
        ),
      );
      const created = results.filter(r => r.outcome === 'created');
      expect(created).toHaveLength(1);
      expect(results.filter(r => r.outcome === 'absorbed')).toHaveLength(11);
      expect(new Set(results.map(r => r.incidentId)).size).toBe(1);
      const rows = await knex('pulse_incidents').where({
        dedup_key: 'disk-full',
      });
      expect(rows).toHaveLength(1);
      expect(rows[0].alert_count).toBe(12);
    });

    it('applies a delivery of several alerts together: new keys open incidents, repeats are absorbed', async () => {
      const { service, events, auditor } = await setup();
      const earlier = await service.receive(
        signal({ dedupKey: 'cpu' }),
        'alertmanager',
      );
      const results = await service.receiveAll(
        [
          signal({ dedupKey: 'disk-full', title: 'Disk full' }),
          signal({ dedupKey: 'cpu' }),
          signal({ dedupKey: 'disk-full', title: 'Disk full again' }),
          signal({ dedupKey: 'memory', title: 'Memory' }),
          signal({ dedupKey: 'cpu', action: 'acknowledge' }),
        ],
        'alertmanager',
      );
      expect(results.map(r => [r.dedupKey, r.outcome])).toEqual([
        ['disk-full', 'created'],
        ['cpu', 'absorbed'],
        ['disk-full', 'absorbed'],
        ['memory', 'created'],
        ['cpu', 'acknowledged'],
      ]);
      expect(results[1].incidentId).toBe(earlier.incidentId);
      expect(results[2].incidentId).toBe(results[0].incidentId);

      const disk = await service.get(results[0].incidentId!);
      expect(disk).toMatchObject({ title: 'Disk full', alertCount: 2 });
      expect(disk.timeline.map(e => [e.type, e.message])).toEqual([
        ['created', expect.stringContaining('Opened by a pagerduty alert')],
        [
          'alert_absorbed',
          'Another pagerduty alert with the same key was absorbed (2 in all)',
        ],
      ]);
      const cpu = await service.get(earlier.incidentId!);
      expect(cpu).toMatchObject({ status: 'acknowledged', alertCount: 2 });

      const published = (await events()).map(e => [
        e.type,
        (e.payload as any).incident.dedupKey,
      ]);
      expect(published).toEqual([
        ['incident.created', 'cpu'],
        ['incident.alert_absorbed', 'cpu'],
        ['incident.created', 'disk-full'],
        ['incident.alert_absorbed', 'disk-full'],
        ['incident.created', 'memory'],
        ['incident.acknowledged', 'cpu'],
      ]);
      // One audit record per delivery, naming every alert and what became of it.
      expect(auditor.createEvent).toHaveBeenCalledTimes(2);
      expect(auditor.createEvent).toHaveBeenLastCalledWith(
        expect.objectContaining({
          eventId: 'incident-alert',
          meta: expect.objectContaining({
            actor: 'alertmanager',
            alerts: expect.arrayContaining([
              expect.objectContaining({
                dedupKey: 'memory',
                action: 'trigger',
              }),
            ]),
          }),
        }),
      );
    });

    it('keeps one incident per key when overlapping deliveries race', async () => {
      const { service, knex } = await setup();
      const keys = ['a', 'b', 'c', 'd'];
      const deliveries = Array.from({ length: 8 }, (_, i) =>
        // Each delivery names the keys in a different order.
        [...keys.slice(i % 4), ...keys.slice(0, i % 4)].map(dedupKey =>
          signal({ dedupKey }),
        ),
      );
      const results = (
        await Promise.all(
          deliveries.map(d => service.receiveAll(d, 'alertmanager')),
        )
      ).flat();
      expect(results.filter(r => r.outcome === 'created')).toHaveLength(4);
      expect(results.filter(r => r.outcome === 'absorbed')).toHaveLength(28);
      const rows = await knex('pulse_incidents')
        .select('dedup_key', 'alert_count')
        .orderBy('dedup_key');
      expect(rows).toEqual(
        keys.map(key => ({ dedup_key: key, alert_count: 8 })),
      );
      expect(
        await knex('pulse_incident_timeline').where({ type: 'alert_absorbed' }),
      ).toHaveLength(28);
    });

    it('opens a new incident for a trigger after resolve, and ignores signals for unknown keys', async () => {
      const { service } = await setup();
      const first = await service.receive(signal(), 'pd');
      expect(
        await service.receive(signal({ action: 'resolve' }), 'pd'),
      ).toMatchObject({ outcome: 'resolved', incidentId: first.incidentId });
      const again = await service.receive(signal({ action: 'resolve' }), 'pd');
      expect(again).toMatchObject({
        outcome: 'ignored',
        incidentId: first.incidentId,
        reason: 'the incident with this key is already resolved',
      });
      const second = await service.receive(signal(), 'pd');
      expect(second.outcome).toBe('created');
      expect(second.incidentId).not.toBe(first.incidentId);

      expect(
        await service.receive(
          signal({ action: 'acknowledge', dedupKey: 'nope' }),
          'pd',
        ),
      ).toEqual({
        outcome: 'ignored',
        incidentId: null,
        dedupKey: 'nope',
        reason:
          'no incident of this service has this key through this integration',
      });
      const resolved = await service.get(first.incidentId!);
      expect(resolved.timeline.map(e => e.type)).toEqual([
        'created',
        'resolved',
        'ignored_signal',
      ]);
    });

    it('applies acknowledge and resolve only to the incident opened through the same integration', async () => {
      const { service } = await setup();
      const { incidentId } = await service.receive(signal(), 'pd');
      for (const action of ['acknowledge', 'resolve'] as const) {
        expect(
          await service.receive(
            signal({ action, integrationKey: 'routing-key-2' }),
            'pd',
          ),
        ).toEqual({
          outcome: 'ignored',
          incidentId: null,
          dedupKey: 'disk-full',
          reason:
            'no incident of this service has this key through this integration',
        });
      }
      expect((await service.get(incidentId!)).status).toBe('triggered');
      expect(
        (await service.get(incidentId!)).timeline.map(e => e.type),
      ).toEqual(['created']);
      expect(
        await service.receive(signal({ action: 'acknowledge' }), 'pd'),
      ).toMatchObject({ outcome: 'acknowledged' });
      expect(
        await service.receive(signal({ action: 'acknowledge' }), 'pd'),
      ).toMatchObject({
        outcome: 'ignored',
        reason: 'the incident is already acknowledged',
      });
    });

    it('keeps a dedup key apart per service and per integration', async () => {
      const { service, knex } = await setup();
      const other = 'component:default/other';
      const a = await service.receive(signal(), 'pd');
      const b = await service.receive(signal({ entityRef: other }), 'pd');
      const c = await service.receive(
        signal({ integrationKey: 'routing-key-2' }),
        'pd',
      );
      const json = await service.receive(
        signal({ source: 'json', integrationKey: 'json' }),
        'json',
      );
      expect([a, b, c, json].map(r => r.outcome)).toEqual([
        'created',
        'created',
        'created',
        'created',
      ]);
      expect(new Set([a, b, c, json].map(r => r.incidentId)).size).toBe(4);
      expect(
        await service.receive(signal({ entityRef: other }), 'pd'),
      ).toMatchObject({ outcome: 'absorbed', incidentId: b.incidentId });

      expect(
        await service.receive(
          signal({ entityRef: other, action: 'resolve' }),
          'pd',
        ),
      ).toMatchObject({ outcome: 'resolved', incidentId: b.incidentId });
      const statuses = await knex('pulse_incidents')
        .select('id', 'status')
        .orderBy('id');
      expect(
        Object.fromEntries(statuses.map(row => [row.id, row.status])),
      ).toEqual({
        [a.incidentId!]: 'triggered',
        [b.incidentId!]: 'resolved',
        [c.incidentId!]: 'triggered',
        [json.incidentId!]: 'triggered',
      });
    });

    it('applies a delivery of 5,000 triggers in one transaction: a failure in a late chunk stores none of them', async () => {
      const { service, knex } = await setup();
      const signals = Array.from({ length: 5_000 }, (_, i) =>
        signal({ dedupKey: `k${String(i).padStart(5, '0')}` }),
      );
      // Sorted last, so it fails in the last insert chunk, after the others were written.
      const broken = signal({ dedupKey: 'zzz', title: null as any });
      const failure = await service
        .receiveAll([...signals, broken], 'alertmanager')
        .then(
          () => 'stored',
          error => String(error),
        );
      // Matched as text: SQLite's error may come from a native module loaded in another realm.
      expect(failure).toMatch(/null|not-null|NOT NULL/i);
      for (const table of [
        'pulse_incidents',
        'pulse_incident_timeline',
        'pulse_events',
      ]) {
        const [{ n }] = await knex(table).count({ n: '*' });
        expect([table, Number(n)]).toEqual([table, 0]);
      }

      const results = await service.receiveAll(signals, 'alertmanager');
      expect(results.filter(r => r.outcome === 'created')).toHaveLength(5_000);
      const again = await service.receiveAll(signals, 'alertmanager');
      expect(again.filter(r => r.outcome === 'absorbed')).toHaveLength(5_000);
      const [{ n, total }] = await knex('pulse_incidents').select(
        knex.raw('count(*) as n'),
        knex.raw('sum(alert_count) as total'),
      );
      expect([Number(n), Number(total)]).toEqual([5_000, 10_000]);
    });

    it('hashes dedup keys longer than 255 characters to a fixed length', async () => {
      const { service } = await setup();
      const long = 'k'.repeat(600);
      const first = await service.receive(signal({ dedupKey: long }), 'json');
      const second = await service.receive(signal({ dedupKey: long }), 'json');
      expect(first.dedupKey).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(second).toMatchObject({
        outcome: 'absorbed',
        incidentId: first.incidentId,
      });
    });

    it('stores time to acknowledge and resolve, and refuses invalid transitions', async () => {
      const { service, clock, auditor } = await setup();
      const { incidentId } = await service.receive(signal(), 'pd');
      const id = incidentId!;
      clock.advance(3);
      const acked = await service.acknowledge(id, { actor: ALICE });
      expect(acked).toMatchObject({
        status: 'acknowledged',
        timeToAcknowledgeSeconds: 180,
        nextEscalationAt: null,
      });
      await expect(
        service.acknowledge(id, { actor: ALICE }),
      ).rejects.toMatchObject({
        name: 'ConflictError',
      });
      clock.advance(7);
      await service.addNote(id, 'Rolled back the deploy', { actor: ALICE });
      const resolved = await service.resolve(id, { actor: BOB });
      expect(resolved).toMatchObject({
        status: 'resolved',
        timeToAcknowledgeSeconds: 180,
        timeToResolveSeconds: 600,
        resolvedAt: '2025-05-05T10:10:00.000Z',
      });
      await expect(service.resolve(id, { actor: BOB })).rejects.toMatchObject({
        name: 'ConflictError',
      });
      await expect(service.escalate(id, { actor: BOB })).rejects.toMatchObject({
        name: 'ConflictError',
      });
      await expect(
        service.acknowledge('no-such-id', { actor: BOB }),
      ).rejects.toMatchObject({
        name: 'NotFoundError',
      });
      const detail = await service.get(id);
      expect(detail.timeline.map(e => [e.type, e.actor])).toEqual([
        ['created', 'pd'],
        ['acknowledged', ALICE],
        ['note', ALICE],
        ['resolved', BOB],
      ]);
      expect(auditor.createEvent).toHaveBeenCalledWith(
        expect.objectContaining({
          eventId: 'incident-acknowledge',
          meta: { incidentId: id, actor: ALICE },
        }),
      );
    });

    it('reassigns to a user or a policy, and rejects an unknown policy', async () => {
      const { service } = await setup();
      const { id } = await service.create(
        { entityRef: SERVICE, title: 'Checkout is slow', severity: 'warning' },
        { actor: ALICE },
      );
      const toBob = await service.reassign(
        id,
        { userRef: BOB },
        { actor: ALICE },
      );
      expect(toBob).toMatchObject({
        assignees: [BOB],
        escalationPolicyId: `reassigned:${BOB}`,
        status: 'triggered',
      });
      const toPolicy = await service.reassign(
        id,
        { policyId: 'with-ack-timeout' },
        { actor: ALICE },
      );
      expect(toPolicy).toMatchObject({
        assignees: [],
        escalationPolicyId: 'with-ack-timeout',
      });
      await expect(
        service.reassign(id, { policyId: 'nope' }, { actor: ALICE }),
      ).rejects.toMatchObject({ name: 'InputError' });
    });

    it('lists incidents newest first with filters and a cursor', async () => {
      const { service, clock } = await setup();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const { incidentId } = await service.receive(
          signal({
            dedupKey: `key-${i}`,
            severity: i % 2 ? 'warning' : 'critical',
            entityRef: i === 4 ? 'component:default/other' : SERVICE,
          }),
          'pd',
        );
        ids.push(incidentId!);
        clock.advance(1);
      }
      await service.acknowledge(ids[0], { actor: ALICE });
      await service.reassign(ids[1], { userRef: BOB }, { actor: ALICE });

      const page1 = await service.list({ limit: 2 });
      expect(page1.items.map(i => i.id)).toEqual([ids[4], ids[3]]);
      const page2 = await service.list({ limit: 2, cursor: page1.nextCursor! });
      expect(page2.items.map(i => i.id)).toEqual([ids[2], ids[1]]);
      const page3 = await service.list({ limit: 2, cursor: page2.nextCursor! });
      expect(page3).toEqual({
        items: [expect.objectContaining({ id: ids[0] })],
        nextCursor: null,
      });

      expect(
        (await service.list({ severities: ['warning'] })).items.map(i => i.id),
      ).toEqual([ids[3], ids[1]]);
      expect(
        (await service.list({ statuses: ['acknowledged'] })).items.map(
          i => i.id,
        ),
      ).toEqual([ids[0]]);
      expect(
        (await service.list({ assignee: BOB })).items.map(i => i.id),
      ).toEqual([ids[1]]);
      expect(
        (
          await service.list({ entityRefs: ['component:default/other'] })
        ).items.map(i => i.id),
      ).toEqual([ids[4]]);
      await expect(service.list({ cursor: 'garbage' })).rejects.toMatchObject({
        name: 'InputError',
      });
    });

    it('opens an incident without paging anyone when no policy applies, and says so', async () => {
      const knex = await databases.init(databaseId);
      const { publisher } = await migratedDatabase(knex);
      const service = createIncidentService({ knex, publisher });
      const { incidentId } = await service.receive(signal(), 'pd');
      const incident = await service.get(incidentId!);
      expect(incident).toMatchObject({
        escalationPolicyId: 'none',
        nextEscalationAt: null,
      });
      expect(incident.timeline[1]).toMatchObject({
        type: 'escalation_finished',
        message: expect.stringContaining('Nobody will be paged'),
      });
    });
  },
);
