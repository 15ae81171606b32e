/**
 * Lead time for changes: for each pull request merged to the default branch, from its first
 * commit's author date to the first successful production deployment whose commit range
 * (see `commitRanges.ts`) contains its merge commit. The first deployment of each environment
 * is a baseline: it shipped all earlier history at once, so the pull requests it contains are
 * reported as baselined and credited to no deployment (otherwise a first deployment would add
 * lead times of months). A merged pull request no deployment contains yet is waiting.
 */
import { ancestry, CommitGraph, DeploymentRange } from './commitRanges';
import { percentile } from './percentiles';

/** A successful deployment to a production environment. */
export interface ProductionDeploymentFact {
  id: string;
  environment: string;
  sha: string;
  succeededAt: Date;
}

/** A pull request merged to the default branch. */
export interface MergedPullRequestFact {
  number: number;
  /** The commit the merge put on the default branch (merge, squash or last rebased commit). */
  mergeCommitSha: string | null;
  /** The author date of the pull request's first commit. */
  firstCommitAt: Date | null;
  mergedAt: Date;
}

export interface LeadTimeEntry {
  number: number;
  deploymentId: string;
  deployedAt: Date;
  seconds: number;
}

export interface LeadTimes {
  /** Pull requests a deployment shipped, with their lead time. */
  deployed: LeadTimeEntry[];
  /** Merged, and contained in no production deployment yet. */
  waiting: number[];
  /** Shipped by an environment's first deployment: no lead time is claimed for them. */
  baselined: number[];
  /** Deployed, but without a first commit date or merge commit to measure from. */
  unmeasured: number[];
}

export interface FirstShipment {
  deploymentId: string;
  deployedAt: Date;
  baseline: boolean;
}

function byTime(a: ProductionDeploymentFact, b: ProductionDeploymentFact) {
  const difference = a.succeededAt.getTime() - b.succeededAt.getTime();
  return difference !== 0 ? difference : a.id.localeCompare(b.id);
}

interface EnvironmentPosition {
  sha: string;
  /** Every commit reachable from `sha`. */
  reachable: Set<string>;
}

/**
 * `deploymentRange` of a deployment after `previous`, without walking the whole history again:
 * the walk from the deployed SHA stops at commits the previous deployment could reach, which
 * leaves exactly the range. When the previous SHA is among the deployed SHA's ancestors (the walk
 * met it), what the new SHA reaches is the previous reach plus the range; otherwise (a rollback,
 * a rewritten branch) it is walked in full.
 */
function rangeAfter(
  graph: CommitGraph,
  sha: string,
  previous: EnvironmentPosition | undefined,
): { range: DeploymentRange; position?: EnvironmentPosition } {
  if (!graph.has(sha)) {
    return { range: { kind: 'unknown-sha' } };
  }
  if (!previous) {
    const reachable = ancestry(graph, sha);
    return {
      range: { kind: 'baseline', commits: new Set(reachable) },
      position: { sha, reachable },
    };
  }
  const commits = new Set<string>();
  let metPrevious = false;
  const pending = [sha];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (commits.has(next) || !graph.has(next)) {
      continue;
    }
    if (previous.reachable.has(next)) {
      metPrevious ||= next === previous.sha;
      continue;
    }
    commits.add(next);
    pending.push(...graph.get(next)!);
  }
  let reachable: Set<string>;
  if (metPrevious) {
    reachable = previous.reachable;
    for (const commit of commits) {
      reachable.add(commit);
    }
  } else {
    reachable = ancestry(graph, sha);
  }
  return { range: { kind: 'range', commits }, position: { sha, reachable } };
}

/**
 * Each deployment's range (as `deploymentRange` defines it), in time order: per environment,
 * from the previous deployment whose SHA is on the known history (a deployment of an unknown SHA
 * is skipped and moves nothing).
 */
export function deploymentRanges(
  graph: CommitGraph,
  deployments: readonly ProductionDeploymentFact[],
): Array<{ deployment: ProductionDeploymentFact; range: DeploymentRange }> {
  const ordered = [...deployments].sort(byTime);
  const positions = new Map<string, EnvironmentPosition>();
  return ordered.map(deployment => {
    const { range, position } = rangeAfter(
      graph,
      deployment.sha,
      positions.get(deployment.environment),
    );
    if (position) {
      positions.set(deployment.environment, position);
    }
    return { deployment, range };
  });
}

/** The first shipment of each commit, from deployment ranges in time order. */
export function firstShipmentsOf(
  ranges: ReturnType<typeof deploymentRanges>,
): Map<string, FirstShipment> {
  const shipped = new Map<string, FirstShipment>();
  for (const { deployment, range } of ranges) {
    if (range.kind === 'unknown-sha') {
      continue;
    }
    for (const sha of range.commits) {
      if (!shipped.has(sha)) {
        shipped.set(sha, {
          deploymentId: deployment.id,
          deployedAt: deployment.succeededAt,
          baseline: range.kind === 'baseline',
        });
      }
    }
  }
  return shipped;
}

/** For each default-branch commit, the earliest production deployment that shipped it. */
export function firstShipments(
  graph: CommitGraph,
  deployments: readonly ProductionDeploymentFact[],
): Map<string, FirstShipment> {
  return firstShipmentsOf(deploymentRanges(graph, deployments));
}

export function leadTimes(
  graph: CommitGraph,
  deployments: readonly ProductionDeploymentFact[],
  pullRequests: readonly MergedPullRequestFact[],
): LeadTimes {
  return leadTimesOf(firstShipments(graph, deployments), pullRequests);
}

/** `leadTimes`, from the first shipments already worked out. */
export function leadTimesOf(
  shipped: ReadonlyMap<string, FirstShipment>,
  pullRequests: readonly MergedPullRequestFact[],
): LeadTimes {
  const result: LeadTimes = {
    deployed: [],
    waiting: [],
    baselined: [],
    unmeasured: [],
  };
  for (const pull of pullRequests) {
    const shipment = pull.mergeCommitSha
      ? shipped.get(pull.mergeCommitSha)
      : undefined;
    if (!pull.mergeCommitSha) {
      result.unmeasured.push(pull.number);
    } else if (!shipment) {
      result.waiting.push(pull.number);
    } else if (shipment.baseline) {
      result.baselined.push(pull.number);
    } else if (!pull.firstCommitAt) {
      result.unmeasured.push(pull.number);
    } else {
      result.deployed.push({
        number: pull.number,
        deploymentId: shipment.deploymentId,
        deployedAt: shipment.deployedAt,
        seconds: Math.max(
          0,
          (shipment.deployedAt.getTime() - pull.firstCommitAt.getTime()) / 1000,
        ),
      });
    }
  }
  result.deployed.sort((a, b) => a.number - b.number);
  return result;
}

/** p50 and p90 of the lead times, with the sample they come from. */
export function leadTimeSummary(entries: readonly LeadTimeEntry[]) {
  const seconds = entries.map(entry => entry.seconds);
  return {
    sample: seconds.length,
    p50Seconds: percentile(seconds, 50),
    p90Seconds: percentile(seconds, 90),
  };
}
