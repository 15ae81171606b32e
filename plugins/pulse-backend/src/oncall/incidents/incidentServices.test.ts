import { mockServices } from '@backstage/backend-test-utils';
import { createTestDatabases } from '../../__testUtils__/testDatabases';
import {
  ALICE,
  alertSignal,
  BOB,
  configPolicySource,
  FakeClock,
  migratedDatabase,
  SERVICE,
  testOncallConfig,
} from '../__testUtils__/fixtures';
import { createIncidentServices } from '.';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'incident services (intake and actions) on %s',
  databaseId => {
    async function setup() {
      const knex = await databases.init(databaseId);
      const { publisher } = await migratedDatabase(knex);
      const clock = new FakeClock('2025-05-05T10:00:00Z');
      const config = testOncallConfig();
      const auditor = mockServices.auditor.mock();
      const { actions, intake } = createIncidentServices({
        knex,
        publisher,
        policies: configPolicySource(config),
        auditor,
        clock,
        incidentLink: id => `http://localhost:3000/pulse/incidents/${id}`,
      });
      const events = () => publisher.list({ limit: 1000 });
      return { knex, actions, intake, clock, events, auditor };
    }

    it('opens one incident per dedup key and absorbs repeats into it', async () => {
      const { actions, intake, events, clock } = await setup();
      const first = await intake.receive(alertSignal(), 'alertmanager');
      expect(first).toMatchObject({
        outcome: 'created',
        dedupKey: 'disk-full',
      });
      clock.advance(1);
      const second = await intake.receive(alertSignal(), 'alertmanager');
      expect(second).toEqual({
        outcome: 'absorbed',
        incidentId: first.incidentId,
        dedupKey: 'disk-full',
      });

      const incident = await actions.get(first.incidentId!);
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
      const { intake, knex } = await setup();
      const results = await Promise.all(
        Array.from({ length: 12 }, () =>
          intake.receive(alertSignal(), 'alertmanager'),
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
      const { actions, intake, events, auditor } = await setup();
      const earlier = await intake.receive(
        alertSignal({ dedupKey: 'cpu' }),
        'alertmanager',
      );
      const results = await intake.receiveAll(
        [
          alertSignal({ dedupKey: 'disk-full', title: 'Disk full' }),
          alertSignal({ dedupKey: 'cpu' }),
          alertSignal({ dedupKey: 'disk-full', title: 'Disk full again' }),
          alertSignal({ dedupKey: 'memory', title: 'Memory' }),
          alertSignal({ dedupKey: 'cpu', action: 'acknowledge' }),
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

      const disk = await actions.get(results[0].incidentId!);
      expect(disk).toMatchObject({ title: 'Disk full', alertCount: 2 });
      expect(disk.timeline.map(e => [e.type, e.message])).toEqual([
        ['created', expect.stringContaining('Opened by a pagerduty alert')],
        [
          'alert_absorbed',
          'Another pagerduty alert with the same key was absorbed (2 in all)',
        ],
      ]);
      const cpu = await actions.get(earlier.incidentId!);
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
      const { intake, knex } = await setup();
      const keys = ['a', 'b', 'c', 'd'];
      const deliveries = Array.from({ length: 8 }, (_, i) =>
        // Each delivery names the keys in a different order.
        [...keys.slice(i % 4), ...keys.slice(0, i % 4)].map(dedupKey =>
          alertSignal({ dedupKey }),
        ),
      );
      const results = (
        await Promise.all(
          deliveries.map(d => intake.receiveAll(d, 'alertmanager')),
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
      const { actions, intake } = await setup();
      const first = await intake.receive(alertSignal(), 'pd');
      expect(
        await intake.receive(alertSignal({ action: 'resolve' }), 'pd'),
      ).toMatchObject({ outcome: 'resolved', incidentId: first.incidentId });
      const again = await intake.receive(
        alertSignal({ action: 'resolve' }),
        'pd',
      );
      expect(again).toMatchObject({
        outcome: 'ignored',
        incidentId: first.incidentId,
        reason: 'the incident with this key is already resolved',
      });
      const second = await intake.receive(alertSignal(), 'pd');
      expect(second.outcome).toBe('created');
      expect(second.incidentId).not.toBe(first.incidentId);

      expect(
        await intake.receive(
          alertSignal({ action: 'acknowledge', dedupKey: 'nope' }),
          'pd',
        ),
      ).toEqual({
        outcome: 'ignored',
        incidentId: null,
        dedupKey: 'nope',
        reason:
          'no incident of this service has this key through this integration',
      });
      const resolved = await actions.get(first.incidentId!);
      expect(resolved.timeline.map(e => e.type)).toEqual([
        'created',
        'resolved',
        'ignored_signal',
      ]);
    });

    it('applies acknowledge and resolve only to the incident opened through the same integration', async () => {
      const { actions, intake } = await setup();
      const { incidentId } = await intake.receive(alertSignal(), 'pd');
      for (const action of ['acknowledge', 'resolve'] as const) {
        expect(
          await intake.receive(
            alertSignal({ action, integrationKey: 'routing-key-2' }),
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
      expect((await actions.get(incidentId!)).status).toBe('triggered');
      expect(
        (await actions.get(incidentId!)).timeline.map(e => e.type),
      ).toEqual(['created']);
      expect(
        await intake.receive(alertSignal({ action: 'acknowledge' }), 'pd'),
      ).toMatchObject({ outcome: 'acknowledged' });
      expect(
        await intake.receive(alertSignal({ action: 'acknowledge' }), 'pd'),
      ).toMatchObject({
        outcome: 'ignored',
        reason: 'the incident is already acknowledged',
      });
    });

    it('keeps a dedup key apart per service and per integration', async () => {
      const { intake, knex } = await setup();
      const other = 'component:default/other';
      const a = await intake.receive(alertSignal(), 'pd');
      const b = await intake.receive(alertSignal({ entityRef: other }), 'pd');
      const c = await intake.receive(
        alertSignal({ integrationKey: 'routing-key-2' }),
        'pd',
      );
      const json = await intake.receive(
        alertSignal({ source: 'json', integrationKey: 'json' }),
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
        await intake.receive(alertSignal({ entityRef: other }), 'pd'),
      ).toMatchObject({ outcome: 'absorbed', incidentId: b.incidentId });

      expect(
        await intake.receive(
          alertSignal({ entityRef: other, action: 'resolve' }),
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
      const { intake, knex } = await setup();
      const signals = Array.from({ length: 5_000 }, (_, i) =>
        alertSignal({ dedupKey: `k${String(i).padStart(5, '0')}` }),
      );
      // Sorted last, so it fails in the last insert chunk, after the others were written.
      const broken = alertSignal({ dedupKey: 'zzz', title: null as any });
      const failure = await intake
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

      const results = await intake.receiveAll(signals, 'alertmanager');
      expect(results.filter(r => r.outcome === 'created')).toHaveLength(5_000);
      const again = await intake.receiveAll(signals, 'alertmanager');
      expect(again.filter(r => r.outcome === 'absorbed')).toHaveLength(5_000);
      const [{ n, total }] = await knex('pulse_incidents').select(
        knex.raw('count(*) as n'),
        knex.raw('sum(alert_count) as total'),
      );
      expect([Number(n), Number(total)]).toEqual([5_000, 10_000]);
    });

    it('hashes dedup keys longer than 255 characters to a fixed length', async () => {
      const { intake } = await setup();
      const long = 'k'.repeat(600);
      const first = await intake.receive(
        alertSignal({ dedupKey: long }),
        'json',
      );
      const second = await intake.receive(
        alertSignal({ dedupKey: long }),
        'json',
      );
      expect(first.dedupKey).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(second).toMatchObject({
        outcome: 'absorbed',
        incidentId: first.incidentId,
      });
    });

    it('stores time to acknowledge and resolve, and refuses invalid transitions', async () => {
      const { actions, intake, clock, auditor } = await setup();
      const { incidentId } = await intake.receive(alertSignal(), 'pd');
      const id = incidentId!;
      clock.advance(3);
      const acked = await actions.acknowledge(id, { actor: ALICE });
      expect(acked).toMatchObject({
        status: 'acknowledged',
        timeToAcknowledgeSeconds: 180,
        nextEscalationAt: null,
      });
      await expect(
        actions.acknowledge(id, { actor: ALICE }),
      ).rejects.toMatchObject({
        name: 'ConflictError',
      });
      clock.advance(7);
      await actions.addNote(id, 'Rolled back the deploy', { actor: ALICE });
      const resolved = await actions.resolve(id, { actor: BOB });
      expect(resolved).toMatchObject({
        status: 'resolved',
        timeToAcknowledgeSeconds: 180,
        timeToResolveSeconds: 600,
        resolvedAt: '2025-05-05T10:10:00.000Z',
      });
      await expect(actions.resolve(id, { actor: BOB })).rejects.toMatchObject({
        name: 'ConflictError',
      });
      await expect(actions.escalate(id, { actor: BOB })).rejects.toMatchObject({
        name: 'ConflictError',
      });
      await expect(
        actions.acknowledge('no-such-id', { actor: BOB }),
      ).rejects.toMatchObject({
        name: 'NotFoundError',
      });
      const detail = await actions.get(id);
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
      const { actions } = await setup();
      const { id } = await actions.create(
        { entityRef: SERVICE, title: 'Checkout is slow', severity: 'warning' },
        { actor: ALICE },
      );
      const toBob = await actions.reassign(
        id,
        { userRef: BOB },
        { actor: ALICE },
      );
      expect(toBob).toMatchObject({
        assignees: [BOB],
        escalationPolicyId: `reassigned:${BOB}`,
        status: 'triggered',
      });
      const toPolicy = await actions.reassign(
        id,
        { policyId: 'with-ack-timeout' },
        { actor: ALICE },
      );
      expect(toPolicy).toMatchObject({
        assignees: [],
        escalationPolicyId: 'with-ack-timeout',
      });
      await expect(
        actions.reassign(id, { policyId: 'nope' }, { actor: ALICE }),
      ).rejects.toMatchObject({ name: 'InputError' });
    });

    it('lists incidents newest first with filters and a cursor', async () => {
      const { actions, intake, clock } = await setup();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const { incidentId } = await intake.receive(
          alertSignal({
            dedupKey: `key-${i}`,
            severity: i % 2 ? 'warning' : 'critical',
            entityRef: i === 4 ? 'component:default/other' : SERVICE,
          }),
          'pd',
        );
        ids.push(incidentId!);
        clock.advance(1);
      }
      await actions.acknowledge(ids[0], { actor: ALICE });
      await actions.reassign(ids[1], { userRef: BOB }, { actor: ALICE });

      const page1 = await actions.list({ limit: 2 });
      expect(page1.items.map(i => i.id)).toEqual([ids[4], ids[3]]);
      const page2 = await actions.list({ limit: 2, cursor: page1.nextCursor! });
      expect(page2.items.map(i => i.id)).toEqual([ids[2], ids[1]]);
      const page3 = await actions.list({ limit: 2, cursor: page2.nextCursor! });
      expect(page3).toEqual({
        items: [expect.objectContaining({ id: ids[0] })],
        nextCursor: null,
      });

      expect(
        (await actions.list({ severities: ['warning'] })).items.map(i => i.id),
      ).toEqual([ids[3], ids[1]]);
      expect(
        (await actions.list({ statuses: ['acknowledged'] })).items.map(
          i => i.id,
        ),
      ).toEqual([ids[0]]);
      expect(
        (await actions.list({ assignee: BOB })).items.map(i => i.id),
      ).toEqual([ids[1]]);
      expect(
        (
          await actions.list({ entityRefs: ['component:default/other'] })
        ).items.map(i => i.id),
      ).toEqual([ids[4]]);
      await expect(actions.list({ cursor: 'garbage' })).rejects.toMatchObject({
        name: 'InputError',
      });
    });

    it('opens an incident without paging anyone when no policy applies, and says so', async () => {
      const knex = await databases.init(databaseId);
      const { publisher } = await migratedDatabase(knex);
      const { actions, intake } = createIncidentServices({ knex, publisher });
      const { incidentId } = await intake.receive(alertSignal(), 'pd');
      const incident = await actions.get(incidentId!);
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
