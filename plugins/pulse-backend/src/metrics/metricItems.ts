/**
 * What the aggregation stores for one entity: every item a delivery metric counts over the
 * longest configured window, each with the day it belongs to in the configured zone, worked out
 * from the entity's source data by the formulas of this folder. Deployment ranges, lead times
 * and change-failure attribution need the whole history and are settled here; each window's
 * figures are then computed from the items alone (`entityMetrics.ts`), so that every number
 * is the count, rate or percentile of items the drill-down lists.
 */
import { BotMatcher } from './bots';
import {
  IncidentFact,
  changeFailureRate,
  FailedDeploymentFact,
} from './changeFailure';
import { WorkflowRunFact } from './ciHealth';
import { commitGraph } from './commitRanges';
import { Day, dayOf, inWindow, metricsWindow } from './days';
import {
  deploymentRanges,
  firstShipmentsOf,
  leadTimesOf,
  ProductionDeploymentFact,
} from './leadTime';
import {
  FlowPhase,
  pullRequestFlow,
  sizeBucket,
  SizeBucket,
} from './pullRequestFlow';
import { failedDeploymentRecoveryTimes } from './timeToRestore';
import type {
  DeploymentStatusFact,
  IncidentSource,
  RepositoryMetricsSource,
} from './store/MetricsSourceStore';

export const METRIC_ITEM_KINDS = [
  'deployment',
  'lead-time',
  'pull-request',
  'incident',
  'recovery',
  'workflow-run',
] as const;
export type MetricItemKind = (typeof METRIC_ITEM_KINDS)[number];

export interface DeploymentDetail {
  id: string;
  environment: string;
  sha: string;
  state: 'success' | 'failure' | 'error';
  /** For a successful deployment: what failed it (incidents, failed deployments). */
  causes: Array<{
    kind: 'incident' | 'failed-deployment';
    id: string;
    at: string;
  }>;
  /** An environment's first deployment of a known SHA: it credits no pull request. */
  baseline: boolean;
  /** The pull requests it shipped (not for a baseline). */
  pullRequests: number[];
}

export interface LeadTimeDetail {
  number: number;
  title: string;
  htmlUrl: string;
  status: 'deployed' | 'waiting' | 'baselined' | 'unmeasured';
  mergedAt: string;
  firstCommitAt: string | null;
  deploymentId: string | null;
  deployedAt: string | null;
}

export interface PullRequestDetail {
  number: number;
  title: string;
  htmlUrl: string;
  authorLogin: string;
  bot: boolean;
  state: 'merged' | 'open';
  createdAt: string;
  mergedAt: string | null;
  changedLines: number;
  size: SizeBucket;
  approved: boolean;
  phases: Record<FlowPhase, number | null>;
}

export interface IncidentDetail {
  id: string;
  title: string;
  severity: IncidentFact['severity'];
  triggeredAt: string;
  resolvedAt: string | null;
}

export interface RecoveryDetail {
  deploymentId: string;
  environment: string;
  failedAt: string;
}

export interface WorkflowRunDetail
  extends Omit<WorkflowRunFact, 'createdAt' | 'startedAt' | 'completedAt'> {
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
}

export interface MetricItemDetails {
  deployment: DeploymentDetail;
  'lead-time': LeadTimeDetail;
  'pull-request': PullRequestDetail;
  incident: IncidentDetail;
  recovery: RecoveryDetail;
  'workflow-run': WorkflowRunDetail;
}

export type MetricItem = {
  [K in MetricItemKind]: {
    metric: K;
    key: string;
    occurredAt: Date;
    day: Day;
    value: number | null;
    detail: MetricItemDetails[K];
  };
}[MetricItemKind];

