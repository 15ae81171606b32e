import { spawn } from 'node:child_process';
import { resolve as resolvePath } from 'node:path';
import { TestDatabaseId } from '@backstage/backend-test-utils';
import knexFactory, { Knex } from 'knex';
import { createTestDatabases } from '../../__testUtils__/testDatabases';
import {
  createTestEngine,
  RecordingNotifications,
} from '../__testUtils__/engine';
import {
  alertSignal,
  configPolicySource,
  FakeClock,
  migratedDatabase,
  testOncallConfig,
} from '../__testUtils__/fixtures';
import { AlertSignal } from '../incidents/IncidentIntake';

jest.setTimeout(90_000);

const databases = createTestDatabases();
const postgres: Array<[TestDatabaseId]> = databases
  .eachSupportedId()
  .filter(([id]) => id === 'POSTGRES_15');

const START = '2025-05-05T10:00:00Z';

/** Three one-minute steps of single users, repeated once: six pages per incident. */
const config = testOncallConfig({
  escalationPolicies: [
    {
      id: 'three-steps',
      name: 'Three steps',
      repeat: 1,
      steps: [
        { delayMinutes: 1, targets: [{ user: 'user:default/first' }] },
        { delayMinutes: 1, targets: [{ user: 'user:default/second' }] },
        { delayMinutes: 1, targets: [{ user: 'user:default/third' }] },
      ],
    },
  ],
  defaultEscalationPolicy: 'three-steps',
});

/** A plain JSON alert about the test service. */
function jsonAlert(overrides: Partial<AlertSignal>): AlertSignal {
  return alertSignal({
    source: 'json',
    integrationKey: 'json',
    rawPayload: {},
    ...overrides,
  });
}

/** A second connection pool to the same database, as another backend replica has. */
function secondPool(knex: Knex): Knex {
  const { client, connection } = knex.client.config;
  return knexFactory({ client, connection, pool: { min: 0, max: 10 } });
}

function replica(knex: Knex, clock: FakeClock, replicaId: string) {
  const notifications = new RecordingNotifications();
  const engine = createTestEngine({
    knex,
    config,
    clock,
    policies: configPolicySource(config),
    notifications,
    replicaId,
  });
  return { ...engine, notifications };
}

