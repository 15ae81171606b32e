import { ConfigReader } from '@backstage/config';
import { readMetricsConfig } from './config';

const retention = { githubDays: 180, resolvedIncidentDays: 365 };
const read = (metrics: unknown, kept = retention) =>
  readMetricsConfig(new ConfigReader({ pulse: { metrics } } as any), kept);

describe('readMetricsConfig', () => {
  it('has documented defaults', () => {
    expect(readMetricsConfig(new ConfigReader({}), retention)).toEqual({
      windowDays: [7, 30, 90],
      timeZone: 'UTC',
      productionEnvironments: ['production', 'prod'],
      failureWindowSeconds: 86400,
      failureSeverity: 'error',
      minimumSample: 5,
      botLogins: ['*[bot]'],
      schedule: {
        frequency: { hours: 1 },
        timeout: { minutes: 1 },
        initialDelay: { seconds: 30 },
        scope: 'global',
      },
      debounceMs: 30_000,
    });
  });

  it('reads every key', () => {
    const config = read({
      windows: [30, 7, 30],
      timeZone: 'Europe/Berlin',
      productionEnvironments: ['live'],
      failureWindow: '12h',
      failureSeverity: 'critical',
      minimumSample: 3,
      botLogins: ['*[bot]', 'ci-*'],
      schedule: { frequency: { minutes: 30 }, timeout: { minutes: 1 } },
      debounceSeconds: 0,
    });
    expect(config).toMatchObject({
      windowDays: [7, 30],
      timeZone: 'Europe/Berlin',
      productionEnvironments: ['live'],
      failureWindowSeconds: 12 * 3600,
      failureSeverity: 'critical',
      minimumSample: 3,
      botLogins: ['*[bot]', 'ci-*'],
      debounceMs: 0,
    });
    expect(config.schedule).toMatchObject({
      frequency: { minutes: 30 },
      scope: 'global',
    });
    expect(read({ failureWindow: { hours: 2 } }).failureWindowSeconds).toBe(
      7200,
    );
  });

  it.each([
    [{ windows: [] }, 'metrics.windows'],
    [{ windows: [0] }, 'metrics.windows'],
    [{ windows: ['7d'] }, 'metrics.windows'],
    [{ windows: 7 }, 'metrics.windows'],
    [{ timeZone: 'Mars/Olympus' }, 'metrics.timeZone'],
    [{ productionEnvironments: [] }, 'metrics.productionEnvironments'],
    [{ productionEnvironments: [''] }, 'metrics.productionEnvironments'],
    [{ failureWindow: 'soon' }, 'metrics.failureWindow'],
    [{ failureWindow: { days: 31 } }, 'metrics.failureWindow'],
    [{ failureSeverity: 'fatal' }, 'metrics.failureSeverity'],
    [{ minimumSample: 0 }, 'metrics.minimumSample'],
    [{ minimumSample: 2.5 }, 'metrics.minimumSample'],
    [{ botLogins: 'dependabot' }, 'metrics.botLogins'],
    [{ schedule: { frequency: 'often' } }, 'metrics.schedule'],
    [{ debounceSeconds: -1 }, 'metrics.debounceSeconds'],
  ])('fails start-up on %j, naming %s', (metrics, key) => {
    expect(() => read(metrics)).toThrow(`pulse.${key}`);
  });

  it('fails start-up when retention would delete what the longest window needs', () => {
    expect(() => read({ windows: [7, 200] })).toThrow(
      /pulse\.retention\.days' \(180\)/,
    );
    expect(() =>
      read({ windows: [90] }, { githubDays: 180, resolvedIncidentDays: 60 }),
    ).toThrow(/resolvedIncidentDays' \(60\)/);
    expect(read({ windows: [180] }).windowDays).toEqual([180]);
  });
});
