import { SchedulerServiceTaskScheduleDefinition } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { Duration } from 'luxon';
import { pulsePlugin } from './plugin';
import { createTestDatabases } from './__testUtils__/testDatabases';

const databases = createTestDatabases();

type ScheduledTask = SchedulerServiceTaskScheduleDefinition & { id: string };

/**
 * A replica killed mid-run keeps a global task's lock until the task's timeout (Backstage's
 * scheduler clears it then, within its one-minute janitor pass). Pulse's tasks are therefore
 * local (every replica runs them; database claims and leases keep the work to one replica), or
 * global with a short timeout, or, for the daily clean-up, a run later by the timeout.
 */
describe('Pulse scheduled tasks', () => {
  it('leave no lock behind a crash that would stop paging, syncing or tracking', async () => {
    const scheduler = mockServices.scheduler.mock();
    await startTestBackend({
      features: [
        pulsePlugin,
        scheduler.factory,
        mockServices.database.factory({
          knex: await databases.init('SQLITE_3'),
        }),
        mockServices.rootConfig.factory({
          data: { integrations: { github: [{ host: 'github.com' }] } },
        }),
        catalogServiceMock.factory({ entities: [] }),
      ],
    });
    const tasks = new Map<string, ScheduledTask>(
      scheduler.scheduleTask.mock.calls.map(([task]) => [
        task.id,
        task as ScheduledTask,
      ]),
    );
    const timeoutSeconds = (task: ScheduledTask) =>
      (Duration.isDuration(task.timeout)
        ? task.timeout
        : Duration.fromObject(task.timeout)
      ).as('seconds');

    expect(
      [...tasks.values()].map(task => [task.id, task.scope ?? 'global']),
    ).toEqual(
      expect.arrayContaining([
        ['pulse-catalog-refresh', 'local'],
        ['pulse-github-sync', 'local'],
        ['pulse-oncall-escalation', 'local'],
        ['pulse-oncall-watchdog', 'local'],
        ['pulse-oncall-directory', 'global'],
        ['pulse-github-retention', 'global'],
        ['pulse-oncall-retention', 'global'],
        ['pulse-metrics-aggregation', 'global'],
      ]),
    );
    expect(
      timeoutSeconds(tasks.get('pulse-oncall-directory')!),
    ).toBeLessThanOrEqual(30);
    const dailyCleanUps = ['pulse-github-retention', 'pulse-oncall-retention'];
    const longGlobal = [...tasks.values()].filter(
      task =>
        (task.scope ?? 'global') === 'global' &&
        !dailyCleanUps.includes(task.id) &&
        timeoutSeconds(task) > 60,
    );
    expect(longGlobal.map(task => task.id)).toEqual([]);
  });
});
