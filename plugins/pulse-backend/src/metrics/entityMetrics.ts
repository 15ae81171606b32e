/**
 * One window's figures, from the items the aggregation stored (`metricItems.ts`): the same
 * items the drill-down lists, so that each number is their count, rate or percentile. Items
 * are read for the longest window; each figure keeps those of its own window. Open pull
 * requests' ages and whether the default branch is red are read against `window.end`.
 *
 * Those two run on with the clock; everything else changes only with the items or the day.
 * So the aggregation stores each window's figures with what the clock moves
 * (`ClockedWindowFigures`), and a read later that day brings them to its instant (`figuresAt`),
 * giving what `windowFigures` over the same items would give then.
 */
import type {
  EntityDeliveryMetrics,
  MetricDayPoint,
} from '@pulse-oss/plugin-pulse-common';
import { ciHealth, redSecondsAt, WorkflowRunFact } from './ciHealth';
import { Day, inWindow, MetricsWindow, windowDays } from './days';
import { deploymentFrequency } from './deploymentFrequency';
import { DORA_2023, DoraKey, doraLevel } from './doraBands';
import { MetricItem, MetricItemDetails, MetricItemKind } from './metricItems';
import { percentile } from './percentiles';
import { FLOW_PHASES, summarisePhase } from './pullRequestFlow';

export type WindowFigures = Omit<
  EntityDeliveryMetrics,
  'entityRef' | 'computedAt' | 'version' | 'windows'
>;

export interface WindowFigureOptions {
  minimumSample: number;
  productionEnvironments: string[];
  defaultBranch: string | null;
}

type ItemOf<K extends MetricItemKind> = Extract<MetricItem, { metric: K }>;

function itemsOf<K extends MetricItemKind>(
  items: readonly MetricItem[],
  metric: K,
): ItemOf<K>[] {
  return items.filter((item): item is ItemOf<K> => item.metric === metric);
}

function dailySeries<T>(
  window: MetricsWindow,
  items: readonly { day: Day; item: T }[],
  value: (dayItems: T[]) => number | null,
): MetricDayPoint[] {
  const byDay = new Map<Day, T[]>();
  for (const { day, item } of items) {
    const list = byDay.get(day) ?? [];
    list.push(item);
    byDay.set(day, list);
  }
  return windowDays(window).map(day => {
    const dayItems = byDay.get(day) ?? [];
    return {
      day,
      value: dayItems.length ? value(dayItems) : null,
      sample: dayItems.length,
    };
  });
}

const median = (values: number[]) => percentile(values, 50);

export function runFact(
  detail: MetricItemDetails['workflow-run'],
): WorkflowRunFact {
  return {
    ...detail,
    createdAt: new Date(detail.createdAt),
    startedAt: detail.startedAt ? new Date(detail.startedAt) : null,
    completedAt: detail.completedAt ? new Date(detail.completedAt) : null,
  };
}

const runFactsOf = (items: readonly MetricItem[]) =>
  itemsOf(items, 'workflow-run').map(item => runFact(item.detail));

/** A window's figures at one instant, with what the clock moves in them. */
export interface ClockedWindowFigures {
  figures: WindowFigures;
  /** When each open pull request counted in `pullRequestFlow.open` was opened. */
  openPullRequestsCreatedAt: string[];
  /** Per `ciHealth.defaultBranch` state, its red seconds before its current red stretch. */
  closedRedSeconds: number[];
}

function openAgeSeconds(end: Date, createdAt: readonly string[]): number[] {
  return createdAt.map(created =>
    Math.max(0, (end.getTime() - new Date(created).getTime()) / 1000),
  );
}

export function windowFigures(
  window: MetricsWindow,
  allItems: readonly MetricItem[],
  options: WindowFigureOptions,
): WindowFigures {
  return clockedWindowFigures(window, allItems, options).figures;
}

/**
 * Figures taken earlier in the same window (same days and zone, from the same items), as they
 * are at `window.end`.
 */
