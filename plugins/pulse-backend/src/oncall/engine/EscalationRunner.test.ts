import { mockServices } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { OncallConfig } from '../config';
import { DirectoryStore } from '../directory/DirectoryStore';
import {
  createTestEngine,
  RecordingNotifications,
} from '../__testUtils__/engine';
import {
  ALICE,
  alertSignal,
  BOB,
  CAROL,
  configPolicySource,
  DAVE,
  FakeClock,
  migratedDatabase,
  oncallConfigData,
  testOncallConfig,
} from '../__testUtils__/fixtures';
import { AlertSignal } from '../incidents/IncidentIntake';

jest.setTimeout(60_000);

const databases = createTestDatabases();

/** An Alertmanager alert about the checkout error rate. */
function trigger(overrides: Partial<AlertSignal> = {}): AlertSignal {
  return alertSignal({
    dedupKey: 'checkout-errors',
    title: 'Checkout error rate above 5%',
    source: 'alertmanager',
    integrationKey: 'am',
    rawPayload: {},
    ...overrides,
  });
}

// Monday 2025-05-05 12:00 in Berlin: bob has the primary week, dave the daytime shift.
const MONDAY_NOON_BERLIN = '2025-05-05T10:00:00Z';
// The same Monday at 22:00 in Berlin: the daytime schedule has nobody.
const MONDAY_NIGHT_BERLIN = '2025-05-05T20:00:00Z';

