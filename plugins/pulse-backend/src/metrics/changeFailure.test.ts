import {
  atLeastSeverity,
  changeFailureRate,
  IncidentFact,
} from './changeFailure';
import { metricsWindow } from './days';

const base = Date.UTC(2026, 11, 1);
const at = (hour: number) => new Date(base + hour * 3_600_000);
const deploy = (id: string, hour: number, environment = 'production') => ({
  id,
  environment,
  sha: id,
  succeededAt: at(hour),
});
const incident = (
  id: string,
  hour: number,
  severity: IncidentFact['severity'] = 'critical',
): IncidentFact => ({ id, severity, triggeredAt: at(hour), resolvedAt: null });

const window = metricsWindow(at(24 * 9), 10, 'UTC');
const options = {
  failureWindowSeconds: 24 * 3600,
  failureSeverity: 'error' as const,
};

describe('changeFailureRate', () => {
  it('has no rate without deployments, and blames nothing', () => {
    const result = changeFailureRate(
      window,
      [],
      [],
      [incident('i1', 5)],
      options,
    );
    expect(result).toEqual({ deployments: [], failed: 0, rate: null });
  });

  it('blames an incident on the latest production deployment within the failure window', () => {
    const result = changeFailureRate(
      window,
      [deploy('d1', 0), deploy('d2', 10), deploy('d3', 100)],
      [],
      [
        // After d2 (d1 is older): blames d2 only.
        incident('i1', 12),
        // 30 h after d2 and before d3: outside the failure window, blames nobody.
        incident('i2', 40),
        // Below the failure severity.
        incident('i3', 101, 'warning'),
      ],
      options,
    );
    expect(
      result.deployments.map(({ deployment, causes }) => [
        deployment.id,
        causes.map(cause => cause.id),
      ]),
    ).toEqual([
      ['d1', []],
      ['d2', ['i1']],
      ['d3', []],
    ]);
    expect(result.failed).toBe(1);
    expect(result.rate).toBeCloseTo(1 / 3);
  });

  it('blames a failed deployment status on the deployment before it', () => {
    const result = changeFailureRate(
      window,
      [deploy('d1', 0), deploy('d2', 50, 'prod')],
      [{ id: 'f1', environment: 'production', sha: 'x', failedAt: at(3) }],
      [],
      options,
    );
    expect(result.deployments[0].causes).toEqual([
      { kind: 'failed-deployment', id: 'f1', at: at(3) },
    ]);
    expect(result.rate).toBe(0.5);
  });

  it('does not count deployments before the window, but lets them take the blame', () => {
    const narrow = metricsWindow(at(24 * 9 + 12), 2, 'UTC');
    const result = changeFailureRate(
      narrow,
      [deploy('old', 24 * 7 + 23), deploy('new', 24 * 9 + 2)],
      [],
      [incident('i1', 24 * 8 + 1)],
      options,
    );
    expect(result.deployments.map(outcome => outcome.deployment.id)).toEqual([
      'new',
    ]);
    expect(result.rate).toBe(0);
  });

  it('orders severities', () => {
    expect(atLeastSeverity('critical', 'error')).toBe(true);
    expect(atLeastSeverity('error', 'error')).toBe(true);
    expect(atLeastSeverity('warning', 'error')).toBe(false);
    expect(atLeastSeverity('info', 'info')).toBe(true);
  });
});
