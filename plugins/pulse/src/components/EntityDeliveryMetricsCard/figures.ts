import type {
  DoraLevel,
  EntityDeliveryMetrics,
  MetricDayPoint,
  MetricItem,
  MetricItemsKind,
} from '@pulse-oss/plugin-pulse-common';
import { formatDuration } from '../../shared/time';

/** One of the four keys as the card shows it. */
export interface KeyTile {
  id:
    | 'deploymentFrequency'
    | 'leadTime'
    | 'changeFailureRate'
    | 'timeToRestore';
  title: string;
  /** The figure, or a dash when there is none. */
  value: string;
  /** What the figure is, in words: "p50 over 3 pull requests (p90 3d 2h)". */
  detail: string;
  level: DoraLevel | null;
  /** Why there is no level, when there is none. */
  noLevel?: string;
  series: MetricDayPoint[];
  seriesLabel: string;
  formatPoint: (value: number) => string;
  drill: { metric: MetricItemsKind; label: string };
}

export const percent = (ratio: number) => `${Math.round(ratio * 1000) / 10}%`;
export const perWeek = (value: number) =>
  `${value >= 10 ? Math.round(value) : Math.round(value * 10) / 10} / week`;
const plural = (count: number, one: string, many = `${one}s`) =>
  `${count} ${count === 1 ? one : many}`;

function noLevelReason(
  sample: number,
  minimumSample: number,
  what: string,
): string | undefined {
  return sample < minimumSample
    ? `Not enough data: ${plural(
        sample,
        what,
      )}, ${minimumSample} needed for a band`
    : undefined;
}

/** Parts of a sentence, the empty ones left out. */
const sentence = (...parts: Array<string | false | null | undefined>) =>
  parts.filter(Boolean).join('; ');

function frequencyDetail(metrics: EntityDeliveryMetrics): string {
  const df = metrics.deploymentFrequency;
  const environments = metrics.productionEnvironments.join(', ');
  if (df.sample === 0) {
    return `No successful deployment to ${environments} in this window`;
  }
  return sentence(
    `${plural(df.sample, 'deployment')} to ${environments}`,
    df.medianDeploymentDaysPerWeek !== null &&
      `median ${df.medianDeploymentDaysPerWeek} deployment days a week`,
  );
}

function leadTimeDetail(metrics: EntityDeliveryMetrics): string {
  const lt = metrics.leadTime;
  const waiting = lt.waiting > 0 && `${lt.waiting} waiting`;
  if (lt.sample === 0) {
    return sentence(
      'No merged pull request has reached production in this window',
      waiting,
    );
  }
  return sentence(
    `p50 over ${plural(lt.sample, 'pull request')}, p90 ${formatDuration(
      lt.p90Seconds ?? 0,
    )}`,
    waiting,
    lt.baselined > 0 && `${lt.baselined} shipped by a first deployment`,
  );
}

function restoreDetail(metrics: EntityDeliveryMetrics): string {
  const ttr = metrics.timeToRestore;
  const recovery = ttr.failedDeploymentRecovery;
  return sentence(
    ttr.sample === 0
      ? 'No resolved incident in this window'
      : `p50 over ${plural(
          ttr.sample,
          'resolved incident',
        )}, p90 ${formatDuration(ttr.p90Seconds ?? 0)}`,
    ttr.unresolved > 0 && `${ttr.unresolved} still open`,
    recovery.sample > 0 &&
      `failed deployments recovered in ${formatDuration(
        recovery.p50Seconds ?? 0,
      )} (p50)`,
  );
}

