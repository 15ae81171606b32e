import { Knex } from 'knex';
import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { EscalationPolicy, resolve, startEscalation } from '../escalation';
import { migratedDatabase, SERVICE } from '../__testUtils__/fixtures';
import {
  IncidentStore,
  NewStoredIncident,
  StoredIncident,
} from './IncidentStore';

jest.setTimeout(60_000);

const databases = createTestDatabases();

const T0 = new Date('2025-05-05T10:00:00Z');
const DAY_MS = 24 * 60 * 60 * 1000;

const POLICY: EscalationPolicy = {
  id: 'payments',
  name: 'Payments',
  repeat: 0,
  steps: [{ delayMinutes: 5, targets: [{ type: 'user', userRef: 'user:a' }] }],
};

let sequence = 0;

function newIncident(
  overrides: Partial<NewStoredIncident> = {},
): NewStoredIncident {
  const id =
    overrides.id ??
    `00000000-0000-4000-8000-${String(++sequence).padStart(12, '0')}`;
  const createdAt = overrides.createdAt ?? T0;
  return {
    id,
    title: 'Disk full',
    entityRef: SERVICE,
    severity: 'critical',
    status: 'triggered',
    dedupKey: `key-${id}`,
    integrationKey: 'pd',
    source: 'pagerduty',
    rawPayload: { summary: 'Disk full' },
    alertCount: 1,
    createdAt,
    acknowledgedAt: null,
    resolvedAt: null,
    timeToAcknowledgeSeconds: null,
    timeToResolveSeconds: null,
    escalationPolicyId: POLICY.id,
    escalation: startEscalation(id, POLICY, createdAt),
    flagged: false,
    ...overrides,
  };
}