export function figuresAt(
  window: MetricsWindow,
  clocked: ClockedWindowFigures,
): WindowFigures {
  const { figures } = clocked;
  const flow = figures.pullRequestFlow;
  return {
    ...figures,
    pullRequestFlow: {
      ...flow,
      open: {
        ...flow.open,
        ages: summarisePhase(
          openAgeSeconds(window.end, clocked.openPullRequestsCreatedAt),
        ),
      },
    },
    ciHealth: {
      ...figures.ciHealth,
      defaultBranch: figures.ciHealth.defaultBranch.map((state, index) => ({
        ...state,
        redSeconds: redSecondsAt(window, {
          redSince: state.redSince ? new Date(state.redSince) : null,
          closedRedSeconds: clocked.closedRedSeconds[index],
        }),
      })),
    },
  };
}

export function clockedWindowFigures(
  window: MetricsWindow,
  allItems: readonly MetricItem[],
  options: WindowFigureOptions,
): ClockedWindowFigures {
  return figuresOver(window, allItems, runFactsOf(allItems), options);
}

/** `clockedWindowFigures` of several windows over the same items. */
export function clockedFiguresOfWindows(
  windows: readonly MetricsWindow[],
  allItems: readonly MetricItem[],
  options: WindowFigureOptions,
): ClockedWindowFigures[] {
  const runs = runFactsOf(allItems);
  return windows.map(window => figuresOver(window, allItems, runs, options));
}