export function keyTiles(metrics: EntityDeliveryMetrics): KeyTile[] {
  const {
    deploymentFrequency: df,
    leadTime: lt,
    changeFailureRate: cfr,
  } = metrics;
  const ttr = metrics.timeToRestore;
  return [
    {
      id: 'deploymentFrequency',
      title: 'Deployment frequency',
      value: perWeek(df.value ?? 0),
      detail: frequencyDetail(metrics),
      level: df.level,
      noLevel: noLevelReason(df.sample, df.minimumSample, 'deployment'),
      series: df.series,
      seriesLabel: 'Deployments per day',
      formatPoint: value => plural(value, 'deployment'),
      drill: { metric: 'deployments', label: 'Deployments' },
    },
    {
      id: 'leadTime',
      title: 'Lead time for changes',
      value: lt.value === null ? '—' : formatDuration(lt.value),
      detail: leadTimeDetail(metrics),
      level: lt.level,
      noLevel: noLevelReason(
        lt.sample,
        lt.minimumSample,
        'deployed pull request',
      ),
      series: lt.series,
      seriesLabel: 'Median lead time per day of merge',
      formatPoint: formatDuration,
      drill: {
        metric: 'lead-time',
        label: 'Pull requests and their lead time',
      },
    },
    {
      id: 'changeFailureRate',
      title: 'Change failure rate',
      value: cfr.value === null ? '—' : percent(cfr.value),
      detail:
        cfr.sample === 0
          ? 'No production deployment in this window'
          : `${cfr.failed} of ${plural(
              cfr.sample,
              'deployment',
            )} followed by an incident or a failed deployment`,
      level: cfr.level,
      noLevel: noLevelReason(cfr.sample, cfr.minimumSample, 'deployment'),
      series: cfr.series,
      seriesLabel: 'Failed share of deployments per day',
      formatPoint: percent,
      drill: { metric: 'change-failures', label: 'Deployments that failed' },
    },
    {
      id: 'timeToRestore',
      title: 'Time to restore',
      value: ttr.value === null ? '—' : formatDuration(ttr.value),
      detail: restoreDetail(metrics),
      level: ttr.level,
      noLevel: noLevelReason(
        ttr.sample,
        ttr.minimumSample,
        'resolved incident',
      ),
      series: ttr.series,
      seriesLabel: 'Median time to restore per day',
      formatPoint: formatDuration,
      drill: { metric: 'incidents', label: 'Incidents' },
    },
  ];
}

export const LEVEL_LABELS: Record<DoraLevel, string> = {
  elite: 'Elite',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
};

/** One item of a drill-down as a line of text and, where it has one, its measure. */
export function describeItem(
  metric: MetricItemsKind,
  item: MetricItem,
): { primary: string; secondary: string; measure?: string; href?: string } {
  const detail = item.detail as Record<string, any>;
  const measure = item.value === null ? undefined : formatDuration(item.value);
  switch (metric) {
    case 'deployments':
    case 'change-failures': {
      const shipped = (detail.pullRequests as number[]) ?? [];
      const causes =
        (detail.causes as Array<{ kind: string; id: string }>) ?? [];
      return {
        primary: `${detail.environment}: ${String(detail.sha).slice(0, 7)} (${
          detail.state
        })`,
        secondary: detail.baseline
          ? 'First deployment of the environment: a baseline, credited to no pull request'
          : [
              shipped.length
                ? `Shipped ${shipped.map(n => `#${n}`).join(', ')}`
                : '',
              causes.length
                ? `Failed: ${causes
                    .map(cause =>
                      cause.kind === 'incident'
                        ? `incident ${cause.id.slice(0, 8)}`
                        : `deployment ${cause.id} failed`,
                    )
                    .join(', ')}`
                : '',
            ]
              .filter(Boolean)
              .join(' · '),
      };
    }
    case 'lead-time':
      return {
        primary: `#${detail.number} ${detail.title}`,
        secondary:
          detail.status === 'deployed'
            ? `Deployed with ${detail.deploymentId}`
            : {
                waiting: 'Merged, not in production yet',
                baselined: 'Shipped by a first deployment (baseline)',
                unmeasured: 'No first commit or merge commit known',
              }[detail.status as string] ?? '',
        measure,
        href: detail.htmlUrl,
      };
    case 'pull-requests':
    case 'unapproved-merges':
      return {
        primary: `#${detail.number} ${detail.title}`,
        secondary: [
          detail.authorLogin,
          `${detail.size} (${detail.changedLines} lines)`,
          detail.state === 'open' && 'open',
          detail.state !== 'open' &&
            !detail.approved &&
            'merged without approval',
        ]
          .filter(Boolean)
          .join(' · '),
        href: detail.htmlUrl,
      };
    case 'incidents':
      return {
        primary: String(detail.title),
        secondary: `${detail.severity}${
          detail.resolvedAt ? '' : ' · still open'
        }`,
        measure,
      };
    case 'recoveries':
      return {
        primary: `Deployment ${detail.deploymentId} failed in ${detail.environment}`,
        secondary:
          item.value === null
            ? 'Not recovered yet'
            : 'Recovered by the next successful deployment',
        measure,
      };
    case 'workflow-runs':
    default:
      return {
        primary: `${detail.workflowName} on ${detail.branch}`,
        secondary: `${detail.conclusion ?? detail.status} · ${String(
          detail.headSha,
        ).slice(0, 7)}`,
        href: detail.htmlUrl,
      };
  }
}