(postgres.length
  ? describe.each(postgres)
  : describe.skip.each<[TestDatabaseId]>([['POSTGRES_15']]))(
  'exactly-once paging on %s',
  databaseId => {
    it('pages every step exactly once with two replicas running escalation together', async () => {
      const knex = await databases.init(databaseId);
      await migratedDatabase(knex);
      const otherKnex = secondPool(knex);
      const clock = new FakeClock(START);
      const a = replica(knex, clock, 'replica-a');
      const b = replica(otherKnex, clock, 'replica-b');

      const incidentCount = 40;
      const ids: string[] = [];
      for (let i = 0; i < incidentCount; i++) {
        const { incidentId } = await (i % 2 ? a : b).intake.receive(
          jsonAlert({
            dedupKey: `alert-${i}`,
            title: `Alert ${i}`,
            severity: 'error',
          }),
          'test',
        );
        ids.push(incidentId!);
      }

      // Both replicas run at every instant, as when the scheduler's lock lapses.
      for (let minute = 0; minute <= 8; minute++) {
        await Promise.all([
          a.runner.run(),
          b.runner.run(),
          a.runner.watchdog(),
        ]);
        clock.advance(1);
      }
      await otherKnex.destroy();

      const counts = new Map<string, number>();
      for (const n of [...a.notifications.sent, ...b.notifications.sent]) {
        counts.set(n.scope, (counts.get(n.scope) ?? 0) + 1);
      }
      const expectedKeys = ids.flatMap(id =>
        [0, 1].flatMap(round =>
          [0, 1, 2].map(step => `${id}:${step}:${round}`),
        ),
      );
      expect([...counts.keys()].sort()).toEqual([...expectedKeys].sort());
      expect([...counts.values()].every(count => count === 1)).toBe(true);
      // Both did part of the work.
      expect(a.notifications.sent.length).toBeGreaterThan(0);
      expect(b.notifications.sent.length).toBeGreaterThan(0);

      const pages = await knex('pulse_incident_pages').select();
      expect(pages).toHaveLength(incidentCount * 6);
      expect(pages.every(page => page.sent_at !== null)).toBe(true);
      const notified = await knex('pulse_incident_timeline')
        .where({ type: 'notified' })
        .count({ count: '*' })
        .first();
      expect(Number(notified!.count)).toBe(incidentCount * 6);
      const finished = await knex('pulse_incident_timeline')
        .where({ type: 'escalation_finished' })
        .count({ count: '*' })
        .first();
      expect(Number(finished!.count)).toBe(incidentCount);
    });

    it('pages a step claimed by a replica killed with SIGKILL once its lease expires', async () => {
      const knex = await databases.init(databaseId);
      await migratedDatabase(knex);
      const clock = new FakeClock(START);
      const survivor = replica(knex, clock, 'survivor');
      const { incidentId } = await survivor.intake.receive(
        jsonAlert({ dedupKey: 'crash', title: 'Crash test' }),
        'test',
      );
      const key = `${incidentId}:0:0`;

      const child = spawn(
        process.execPath,
        [
          '-r',
          require.resolve('@backstage/cli/config/nodeTransform.cjs'),
          resolvePath(__dirname, '../__testUtils__/claimThenHang.ts'),
        ],
        {
          cwd: resolvePath(__dirname, '../../..'),
          env: {
            ...process.env,
            PULSE_CRASH_DB: JSON.stringify({
              client: knex.client.config.client,
              connection: knex.client.config.connection,
            }),
            PULSE_CRASH_NOW: START,
            PULSE_CRASH_CONFIG: JSON.stringify({
              escalationPolicies: [
                {
                  id: 'three-steps',
                  name: 'Three steps',
                  repeat: 1,
                  steps: [
                    {
                      delayMinutes: 1,
                      targets: [{ user: 'user:default/first' }],
                    },
                    {
                      delayMinutes: 1,
                      targets: [{ user: 'user:default/second' }],
                    },
                    {
                      delayMinutes: 1,
                      targets: [{ user: 'user:default/third' }],
                    },
                  ],
                },
              ],
              defaultEscalationPolicy: 'three-steps',
            }),
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', chunk => {
        stderr += chunk;
      });
      const exited = new Promise<NodeJS.Signals | number | null>(resolve =>
        child.on('exit', (code, signal) => resolve(signal ?? code)),
      );
      const claimed = await new Promise<string>((resolve, reject) => {
        let stdout = '';
        child.stdout.on('data', chunk => {
          stdout += chunk;
          const match = /CLAIMED (\S+)/.exec(stdout);
          if (match) resolve(match[1]);
          if (stdout.includes('NOTHING-CLAIMED'))
            reject(new Error('the child claimed nothing'));
        });
        child.on('exit', () =>
          reject(new Error(`the child exited early: ${stderr}`)),
        );
      });
      expect(claimed).toBe(key);
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');

      const held = await knex('pulse_incident_pages')
        .where({ idempotency_key: key })
        .first();
      expect(held).toMatchObject({
        claimed_by: 'doomed-replica',
        sent_at: null,
        attempts: 1,
      });

      // While the dead replica's lease runs, nobody else may send the step.
      clock.advanceSeconds(30);
      expect(await survivor.runner.run()).toMatchObject({
        paged: 0,
        skipped: 1,
      });
      expect(survivor.notifications.sent).toHaveLength(0);

      // After the lease (60 s) the restarted backend takes the claim over and pages it, once.
      clock.advanceSeconds(31);
      expect(await survivor.runner.run()).toMatchObject({ paged: 1 });
      clock.advanceSeconds(15);
      await survivor.runner.run();
      expect(survivor.notifications.countByScope()).toEqual(
        new Map([[key, 1]]),
      );
      const sent = await knex('pulse_incident_pages')
        .where({ idempotency_key: key })
        .first();
      expect(sent).toMatchObject({ claimed_by: null, attempts: 2 });
      expect(sent.sent_at).not.toBeNull();
      // Planned from when the page actually went out.
      expect((await survivor.incidents.get(incidentId!)).nextEscalationAt).toBe(
        '2025-05-05T10:02:01.000Z',
      );
    });
  },
);