function figuresOver(
  window: MetricsWindow,
  allItems: readonly MetricItem[],
  runs: readonly WorkflowRunFact[],
  options: WindowFigureOptions,
): ClockedWindowFigures {
  const items = allItems.filter(item => inWindow(window, item.occurredAt));
  const level = (key: DoraKey, value: number | null, sample: number) =>
    doraLevel(DORA_2023, key, value, sample, options.minimumSample);

  const deployments = itemsOf(items, 'deployment');
  const succeeded = deployments.filter(item => item.detail.state === 'success');
  const frequency = deploymentFrequency(
    window,
    succeeded.map(item => ({
      id: item.key,
      environment: item.detail.environment,
      sha: item.detail.sha,
      succeededAt: item.occurredAt,
    })),
  );

  const leadItems = itemsOf(items, 'lead-time');
  const deployedLead = leadItems.filter(
    item => item.detail.status === 'deployed',
  );
  const leadSeconds = deployedLead.map(item => item.value!);
  const leadP50 = median(leadSeconds);
  const countStatus = (status: string) =>
    leadItems.filter(item => item.detail.status === status).length;

  const failed = succeeded.filter(item => item.detail.causes.length > 0).length;
  const rate = succeeded.length ? failed / succeeded.length : null;

  const incidents = itemsOf(items, 'incident');
  const restoreSeconds = incidents.flatMap(item =>
    item.value === null ? [] : [item.value],
  );
  const restoreP50 = median(restoreSeconds);
  const recoveries = itemsOf(items, 'recovery');
  const recoverySeconds = recoveries.flatMap(item =>
    item.value === null ? [] : [item.value],
  );

  const pulls = itemsOf(allItems, 'pull-request');
  const mergedPulls = pulls.filter(
    item =>
      item.detail.state === 'merged' &&
      !item.detail.bot &&
      inWindow(window, item.occurredAt),
  );
  const openPulls = pulls.filter(
    item => item.detail.state === 'open' && !item.detail.bot,
  );
  const phases = Object.fromEntries(
    FLOW_PHASES.map(phase => [
      phase,
      summarisePhase(
        mergedPulls.flatMap(item =>
          item.detail.phases[phase] === null
            ? []
            : [item.detail.phases[phase]!],
        ),
      ),
    ]),
  ) as WindowFigures['pullRequestFlow']['phases'];
  const sizes = { S: 0, M: 0, L: 0, XL: 0 };
  for (const item of mergedPulls) {
    sizes[item.detail.size] += 1;
  }
  const openCreatedAt = openPulls.map(item => item.detail.createdAt);
  const openAges = openAgeSeconds(window.end, openCreatedAt);

  const ci = ciHealth(window, runs, options.defaultBranch);

  const figures: WindowFigures = {
    window: {
      days: window.days,
      firstDay: window.firstDay,
      lastDay: window.lastDay,
      timeZone: window.zone,
    },
    productionEnvironments: options.productionEnvironments,
    bands: { year: DORA_2023.year, source: DORA_2023.source },
    deploymentFrequency: {
      value: frequency.perWeek,
      sample: frequency.count,
      minimumSample: options.minimumSample,
      level: level('deploymentFrequency', frequency.perWeek, frequency.count),
      series: frequency.daily.map(day => ({
        day: day.day,
        value: day.count,
        sample: day.count,
      })),
      perDay: frequency.perDay,
      medianDeploymentDaysPerWeek: frequency.medianDeploymentDaysPerWeek,
    },
    leadTime: {
      value: leadP50,
      sample: leadSeconds.length,
      minimumSample: options.minimumSample,
      level: level('leadTime', leadP50, leadSeconds.length),
      series: dailySeries(
        window,
        deployedLead.map(item => ({ day: item.day, item: item.value! })),
        median,
      ),
      p90Seconds: percentile(leadSeconds, 90),
      waiting: countStatus('waiting'),
      baselined: countStatus('baselined'),
      unmeasured: countStatus('unmeasured'),
    },
    changeFailureRate: {
      value: rate,
      sample: succeeded.length,
      minimumSample: options.minimumSample,
      level: level('changeFailureRate', rate, succeeded.length),
      series: dailySeries(
        window,
        succeeded.map(item => ({
          day: item.day,
          item: item.detail.causes.length > 0,
        })),
        failures => failures.filter(Boolean).length / failures.length,
      ),
      failed,
    },
    timeToRestore: {
      value: restoreP50,
      sample: restoreSeconds.length,
      minimumSample: options.minimumSample,
      level: level('timeToRestore', restoreP50, restoreSeconds.length),
      series: dailySeries(
        window,
        incidents.flatMap(item =>
          item.value === null ? [] : [{ day: item.day, item: item.value }],
        ),
        median,
      ),
      p90Seconds: percentile(restoreSeconds, 90),
      unresolved: incidents.length - restoreSeconds.length,
      failedDeploymentRecovery: {
        sample: recoverySeconds.length,
        p50Seconds: median(recoverySeconds),
        p90Seconds: percentile(recoverySeconds, 90),
        unresolved: recoveries.length - recoverySeconds.length,
      },
    },
    pullRequestFlow: {
      merged: mergedPulls.length,
      phases,
      sizes,
      mergedWithoutApproval: mergedPulls.filter(item => !item.detail.approved)
        .length,
      open: { count: openPulls.length, ages: summarisePhase(openAges) },
      botPullRequests: pulls.filter(
        item =>
          item.detail.bot &&
          (item.detail.state === 'open' || inWindow(window, item.occurredAt)),
      ).length,
    },
    ciHealth: {
      branch: options.defaultBranch,
      workflows: ci.workflows.map(workflow => ({
        workflowId: workflow.workflowId,
        workflowName: workflow.workflowName,
        branch: workflow.branch,
        runs: workflow.runs,
        succeeded: workflow.succeeded,
        failed: workflow.failed,
        successRate: workflow.successRate,
        durationP50Seconds: workflow.duration.p50Seconds,
        durationP95Seconds: workflow.duration.p95Seconds,
        queueP50Seconds: workflow.queue.p50Seconds,
        queueP95Seconds: workflow.queue.p95Seconds,
      })),
      flaky: ci.flaky,
      defaultBranch: ci.defaultBranch.map(state => ({
        workflowId: state.workflowId,
        workflowName: state.workflowName,
        redSeconds: state.redSeconds,
        redNow: state.redNow,
        redSince: state.redSince ? state.redSince.toISOString() : null,
      })),
    },
  };
  return {
    figures,
    openPullRequestsCreatedAt: openCreatedAt,
    closedRedSeconds: ci.defaultBranch.map(state => state.closedRedSeconds),
  };
}
