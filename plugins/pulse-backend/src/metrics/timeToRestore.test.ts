import { metricsWindow } from './days';
import {
  failedDeploymentRecoveryTimes,
  incidentRestoreTimes,
} from './timeToRestore';

const base = Date.UTC(2026, 11, 1);
const at = (hour: number) => new Date(base + hour * 3_600_000);
const window = metricsWindow(at(24 * 4 + 12), 5, 'UTC');

describe('incidentRestoreTimes', () => {
  it('measures resolved incidents triggered in the window and lists the open ones', () => {
    const result = incidentRestoreTimes(window, [
      { id: 'a', severity: 'critical', triggeredAt: at(1), resolvedAt: at(2) },
      { id: 'b', severity: 'warning', triggeredAt: at(10), resolvedAt: at(13) },
      { id: 'c', severity: 'error', triggeredAt: at(20), resolvedAt: null },
      {
        id: 'before',
        severity: 'error',
        triggeredAt: at(-2),
        resolvedAt: at(1),
      },
    ]);
    expect(result.restored).toEqual([
      { id: 'a', seconds: 3600 },
      { id: 'b', seconds: 3 * 3600 },
    ]);
    expect(result.unresolved).toEqual(['c']);
    expect(result).toMatchObject({
      sample: 2,
      p50Seconds: 3600,
      p90Seconds: 3 * 3600,
    });
  });

  it('has no percentiles without incidents', () => {
    expect(incidentRestoreTimes(window, [])).toMatchObject({
      sample: 0,
      p50Seconds: null,
      p90Seconds: null,
    });
  });
});

describe('failedDeploymentRecoveryTimes', () => {
  it('measures from the first failure of an outage to the next success in that environment', () => {
    const result = failedDeploymentRecoveryTimes(
      window,
      [
        { id: 'ok1', environment: 'production', sha: 'a', succeededAt: at(0) },
        { id: 'ok2', environment: 'production', sha: 'b', succeededAt: at(5) },
        { id: 'ok-eu', environment: 'prod-eu', sha: 'b', succeededAt: at(3) },
      ],
      [
        { id: 'f1', environment: 'production', sha: 'x', failedAt: at(2) },
        { id: 'f2', environment: 'production', sha: 'y', failedAt: at(4) },
        { id: 'f3', environment: 'prod-eu', sha: 'z', failedAt: at(30) },
      ],
    );
    expect(result.restored).toEqual([{ id: 'f1', seconds: 3 * 3600 }]);
    expect(result.unresolved).toEqual(['f3']);
  });
});