describe.each(databases.eachSupportedId())(
  'IncidentStore on %s',
  databaseId => {
    let knex: Knex;
    let store: IncidentStore;

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      await migratedDatabase(knex);
      store = new IncidentStore(knex);
    });

    async function insert(
      incident: NewStoredIncident,
    ): Promise<StoredIncident> {
      const [stored] = await store.transaction(tx =>
        store.insertManyIfNoneOpen(tx, [incident]),
      );
      return stored;
    }

    /** Resolves the incident at `at`, as the people's and the intake's resolve do. */
    async function resolveAt(incident: StoredIncident, at: Date) {
      const result = resolve(incident.escalation);
      if (!result.ok) throw new Error(result.error.message);
      await store.transaction(tx =>
        store.update(
          tx,
          incident,
          { escalation: result.state, resolvedAt: at },
          at,
        ),
      );
      return (await store.get(incident.id))!;
    }

    it('stores and reads an incident with its dates, payload and escalation state', async () => {
      const stored = await insert(newIncident({ title: 'Refunds failing' }));
      const read = await store.get(stored.id);
      expect(read).toEqual(stored);
      expect(read).toMatchObject({
        title: 'Refunds failing',
        rawPayload: { summary: 'Disk full' },
        createdAt: T0,
        version: 0,
        nextDueAt: T0,
        flagged: false,
      });
      expect(await store.get('no-such-id')).toBeUndefined();
    });

    it('opens at most one incident per scope: service, integration and dedup key', async () => {
      const first = newIncident({ dedupKey: 'disk-full' });
      const inserted = await store.transaction(tx =>
        store.insertManyIfNoneOpen(tx, [
          first,
          newIncident({ dedupKey: 'disk-full' }),
          newIncident({ dedupKey: 'disk-full', integrationKey: 'json' }),
          newIncident({
            dedupKey: 'disk-full',
            entityRef: 'component:default/ledger',
          }),
        ]),
      );
      expect(inserted.map(i => i.id)).toHaveLength(3);
      const scope = {
        entityRef: SERVICE,
        integrationKey: 'pd',
        dedupKey: 'disk-full',
      };
      const open = await store.transaction(tx => store.getOpen(tx, scope));
      expect(open?.id).toBe(first.id);

      await resolveAt(open!, T0);
      expect(await store.transaction(tx => store.getOpen(tx, scope))).toBe(
        undefined,
      );
      expect(
        (await store.transaction(tx => store.getLatest(tx, scope)))?.id,
      ).toBe(first.id);
      // Resolved, the scope is free again.
      expect(
        await store.transaction(tx =>
          store.insertManyIfNoneOpen(tx, [
            newIncident({ dedupKey: 'disk-full' }),
          ]),
        ),
      ).toHaveLength(1);
    });

    it('applies a patch only at the version read', async () => {
      const stored = await insert(newIncident());
      const later = new Date(T0.getTime() + 60_000);
      expect(await store.update(knex, stored, { alertCount: 2 }, later)).toBe(
        true,
      );
      expect(await store.update(knex, stored, { alertCount: 3 }, later)).toBe(
        false,
      );
      expect(await store.get(stored.id)).toMatchObject({
        alertCount: 2,
        version: 1,
        updatedAt: later,
      });
    });

    it('keeps assignees and timeline entries per incident, in order', async () => {
      const a = await insert(newIncident());
      const b = await insert(newIncident());
      await store.transaction(async tx => {
        await store.setAssignees(tx, a.id, ['user:b', 'user:a', 'user:a']);
        await store.setAssignees(tx, b.id, ['user:c']);
        await store.appendTimeline(tx, a.id, [
          { at: T0, type: 'created', actor: null, message: 'Opened' },
          {
            at: T0,
            type: 'note',
            actor: 'user:a',
            message: 'Looking',
            details: { text: 'Looking' },
          },
        ]);
      });
      expect(await store.assignees([a.id, b.id, 'none'])).toEqual(
        new Map([
          [a.id, ['user:a', 'user:b']],
          [b.id, ['user:c']],
          ['none', []],
        ]),
      );
      const timeline = await store.timeline(a.id);
      expect(timeline.map(e => [e.type, e.actor, e.at, e.details])).toEqual([
        ['created', null, T0, undefined],
        ['note', 'user:a', T0, { text: 'Looking' }],
      ]);
      expect(timeline[1].seq).toBeGreaterThan(timeline[0].seq);
      expect(await store.timeline(b.id)).toEqual([]);
    });

    it('lists newest first with filters and a position, and names the entities a filter matches', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const stored = await insert(
          newIncident({
            createdAt: new Date(T0.getTime() + i * 60_000),
            severity: i % 2 ? 'warning' : 'critical',
            entityRef: i === 3 ? 'component:default/ledger' : SERVICE,
          }),
        );
        ids.push(stored.id);
      }
      await store.transaction(tx => store.setAssignees(tx, ids[1], ['user:b']));
      expect((await store.list({ limit: 10 })).map(i => i.id)).toEqual(
        [...ids].reverse(),
      );
      const newest = (await store.list({ limit: 10 }))[0];
      expect(
        (
          await store.list({
            limit: 10,
            before: { createdAt: newest.createdAt, id: newest.id },
          })
        ).map(i => i.id),
      ).toEqual([ids[2], ids[1], ids[0]]);
      expect(
        (await store.list({ limit: 10, severities: ['warning'] })).map(
          i => i.id,
        ),
      ).toEqual([ids[3], ids[1]]);
      expect(
        (await store.list({ limit: 10, assignee: 'user:b' })).map(i => i.id),
      ).toEqual([ids[1]]);
      expect((await store.entityRefsOf({})).sort()).toEqual([
        'component:default/ledger',
        SERVICE,
      ]);
      expect(await store.entityRefsOf({ assignee: 'user:b' })).toEqual([
        SERVICE,
      ]);
      expect(
        (await store.openForEntity('component:default/ledger')).map(i => i.id),
      ).toEqual([ids[3]]);
    });

    it('finds due escalations and measures how late they are', async () => {
      const early = await insert(newIncident({ createdAt: T0 }));
      await insert(newIncident({ createdAt: new Date(T0.getTime() + 60_000) }));
      const at = new Date(T0.getTime() + 5 * 60_000);
      expect((await store.due(at, 10)).map(i => i.id)).toHaveLength(2);
      expect((await store.due(at, 1)).map(i => i.id)).toEqual([early.id]);
      expect(await store.lag(at, 0)).toEqual({ overdue: 2, oldestDueAt: T0 });
      expect(await store.lag(at, 4.5 * 60_000)).toEqual({
        overdue: 1,
        oldestDueAt: T0,
      });
      expect(await store.lag(at, 10 * 60_000)).toEqual({
        overdue: 0,
        oldestDueAt: null,
      });
    });

    it('claims a page for one holder at a time, takes over a lapsed lease, and marks it sent once', async () => {
      const incident = await insert(newIncident());
      const key = `${incident.id}:0:0`;
      const lease = new Date(T0.getTime() + 60_000);
      await store.ensurePage({
        idempotencyKey: key,
        incidentId: incident.id,
        stepIndex: 0,
        round: 0,
        dueAt: T0,
        now: T0,
      });
      await store.ensurePage({
        idempotencyKey: key,
        incidentId: incident.id,
        stepIndex: 0,
        round: 0,
        dueAt: T0,
        now: T0,
      });
      expect(await store.claimPage(key, 'a', T0, lease)).toBe('claimed');
      expect(await store.claimPage(key, 'b', T0, lease)).toBe('held');
      // The lease lapses: another replica takes over.
      expect(
        await store.claimPage(
          key,
          'b',
          lease,
          new Date(lease.getTime() + 60_000),
        ),
      ).toBe('claimed');
      await store.releasePage(key, 'a', { error: 'not mine any more' });
      expect((await store.page(key))?.claimed_by).toBe('b');
      await store.releasePage(key, 'b', { error: 'webhook down' });
      expect(await store.page(key)).toMatchObject({
        claimed_by: null,
        last_error: 'webhook down',
        attempts: 2,
      });

      expect(await store.markPageRecovered(key)).toBe(true);
      expect(await store.markPageRecovered(key)).toBe(false);
      expect(await store.markPageSent(knex, key, lease, { users: [] })).toBe(
        true,
      );
      expect(await store.markPageSent(knex, key, lease, { users: [] })).toBe(
        false,
      );
      expect(await store.claimPage(key, 'c', lease, lease)).toBe('sent');
      expect(
        (await store.pagesFor(incident.id)).map(p => p.idempotency_key),
      ).toEqual([key]);
    });

    it('hands out consecutive round-robin turns per policy', async () => {
      expect(await store.takeTurns(knex, 'p', 2)).toBe(0);
      expect(await store.takeTurns(knex, 'p', 1)).toBe(2);
      expect(await store.takeTurns(knex, 'q', 1)).toBe(0);
    });

    describe('retention', () => {
      async function withChildren(incident: StoredIncident) {
        await store.transaction(async tx => {
          await store.setAssignees(tx, incident.id, ['user:a']);
          await store.appendTimeline(tx, incident.id, [
            { at: T0, type: 'created', actor: null, message: 'Opened' },
          ]);
        });
        await store.ensurePage({
          idempotencyKey: `${incident.id}:0:0`,
          incidentId: incident.id,
          stepIndex: 0,
          round: 0,
          dueAt: T0,
          now: T0,
        });
      }

      async function rowsOf(incidentId: string) {
        return {
          incidents: (await knex('pulse_incidents').where({ id: incidentId }))
            .length,
          timeline: (
            await knex('pulse_incident_timeline').where({
              incident_id: incidentId,
            })
          ).length,
          assignees: (
            await knex('pulse_incident_assignees').where({
              incident_id: incidentId,
            })
          ).length,
          pages: (
            await knex('pulse_incident_pages').where({
              incident_id: incidentId,
            })
          ).length,
        };
      }

      it('deletes incidents resolved before the cut-off with their timeline, assignees and pages', async () => {
        const old = await resolveAt(await insert(newIncident()), T0);
        const recent = await resolveAt(
          await insert(newIncident()),
          new Date(T0.getTime() + 10 * DAY_MS),
        );
        await withChildren(old);
        await withChildren(recent);

        const cutoff = new Date(T0.getTime() + DAY_MS);
        expect(await store.deleteResolvedBefore(cutoff, 100)).toBe(1);
        expect(await rowsOf(old.id)).toEqual({
          incidents: 0,
          timeline: 0,
          assignees: 0,
          pages: 0,
        });
        expect(await rowsOf(recent.id)).toEqual({
          incidents: 1,
          timeline: 1,
          assignees: 1,
          pages: 1,
        });
        expect(await store.deleteResolvedBefore(cutoff, 100)).toBe(0);
      });

      it('keeps an open incident older than the cut-off, triggered or acknowledged', async () => {
        const triggered = await insert(
          newIncident({ createdAt: new Date(T0.getTime() - 1000 * DAY_MS) }),
        );
        const acknowledged = await insert(
          newIncident({
            createdAt: new Date(T0.getTime() - 1000 * DAY_MS),
            status: 'acknowledged',
            acknowledgedAt: new Date(T0.getTime() - 999 * DAY_MS),
          }),
        );
        await withChildren(triggered);
        await withChildren(acknowledged);
        expect(
          await store.deleteResolvedBefore(
            new Date(T0.getTime() + DAY_MS),
            100,
          ),
        ).toBe(0);
        for (const incident of [triggered, acknowledged]) {
          expect(await rowsOf(incident.id)).toEqual({
            incidents: 1,
            timeline: 1,
            assignees: 1,
            pages: 1,
          });
        }
      });

      it('deletes at most the batch size at once, oldest resolution first', async () => {
        const resolved: StoredIncident[] = [];
        for (let i = 0; i < 3; i++) {
          resolved.push(
            await resolveAt(
              await insert(newIncident()),
              new Date(T0.getTime() + (2 - i) * 60_000),
            ),
          );
        }
        const cutoff = new Date(T0.getTime() + DAY_MS);
        expect(await store.deleteResolvedBefore(cutoff, 2)).toBe(2);
        expect(await store.get(resolved[0].id)).toBeDefined();
        expect(await store.deleteResolvedBefore(cutoff, 2)).toBe(1);
        expect(await store.get(resolved[0].id)).toBeUndefined();
      });
    });
  },
);