export interface MetricItemOptions {
  longestWindowDays: number;
  timeZone: string;
  failureWindowSeconds: number;
  failureSeverity: IncidentFact['severity'];
  isBot: BotMatcher;
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** Deployments that succeeded, at the time they did (GitHub may have marked them inactive since). */
function successes(
  deployments: readonly DeploymentStatusFact[],
): ProductionDeploymentFact[] {
  return deployments.flatMap(deployment =>
    deployment.succeededAt
      ? [
          {
            id: deployment.id,
            environment: deployment.environment,
            sha: deployment.sha,
            succeededAt: deployment.succeededAt,
          },
        ]
      : [],
  );
}

function failures(
  deployments: readonly DeploymentStatusFact[],
): FailedDeploymentFact[] {
  return deployments.flatMap(deployment =>
    (deployment.state === 'failure' || deployment.state === 'error') &&
    deployment.statusAt
      ? [
          {
            id: deployment.id,
            environment: deployment.environment,
            sha: deployment.sha,
            failedAt: deployment.statusAt,
          },
        ]
      : [],
  );
}

export function metricItems(
  source: RepositoryMetricsSource | null,
  incidents: readonly IncidentSource[],
  options: MetricItemOptions,
  now: Date,
): MetricItem[] {
  const window = metricsWindow(
    now,
    options.longestWindowDays,
    options.timeZone,
  );
  const zone = options.timeZone;
  const items: MetricItem[] = [];
  const add = (item: Omit<MetricItem, 'day'>) =>
    items.push({ ...item, day: dayOf(item.occurredAt, zone) } as MetricItem);

  const deployments = source?.deployments ?? [];
  const succeeded = successes(deployments);
  const failed = failures(deployments);
  const graph = commitGraph(source?.commits ?? []);
  const rangeList = deploymentRanges(graph, succeeded);
  const shipped = firstShipmentsOf(rangeList);
  const merged = (source?.pulls ?? []).filter(
    pull =>
      pull.state === 'merged' &&
      pull.mergedAt &&
      inWindow(window, pull.mergedAt),
  );
  const lead = leadTimesOf(
    shipped,
    merged.map(pull => ({
      number: pull.number,
      mergeCommitSha: pull.mergeCommitSha,
      firstCommitAt: pull.firstCommitAt,
      mergedAt: pull.mergedAt!,
    })),
  );

  // Deployments: what each shipped and whether it failed.
  const pullBySha = new Map(
    (source?.pulls ?? []).flatMap(pull =>
      pull.mergeCommitSha ? [[pull.mergeCommitSha, pull.number] as const] : [],
    ),
  );
  const ranges = new Map(
    rangeList.map(({ deployment, range }) => [deployment.id, range]),
  );
  const outcomes = changeFailureRate(
    window,
    succeeded,
    failed,
    incidents,
    options,
  );
  for (const { deployment, causes } of outcomes.deployments) {
    const range = ranges.get(deployment.id);
    const baseline = range?.kind === 'baseline';
    const pulls =
      range?.kind === 'range'
        ? [...range.commits].flatMap(sha =>
            pullBySha.has(sha) ? [pullBySha.get(sha)!] : [],
          )
        : [];
    add({
      metric: 'deployment',
      key: deployment.id,
      occurredAt: deployment.succeededAt,
      value: null,
      detail: {
        id: deployment.id,
        environment: deployment.environment,
        sha: deployment.sha,
        state: 'success',
        causes: causes.map(cause => ({
          kind: cause.kind,
          id: cause.id,
          at: cause.at.toISOString(),
        })),
        baseline,
        pullRequests: pulls.sort((a, b) => a - b),
      },
    });
  }
  const deploymentById = new Map(deployments.map(each => [each.id, each]));
  for (const failure of failed) {
    if (!inWindow(window, failure.failedAt)) {
      continue;
    }
    const deployment = deploymentById.get(failure.id)!;
    const state = deployment.state;
    add({
      metric: 'deployment',
      // A deployment that succeeded and failed afterwards is two items: its success and its failure.
      key: deployment.succeededAt ? `${failure.id}:failure` : failure.id,
      occurredAt: failure.failedAt,
      value: null,
      detail: {
        id: failure.id,
        environment: failure.environment,
        sha: failure.sha,
        state: state === 'error' ? 'error' : 'failure',
        causes: [],
        baseline: false,
        pullRequests: [],
      },
    });
  }

  // Lead time per merged pull request.
  const deployedEntries = new Map(
    lead.deployed.map(entry => [entry.number, entry]),
  );
  const waiting = new Set(lead.waiting);
  const baselined = new Set(lead.baselined);
  const statusOf = (number: number): LeadTimeDetail['status'] => {
    if (deployedEntries.has(number)) {
      return 'deployed';
    }
    if (waiting.has(number)) {
      return 'waiting';
    }
    return baselined.has(number) ? 'baselined' : 'unmeasured';
  };
  for (const pull of merged) {
    const entry = deployedEntries.get(pull.number);
    add({
      metric: 'lead-time',
      key: String(pull.number),
      occurredAt: pull.mergedAt!,
      value: entry?.seconds ?? null,
      detail: {
        number: pull.number,
        title: pull.title,
        htmlUrl: pull.htmlUrl,
        status: statusOf(pull.number),
        mergedAt: pull.mergedAt!.toISOString(),
        firstCommitAt: iso(pull.firstCommitAt),
        deploymentId: entry?.deploymentId ?? null,
        deployedAt: iso(entry?.deployedAt ?? null),
      },
    });
  }

  // Pull request flow: merged in the window, and open now. Bots' pull requests are kept as
  // items (marked) so that each window can say how many it left out.
  const flow = pullRequestFlow(
    window,
    source?.pulls ?? [],
    options.isBot,
    new Map(lead.deployed.map(entry => [entry.number, entry.deployedAt])),
  );
  const flowEntries = new Map(flow.merged.map(entry => [entry.number, entry]));
  for (const pull of source?.pulls ?? []) {
    const inScope =
      pull.state === 'open' ||
      (pull.state === 'merged' && inWindow(window, pull.mergedAt!));
    if (!inScope) {
      continue;
    }
    const entry = flowEntries.get(pull.number);
    const changedLines = pull.additions + pull.deletions;
    add({
      metric: 'pull-request',
      key: String(pull.number),
      occurredAt: pull.mergedAt ?? pull.createdAt,
      value: null,
      detail: {
        number: pull.number,
        title: pull.title,
        htmlUrl: pull.htmlUrl,
        authorLogin: pull.authorLogin,
        bot: options.isBot(pull.authorLogin),
        state: pull.state === 'open' ? 'open' : 'merged',
        createdAt: pull.createdAt.toISOString(),
        mergedAt: iso(pull.mergedAt),
        changedLines,
        size: sizeBucket(changedLines),
        approved: entry?.approved ?? false,
        phases: entry?.phases ?? {
          coding: null,
          pickup: null,
          review: null,
          deploy: null,
        },
      },
    });
  }

  // Time to restore: incidents, and failed deployments' recovery.
  for (const incident of incidents) {
    if (!inWindow(window, incident.triggeredAt)) {
      continue;
    }
    const resolved = incident.resolvedAt && incident.resolvedAt <= now;
    add({
      metric: 'incident',
      key: incident.id,
      occurredAt: incident.triggeredAt,
      value: resolved
        ? Math.max(
            0,
            (incident.resolvedAt!.getTime() - incident.triggeredAt.getTime()) /
              1000,
          )
        : null,
      detail: {
        id: incident.id,
        title: incident.title,
        severity: incident.severity,
        triggeredAt: incident.triggeredAt.toISOString(),
        resolvedAt: resolved ? incident.resolvedAt!.toISOString() : null,
      },
    });
  }
  const recovery = failedDeploymentRecoveryTimes(window, succeeded, failed);
  const failedById = new Map(failed.map(failure => [failure.id, failure]));
  for (const [id, seconds] of [
    ...recovery.restored.map(entry => [entry.id, entry.seconds] as const),
    ...recovery.unresolved.map(unresolved => [unresolved, null] as const),
  ]) {
    const failure = failedById.get(id)!;
    add({
      metric: 'recovery',
      key: id,
      occurredAt: failure.failedAt,
      value: seconds,
      detail: {
        deploymentId: id,
        environment: failure.environment,
        failedAt: failure.failedAt.toISOString(),
      },
    });
  }

  for (const run of source?.runs ?? []) {
    if (!inWindow(window, run.createdAt)) {
      continue;
    }
    add({
      metric: 'workflow-run',
      key: String(run.id),
      occurredAt: run.createdAt,
      value: null,
      detail: {
        ...run,
        earlierConclusions: [...run.earlierConclusions],
        createdAt: run.createdAt.toISOString(),
        startedAt: iso(run.startedAt),
        completedAt: iso(run.completedAt),
      },
    });
  }
  return items;
}