describe.each(databases.eachSupportedId())(
  'EscalationRunner on %s',
  databaseId => {
    async function setup(
      options: {
        start?: string;
        config?: OncallConfig;
        knex?: Knex;
      } = {},
    ) {
      const knex = options.knex ?? (await databases.init(databaseId));
      if (!options.knex) {
        await migratedDatabase(knex);
      }
      const clock = new FakeClock(options.start ?? MONDAY_NOON_BERLIN);
      const config = options.config ?? testOncallConfig();
      const notifications = new RecordingNotifications();
      const auditor = mockServices.auditor.mock();
      const engine = createTestEngine({
        knex,
        config,
        clock,
        policies: configPolicySource(config),
        notifications,
        replicaId: 'replica-a',
        auditor,
      });
      const open = async (signal: Partial<AlertSignal> = {}) =>
        (await engine.intake.receive(trigger(signal), 'alertmanager'))
          .incidentId!;
      const timeline = async (id: string) =>
        (await engine.incidents.get(id)).timeline.map(e => e.type);
      return {
        knex,
        clock,
        config,
        notifications,
        auditor,
        ...engine,
        open,
        timeline,
      };
    }

    it('pages each step after its delay, repeats the policy, then finishes', async () => {
      const { clock, runner, notifications, open, incidents, timeline } =
        await setup();
      const id = await open();

      await runner.run();
      expect(notifications.recipients()).toEqual([[BOB]]);
      expect(notifications.sent[0]).toMatchObject({
        scope: `${id}:0:0`,
        link: `/pulse/incidents/${id}`,
        severity: 'critical',
      });
      expect(await incidents.get(id)).toMatchObject({
        assignees: [BOB],
        escalationStep: 0,
        nextEscalationAt: '2025-05-05T10:05:00.000Z',
      });

      clock.advance(4);
      await runner.run();
      expect(notifications.sent).toHaveLength(1);

      // Step 1 is due at 10:05, step 2 ten minutes later, then round 2 after step 2's delay.
      const expected: Array<[number, string[]]> = [
        [1, [DAVE]],
        [10, [CAROL]],
        [10, [BOB]],
        [5, [DAVE]],
        [10, [CAROL]],
      ];
      for (const [minutes, recipients] of expected) {
        clock.advance(minutes);
        await runner.run();
        expect(notifications.recipients().at(-1)).toEqual(recipients);
      }
      expect([...notifications.countByScope().keys()]).toEqual([
        `${id}:0:0`,
        `${id}:1:0`,
        `${id}:2:0`,
        `${id}:0:1`,
        `${id}:1:1`,
        `${id}:2:1`,
      ]);

      clock.advance(60);
      await runner.run();
      expect(notifications.sent).toHaveLength(6);
      const detail = await incidents.get(id);
      expect(detail).toMatchObject({
        status: 'triggered',
        nextEscalationAt: null,
        escalationStep: 2,
        escalationRound: 1,
      });
      expect(await timeline(id)).toEqual([
        'created',
        'notified',
        'notified',
        'notified',
        'notified',
        'notified',
        'notified',
        'escalation_finished',
      ]);
      const notified = detail.timeline.find(e => e.type === 'notified')!;
      expect(notified).toMatchObject({
        actor: null,
        message: `step 1: paged ${BOB}`,
        details: { stepIndex: 0, round: 0, recipients: [BOB] },
      });
    });

    it('stops paging when acknowledged during a step', async () => {
      const { clock, runner, notifications, open, incidents, publisher } =
        await setup();
      const id = await open();
      await runner.run();
      clock.advance(2);
      await incidents.acknowledge(id, { actor: BOB });
      clock.advance(30);
      await runner.run();
      expect(notifications.recipients()).toEqual([[BOB]]);
      expect(await incidents.get(id)).toMatchObject({
        status: 'acknowledged',
        timeToAcknowledgeSeconds: 120,
      });
      expect((await publisher.list({})).map(e => e.type)).toEqual([
        'incident.created',
        'incident.notified',
        'incident.acknowledged',
      ]);
    });

    it('stops for good when resolved mid-policy', async () => {
      const { clock, runner, notifications, open, incidents, timeline } =
        await setup();
      const id = await open();
      await runner.run();
      clock.advance(5);
      await runner.run();
      clock.advance(3);
      await incidents.resolve(id, { actor: DAVE });
      for (let i = 0; i < 6; i++) {
        clock.advance(10);
        await runner.run();
      }
      expect(notifications.recipients()).toEqual([[BOB], [DAVE]]);
      expect(await incidents.get(id)).toMatchObject({
        status: 'resolved',
        timeToResolveSeconds: 480,
      });
      expect(await timeline(id)).toEqual([
        'created',
        'notified',
        'notified',
        'resolved',
      ]);
    });

    it('pages the new assignee at once after a reassignment, and only them', async () => {
      const { clock, runner, notifications, open, incidents } = await setup();
      const id = await open();
      await runner.run();
      clock.advance(2);
      await incidents.reassign(id, { userRef: CAROL }, { actor: BOB });
      await runner.run();
      expect(notifications.recipients()).toEqual([[BOB], [CAROL]]);
      expect(notifications.sent[1].scope).toBe(`${id}:0:0:r1`);
      clock.advance(60);
      await runner.run();
      expect(notifications.sent).toHaveLength(2);
      expect(await incidents.get(id)).toMatchObject({
        assignees: [CAROL],
        escalationPolicyId: `reassigned:${CAROL}`,
      });
    });

    it('escalates now on request, then keeps the policy timing from there', async () => {
      const { clock, runner, notifications, open, incidents, timeline } =
        await setup();
      const id = await open();
      await runner.run();
      clock.advance(1);
      await incidents.escalate(id, { actor: BOB });
      await runner.run();
      expect(notifications.recipients()).toEqual([[BOB], [DAVE]]);
      clock.advance(9);
      await runner.run();
      expect(notifications.sent).toHaveLength(2);
      clock.advance(1);
      await runner.run();
      expect(notifications.recipients().at(-1)).toEqual([CAROL]);
      expect(await timeline(id)).toEqual([
        'created',
        'notified',
        'escalated',
        'notified',
        'notified',
      ]);
    });

    it('returns an acknowledged incident to triggered after the ack timeout and re-pages the current level', async () => {
      const config = testOncallConfig({
        defaultEscalationPolicy: 'with-ack-timeout',
      });
      const { clock, runner, notifications, open, incidents, timeline } =
        await setup({ config });
      const id = await open();
      await runner.run();
      clock.advance(1);
      expect(await incidents.acknowledge(id, { actor: ALICE })).toMatchObject({
        status: 'acknowledged',
      });
      clock.advance(29);
      await runner.run();
      expect(notifications.sent).toHaveLength(1);
      clock.advance(1);
      await runner.run();
      expect(notifications.recipients()).toEqual([[ALICE], [ALICE]]);
      expect(notifications.sent[1].scope).toBe(`${id}:0:0:r1`);
      expect(await incidents.get(id)).toMatchObject({
        status: 'triggered',
        timeToAcknowledgeSeconds: 60,
        nextEscalationAt: '2025-05-05T10:36:00.000Z',
      });
      clock.advance(5);
      await runner.run();
      expect(notifications.recipients().at(-1)).toEqual([BOB]);
      expect(await timeline(id)).toEqual([
        'created',
        'notified',
        'acknowledged',
        'ack_timeout',
        'notified',
        'notified',
        'escalation_finished',
      ]);
    });

    it('keeps the policy an incident started with when config changes mid-incident', async () => {
      const first = await setup();
      await first.open();
      await first.runner.run();

      // A restart with the policy's second step now paging alice instead of the daytime schedule.
      const edited = testOncallConfig({
        escalationPolicies: oncallConfigData.escalationPolicies.map(policy =>
          policy.id === 'payments'
            ? {
                ...policy,
                steps: [
                  policy.steps[0],
                  { delayMinutes: 10, targets: [{ user: ALICE }] },
                ],
              }
            : policy,
        ),
      });
      const second = await setup({ knex: first.knex, config: edited });
      second.clock.advance(5);
      await second.runner.run();
      expect(second.notifications.recipients()).toEqual([[DAVE]]);

      const newer = await second.open({ dedupKey: 'another' });
      await second.runner.run();
      second.clock.advance(5);
      await second.runner.run();
      expect(
        second.notifications.sent
          .filter(n => n.scope.startsWith(newer))
          .map(n => n.recipients),
      ).toEqual([[BOB], [ALICE]]);
    });

    it('records "no one on call" for a gap and moves on after the step delay', async () => {
      const { clock, runner, notifications, open, incidents } = await setup({
        start: MONDAY_NIGHT_BERLIN,
      });
      const id = await open();
      await runner.run();
      clock.advance(5);
      await runner.run();
      expect(notifications.recipients()).toEqual([[BOB]]);
      const afterGap = await incidents.get(id);
      expect(afterGap.timeline.at(-1)).toMatchObject({
        type: 'nobody_on_call',
        message: 'step 2: no one on call on schedule daytime',
      });
      expect(afterGap.nextEscalationAt).toBe('2025-05-05T20:15:00.000Z');
      clock.advance(10);
      await runner.run();
      expect(notifications.recipients()).toEqual([[BOB], [CAROL]]);
    });

    it('pages a round-robin step one target per incident in turns, skipping users gone from the catalog', async () => {
      const config = testOncallConfig({
        escalationPolicies: [
          {
            id: 'payments',
            name: 'Payments',
            repeat: 1,
            steps: [
              {
                delayMinutes: 5,
                roundRobin: true,
                targets: [{ user: ALICE }, { user: BOB }, { user: CAROL }],
              },
            ],
          },
        ],
      });
      const { knex, clock, runner, notifications, open, incidents } =
        await setup({ config });
      const first = await open({ dedupKey: 'one' });
      const second = await open({ dedupKey: 'two' });
      const third = await open({ dedupKey: 'three' });
      await runner.run();
      const pagedFor = (id: string) =>
        notifications.sent
          .filter(n => n.scope.startsWith(id))
          .map(n => n.recipients);
      expect(pagedFor(first)).toEqual([[ALICE]]);
      expect(pagedFor(second)).toEqual([[BOB]]);
      expect(pagedFor(third)).toEqual([[CAROL]]);

      // The repeat round moves each incident one target further.
      clock.advance(5);
      await runner.run();
      expect(pagedFor(first)).toEqual([[ALICE], [BOB]]);
      expect(pagedFor(third)).toEqual([[CAROL], [ALICE]]);

      // Bob leaves the catalog: the fifth incident's turn is his, and passes to carol.
      await new DirectoryStore(knex).replace(
        [{ ref: BOB, kind: 'user', found: false, members: [] }],
        clock.now(),
      );
      const fourth = await open({ dedupKey: 'four' });
      const fifth = await open({ dedupKey: 'five' });
      await runner.run();
      expect(pagedFor(fourth)).toEqual([[ALICE]]);
      expect(pagedFor(fifth)).toEqual([[CAROL]]);
      expect((await incidents.get(fifth)).timeline.map(e => e.message)).toEqual(
        expect.arrayContaining([
          `step 1: ${BOB} is not in the catalog; their turn passed to the next`,
          `step 1: paged ${CAROL}`,
        ]),
      );
    });

    it('treats users gone from the catalog as gaps and pages group members', async () => {
      const config = testOncallConfig({
        schedules: [
          {
            ...oncallConfigData.schedules[0],
            layers: [
              {
                members: ['group:default/payments'],
                rotation: 'weekly',
                handoffTime: '09:00',
                start: '2025-01-06',
              },
            ],
          },
          oncallConfigData.schedules[1],
        ],
        escalationPolicies: [
          {
            id: 'payments',
            name: 'Payments',
            steps: [
              { delayMinutes: 5, targets: [{ schedule: 'primary' }] },
              {
                delayMinutes: 5,
                targets: [{ group: 'group:default/payments' }, { user: DAVE }],
              },
            ],
          },
        ],
      });
      const { knex, clock, runner, notifications, open, incidents } =
        await setup({ config });
      await new DirectoryStore(knex).replace(
        [
          {
            ref: 'group:default/payments',
            kind: 'group',
            found: true,
            members: [ALICE, BOB],
          },
          { ref: BOB, kind: 'user', found: false, members: [] },
          { ref: DAVE, kind: 'user', found: false, members: [] },
        ],
        clock.now(),
      );
      const id = await open();
      await runner.run();
      // Week 17 of the rotation belongs to bob, who is gone: the slot is a gap.
      expect(notifications.sent).toHaveLength(0);
      clock.advance(5);
      await runner.run();
      expect(notifications.recipients()).toEqual([[ALICE]]);
      const messages = (await incidents.get(id)).timeline.map(e => e.message);
      expect(messages).toEqual(
        expect.arrayContaining([
          'step 1: no one on call on schedule primary',
          `step 2: ${DAVE} is not in the catalog`,
          `step 2: paged ${ALICE}`,
        ]),
      );
    });

    it('recovers a step overdue beyond the grace period, flags the incident, and reports the lag', async () => {
      const {
        clock,
        runner,
        notifications,
        open,
        incidents,
        ledger,
        timeline,
        knex,
      } = await setup();
      const id = await open();
      await runner.run();
      // The scheduler stalls. Two minutes late is within the grace period: the watchdog waits.
      clock.advance(7);
      expect((await runner.watchdog()).paged).toBe(0);
      expect((await ledger.lag(clock.now(), 3 * 60_000)).overdue).toBe(0);

      clock.advance(2);
      const lag = await ledger.lag(clock.now(), 3 * 60_000);
      expect(lag).toEqual({
        overdue: 1,
        oldestDueAt: new Date('2025-05-05T10:05:00Z'),
      });

      const report = await runner.watchdog();
      expect(report).toMatchObject({ paged: 1, recovered: 1 });
      expect(notifications.recipients()).toEqual([[BOB], [DAVE]]);
      expect(await incidents.get(id)).toMatchObject({ flagged: true });
      expect(await timeline(id)).toEqual([
        'created',
        'notified',
        'watchdog_recovered',
        'notified',
      ]);
      // The next step is planned from when the late page went out.
      expect((await incidents.get(id)).nextEscalationAt).toBe(
        '2025-05-05T10:19:00.000Z',
      );
      const page = await knex('pulse_incident_pages')
        .where({ idempotency_key: `${id}:1:0` })
        .first();
      expect(Boolean(page.recovered)).toBe(true);
      expect((await ledger.lag(clock.now(), 3 * 60_000)).overdue).toBe(0);
    });

    it('retries a page whose notification failed, with the same idempotency key', async () => {
      const { runner, notifications, open, knex, clock } = await setup();
      const id = await open();
      notifications.onSend = () => {
        throw new Error('notifications backend unavailable');
      };
      expect((await runner.run()).failed).toBe(1);
      const page = await knex('pulse_incident_pages')
        .where({ idempotency_key: `${id}:0:0` })
        .first();
      expect(page).toMatchObject({ claimed_by: null, sent_at: null });
      expect(page.last_error).toContain('notifications backend unavailable');
      notifications.onSend = undefined;
      clock.advanceSeconds(15);
      expect((await runner.run()).paged).toBe(1);
      expect(notifications.countByScope()).toEqual(new Map([[`${id}:0:0`, 1]]));
    });

    it('moves past a step paged while an acknowledgement landed: escalating again pages the next step, not the same one twice', async () => {
      const { runner, notifications, open, incidents, timeline, clock } =
        await setup();
      const id = await open();
      await runner.run();
      clock.advance(5);
      // The acknowledgement lands while step 2 is being sent.
      notifications.onSend = async () => {
        notifications.onSend = undefined;
        await incidents.acknowledge(id, { actor: BOB });
      };
      await runner.run();
      expect(notifications.recipients()).toEqual([[BOB], [DAVE]]);
      expect(await incidents.get(id)).toMatchObject({ status: 'acknowledged' });
      clock.advance(30);
      await runner.run();
      expect(notifications.sent).toHaveLength(2);

      // "Escalate now" pages the step after the one that went out, at once.
      await incidents.escalate(id, { actor: BOB });
      await runner.run();
      expect(notifications.recipients()).toEqual([[BOB], [DAVE], [CAROL]]);
      expect(notifications.countByScope()).toEqual(
        new Map([
          [`${id}:0:0`, 1],
          [`${id}:1:0`, 1],
          [`${id}:2:0`, 1],
        ]),
      );
      expect(await timeline(id)).toEqual([
        'created',
        'notified',
        'acknowledged',
        'notified',
        'escalated',
        'notified',
      ]);
    });

    it('publishes a handoff when the on-call changes', async () => {
      const { clock, runner, publisher } = await setup({
        start: '2025-05-12T06:00:00Z',
      });
      await runner.run();
      expect(
        (await publisher.list({})).filter(e => e.type === 'oncall.handoff'),
      ).toEqual([]);
      clock.set('2025-05-12T07:01:00Z'); // Monday 09:01 in Berlin: the weekly handoff.
      expect((await runner.run()).handoffs).toBe(2);
      const handoffs = (await publisher.list({})).filter(
        e => e.type === 'oncall.handoff',
      );
      expect(handoffs.map(e => e.payload)).toEqual([
        {
          scheduleId: 'primary',
          scheduleName: 'Primary',
          from: BOB,
          to: ALICE,
          at: '2025-05-12T07:01:00.000Z',
        },
        expect.objectContaining({
          scheduleId: 'daytime',
          from: null,
          to: DAVE,
        }),
      ]);
      expect((await runner.run()).handoffs).toBe(0);
    });
  },
);
