import { ConfigReader } from '@backstage/config';
import { JsonObject } from '@backstage/types';
import {
  DEFAULT_RETENTION_SCHEDULE,
  readOncallRetentionConfig,
} from './config';

function read(pulse: JsonObject | undefined) {
  return readOncallRetentionConfig(
    new ConfigReader(pulse === undefined ? {} : { pulse }),
  );
}

describe('readOncallRetentionConfig', () => {
  it('defaults to a year of resolved incidents, 90 days of past overrides, 30 days of removed heartbeats, daily', () => {
    expect(read(undefined)).toEqual({
      resolvedIncidentDays: 365,
      pastOverrideDays: 90,
      removedHeartbeatDays: 30,
      schedule: DEFAULT_RETENTION_SCHEDULE,
    });
    expect(read({ retention: { days: 30 } }).resolvedIncidentDays).toBe(365);
  });

  it('reads pulse.retention.oncall and the shared pulse.retention.schedule, always global', () => {
    expect(
      read({
        retention: {
          schedule: { frequency: { hours: 6 }, timeout: { minutes: 10 } },
          oncall: {
            resolvedIncidentDays: 30,
            pastOverrideDays: 7,
            removedHeartbeatDays: 1,
          },
        },
      }),
    ).toEqual({
      resolvedIncidentDays: 30,
      pastOverrideDays: 7,
      removedHeartbeatDays: 1,
      schedule: {
        frequency: { hours: 6 },
        timeout: { minutes: 10 },
        scope: 'global',
      },
    });
  });

  it.each([
    ['resolvedIncidentDays', 0],
    ['resolvedIncidentDays', 1.5],
    ['pastOverrideDays', -1],
    ['pastOverrideDays', 'soon'],
    ['removedHeartbeatDays', 36501],
  ])('refuses %s = %j, naming the key', (key, value) => {
    expect(() => read({ retention: { oncall: { [key]: value } } })).toThrow(
      `Invalid Pulse configuration at 'pulse.retention.oncall.${key}': must be a whole number of days from 1 to 36500, got ${JSON.stringify(
        value,
      )}`,
    );
  });

  it('refuses a retention.oncall that is not an object, and a bad schedule, naming the key', () => {
    expect(() => read({ retention: { oncall: 365 } })).toThrow(
      "Invalid Pulse configuration at 'pulse.retention.oncall': must be an object",
    );
    expect(() =>
      read({ retention: { schedule: { frequency: 'often' } } }),
    ).toThrow(/^Invalid Pulse configuration at 'pulse\.retention\.schedule': /);
  });
});
