import { ConfigReader } from '@backstage/config';
import { readPulseConfig } from './config';

describe('readPulseConfig', () => {
  it('defaults the catalog refresh to every minute on every replica', () => {
    expect(readPulseConfig(new ConfigReader({}))).toEqual({
      catalogRefreshSchedule: expect.objectContaining({
        frequency: { minutes: 1 },
        scope: 'local',
      }),
      accessCacheMs: 10_000,
      validateResponses: false,
    });
  });

  it('reads the permission cache and refuses a bad one naming the key', () => {
    expect(
      readPulseConfig(
        new ConfigReader({ pulse: { permissions: { cacheSeconds: 0 } } }),
      ).accessCacheMs,
    ).toBe(0);
    expect(() =>
      readPulseConfig(
        new ConfigReader({ pulse: { permissions: { cacheSeconds: 3600 } } }),
      ),
    ).toThrow(/pulse\.permissions\.cacheSeconds/);
    expect(() =>
      readPulseConfig(
        new ConfigReader({ pulse: { permissions: { cacheSeconds: 'soon' } } }),
      ),
    ).toThrow(/pulse\.permissions\.cacheSeconds/);
  });

  it('reads a configured schedule', () => {
    const config = readPulseConfig(
      new ConfigReader({
        pulse: {
          catalog: {
            refresh: { frequency: { seconds: 30 }, timeout: { minutes: 1 } },
          },
        },
      }),
    );
    expect(config.catalogRefreshSchedule).toMatchObject({
      frequency: { seconds: 30 },
      timeout: { minutes: 1 },
      scope: 'local',
    });
  });

  it('names the key of a bad schedule', () => {
    expect(() =>
      readPulseConfig(
        new ConfigReader({
          pulse: { catalog: { refresh: { frequency: 'often' } } },
        }),
      ),
    ).toThrow(/pulse\.catalog\.refresh/);
  });
});
