import { metricsWindow } from './days';
import { MemberItems, membersFigures, pooledItems } from './memberMetrics';
import { MetricItem } from './metricItems';

const NOW = new Date('2026-12-01T12:00:00Z');
const window = metricsWindow(NOW, 7, 'UTC');
const options = { minimumSample: 1, productionEnvironments: ['production'] };

function deployment(
  id: string,
  day: string,
  causes: Array<{ kind: 'incident' | 'failed-deployment'; id: string }> = [],
): MetricItem {
  const occurredAt = new Date(`${day}T10:00:00Z`);
  return {
    metric: 'deployment',
    key: id,
    occurredAt,
    day,
    value: null,
    detail: {
      id,
      environment: 'production',
      sha: id.padEnd(40, '0'),
      state: 'success',
      causes: causes.map(cause => ({
        ...cause,
        at: new Date(occurredAt.getTime() + 3_600_000).toISOString(),
      })),
      baseline: false,
      pullRequests: [],
    },
  };
}

function incident(id: string, day: string, minutes: number): MetricItem {
  const triggeredAt = new Date(`${day}T11:00:00Z`);
  return {
    metric: 'incident',
    key: id,
    occurredAt: triggeredAt,
    day,
    value: minutes * 60,
    detail: {
      id,
      title: id,
      severity: 'critical',
      triggeredAt: triggeredAt.toISOString(),
      resolvedAt: new Date(
        triggeredAt.getTime() + minutes * 60_000,
      ).toISOString(),
    },
  };
}

const member = (
  entityRef: string,
  repositoryId: number | null,
  items: MetricItem[],
  version = 1,
): MemberItems => ({
  entityRef,
  repositoryId,
  defaultBranch: 'main',
  computedAt: NOW,
  version,
  items,
});

describe('pooledItems', () => {
  it('counts a repository that two members show once, and merges what failed its deployments', () => {
    const pooled = pooledItems([
      member('component:default/api', 1, [
        deployment('D1', '2026-11-30', [{ kind: 'incident', id: 'I1' }]),
        incident('I1', '2026-11-30', 30),
      ]),
      member('component:default/api-admin', 1, [
        deployment('D1', '2026-11-30', [
          { kind: 'failed-deployment', id: 'D0' },
        ]),
      ]),
    ]);
    expect(pooled).toHaveLength(2);
    const [shared] = pooled;
    expect(shared.entityRefs).toEqual([
      'component:default/api',
      'component:default/api-admin',
    ]);
    expect(
      shared.metric === 'deployment' &&
        shared.detail.causes.map(cause => cause.id),
    ).toEqual(['D0', 'I1']);
  });

  it('keeps items of the same key from different repositories apart', () => {
    const pooled = pooledItems([
      member('component:default/api', 1, [deployment('5', '2026-11-30')]),
      member('component:default/web', 2, [deployment('5', '2026-11-30')]),
      member('component:default/docs', null, [deployment('5', '2026-11-30')]),
    ]);
    expect(pooled.map(item => item.entityRefs)).toEqual([
      ['component:default/api'],
      ['component:default/web'],
      ['component:default/docs'],
    ]);
  });
});

describe('membersFigures', () => {
  it('takes percentiles over the pooled items, and sums the versions', () => {
    const figures = membersFigures(
      window,
      [
        member(
          'component:default/api',
          1,
          [incident('I1', '2026-11-30', 10), incident('I2', '2026-11-30', 20)],
          3,
        ),
        member(
          'component:default/web',
          2,
          [incident('I3', '2026-11-29', 90)],
          4,
        ),
      ],
      options,
    );
    // [10, 20, 90] min: the median is 20 min, not a mean of the members' medians.
    expect(figures.timeToRestore).toMatchObject({ value: 20 * 60, sample: 3 });
    expect(figures.version).toBe(7);
    // Nearest rank: the median of [10, 20] min is 10 min.
    expect(figures.members?.map(row => row.timeToRestore.value)).toEqual([
      10 * 60,
      90 * 60,
    ]);
  });

  it('has no figures and no computation time without members', () => {
    const figures = membersFigures(window, [], options);
    expect(figures).toMatchObject({
      computedAt: null,
      members: [],
      version: 0,
      deploymentFrequency: { value: 0, sample: 0 },
    });
  });
});
