import { ConfigReader } from '@backstage/config';
import { readGithubSyncConfig } from './config';

describe('readGithubSyncConfig', () => {
  it('uses the documented defaults', () => {
    const config = readGithubSyncConfig(new ConfigReader({}));
    expect(config).toEqual({
      // Each replica looks every 15 s for the repositories not synced for 5 minutes.
      schedule: expect.objectContaining({
        frequency: { milliseconds: 15_000 },
        timeout: { minutes: 4 },
        scope: 'local',
      }),
      syncIntervalMs: 300_000,
      syncCheckMs: 15_000,
      lookbackDays: 90,
      maxConcurrentRequestsPerHost: 4,
      rateLimitReserve: 0.1,
      manualSyncCooldownSeconds: 60,
      retention: {
        days: 180,
        eventLogDays: 7,
        schedule: expect.objectContaining({
          frequency: { hours: 24 },
          scope: 'global',
        }),
      },
    });
  });

  it('reads every key', () => {
    const config = readGithubSyncConfig(
      new ConfigReader({
        pulse: {
          github: {
            schedule: { frequency: { minutes: 2 }, timeout: { seconds: 90 } },
            lookbackDays: 30,
            maxConcurrentRequestsPerHost: 8,
            rateLimitReserve: 0.25,
            manualSyncCooldownSeconds: 0,
          },
          retention: {
            days: 30,
            eventLogDays: 2,
            schedule: { frequency: { hours: 6 }, timeout: { minutes: 5 } },
          },
        },
      }),
    );
    expect(config.schedule).toEqual({
      frequency: { milliseconds: 15_000 },
      timeout: { seconds: 90 },
      scope: 'local',
    });
    expect(config.syncIntervalMs).toBe(120_000);
    const often = readGithubSyncConfig(
      new ConfigReader({
        pulse: {
          github: {
            schedule: { frequency: { seconds: 20 }, timeout: { minutes: 4 } },
          },
        },
      }),
    );
    expect(often).toMatchObject({
      schedule: { frequency: { milliseconds: 5_000 } },
      syncIntervalMs: 20_000,
      syncCheckMs: 5_000,
    });
    const cron = readGithubSyncConfig(
      new ConfigReader({
        pulse: {
          github: {
            schedule: {
              frequency: { cron: '*/5 * * * *' },
              timeout: { minutes: 4 },
            },
          },
        },
      }),
    );
    expect(cron).toMatchObject({
      schedule: { frequency: { cron: '*/5 * * * *' }, scope: 'local' },
    });
    expect(cron.syncIntervalMs).toBeUndefined();
    expect(cron.syncCheckMs).toBeUndefined();
    expect(config).toMatchObject({
      lookbackDays: 30,
      maxConcurrentRequestsPerHost: 8,
      rateLimitReserve: 0.25,
      manualSyncCooldownSeconds: 0,
      retention: {
        days: 30,
        eventLogDays: 2,
        schedule: { frequency: { hours: 6 }, scope: 'global' },
      },
    });
  });

  it.each([
    [{ github: { lookbackDays: 0 } }, 'pulse.github.lookbackDays'],
    [{ github: { lookbackDays: 2.5 } }, 'pulse.github.lookbackDays'],
    [{ github: { lookbackDays: 'ninety' } }, 'pulse.github.lookbackDays'],
    [
      { github: { maxConcurrentRequestsPerHost: 0 } },
      'pulse.github.maxConcurrentRequestsPerHost',
    ],
    [{ github: { rateLimitReserve: 1.5 } }, 'pulse.github.rateLimitReserve'],
    [
      { github: { manualSyncCooldownSeconds: -1 } },
      'pulse.github.manualSyncCooldownSeconds',
    ],
    [{ github: { schedule: { frequency: 'often' } } }, 'pulse.github.schedule'],
    [{ retention: { days: 0 } }, 'pulse.retention.days'],
    [{ retention: { eventLogDays: -3 } }, 'pulse.retention.eventLogDays'],
    [
      { retention: { schedule: { timeout: { minutes: 1 } } } },
      'pulse.retention.schedule',
    ],
  ])('fails naming the key for %j', (pulse, key) => {
    expect(() => readGithubSyncConfig(new ConfigReader({ pulse }))).toThrow(
      `Invalid Pulse configuration at '${key}'`,
    );
  });
});
