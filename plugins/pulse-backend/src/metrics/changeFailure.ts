/**
 * Change failure rate: the share of production deployments that failed. A successful
 * production deployment failed when, within `failureWindow` of it and before the entity's next
 * production deployment, the entity had an incident of at least `failureSeverity` (Pulse's own
 * incidents) or a production deployment ended in `failure` or `error`. Each incident or failed
 * deployment is blamed on one deployment at most: the latest production deployment before it,
 * and only if that one is recent enough; an incident weeks after the last deployment blames none.
 */
import type { IncidentSeverity } from '@pulse-oss/plugin-pulse-common';
import { inWindow, MetricsWindow } from './days';
import { ProductionDeploymentFact } from './leadTime';

/** A production deployment whose latest status is `failure` or `error`. */
export interface FailedDeploymentFact {
  id: string;
  environment: string;
  sha: string;
  failedAt: Date;
}

export interface IncidentFact {
  id: string;
  severity: IncidentSeverity;
  triggeredAt: Date;
  resolvedAt: Date | null;
}

export type FailureCause =
  | { kind: 'incident'; id: string; at: Date }
  | { kind: 'failed-deployment'; id: string; at: Date };

export interface DeploymentOutcome {
  deployment: ProductionDeploymentFact;
  causes: FailureCause[];
}

export interface ChangeFailureRate {
  /** The window's production deployments, oldest first, each with what failed it (if anything). */
  deployments: DeploymentOutcome[];
  failed: number;
  /** `null` without deployments. */
  rate: number | null;
}

export interface ChangeFailureOptions {
  failureWindowSeconds: number;
  failureSeverity: IncidentSeverity;
}

const SEVERITY_RANK: Record<IncidentSeverity, number> = {
  info: 0,
  warning: 1,
  error: 2,
  critical: 3,
};

export function atLeastSeverity(
  severity: IncidentSeverity,
  minimum: IncidentSeverity,
): boolean {
  return SEVERITY_RANK[severity] >= SEVERITY_RANK[minimum];
}

function byTime(a: ProductionDeploymentFact, b: ProductionDeploymentFact) {
  const difference = a.succeededAt.getTime() - b.succeededAt.getTime();
  return difference !== 0 ? difference : a.id.localeCompare(b.id);
}

/** The latest deployment at or before `at`, by binary search over deployments sorted by time. */
function latestAtOrBefore(
  ordered: readonly ProductionDeploymentFact[],
  at: Date,
): number {
  let low = 0;
  let high = ordered.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (ordered[middle].succeededAt.getTime() <= at.getTime()) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

export function changeFailureRate(
  window: MetricsWindow,
  deployments: readonly ProductionDeploymentFact[],
  failedDeployments: readonly FailedDeploymentFact[],
  incidents: readonly IncidentFact[],
  options: ChangeFailureOptions,
): ChangeFailureRate {
  const ordered = [...deployments].sort(byTime);
  const causes = ordered.map((): FailureCause[] => []);
  const blame = (cause: FailureCause) => {
    const index = latestAtOrBefore(ordered, cause.at);
    if (index < 0) {
      return;
    }
    const since = cause.at.getTime() - ordered[index].succeededAt.getTime();
    if (since <= options.failureWindowSeconds * 1000) {
      causes[index].push(cause);
    }
  };
  for (const incident of incidents) {
    if (atLeastSeverity(incident.severity, options.failureSeverity)) {
      blame({ kind: 'incident', id: incident.id, at: incident.triggeredAt });
    }
  }
  for (const failure of failedDeployments) {
    blame({ kind: 'failed-deployment', id: failure.id, at: failure.failedAt });
  }
  const outcomes = ordered
    .map((deployment, index) => ({
      deployment,
      causes: causes[index].sort((a, b) => a.at.getTime() - b.at.getTime()),
    }))
    .filter(outcome => inWindow(window, outcome.deployment.succeededAt));
  const failed = outcomes.filter(outcome => outcome.causes.length > 0).length;
  return {
    deployments: outcomes,
    failed,
    rate: outcomes.length > 0 ? failed / outcomes.length : null,
  };
}
