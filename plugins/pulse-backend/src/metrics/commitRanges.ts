/**
 * Which default-branch commits a deployment contains, by ancestry: the commits reachable from
 * the deployed SHA (inclusive) that are not reachable from the previous successful deployment's
 * SHA of the same environment. Walking parents rather than comparing dates or positions makes
 * merge commits (two parents), squash merges and rebase merges (one parent each) come out the
 * same way, and a revert is simply one more commit in the range it was deployed with.
 */

/** A commit of the default branch, as the sync stores it. */
export interface CommitFact {
  sha: string;
  parents: readonly string[];
}

/** The default branch's history, indexed by SHA. */
export type CommitGraph = ReadonlyMap<string, readonly string[]>;

export function commitGraph(commits: Iterable<CommitFact>): CommitGraph {
  const graph = new Map<string, readonly string[]>();
  for (const commit of commits) {
    graph.set(commit.sha, commit.parents);
  }
  return graph;
}

/** `sha` and every ancestor of it that the graph knows. */
export function ancestry(graph: CommitGraph, sha: string): Set<string> {
  const seen = new Set<string>();
  const pending = [sha];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (seen.has(next) || !graph.has(next)) {
      continue;
    }
    seen.add(next);
    pending.push(...graph.get(next)!);
  }
  return seen;
}

export type DeploymentRange =
  /** The commits the deployment shipped. */
  | { kind: 'range'; commits: Set<string> }
  /** An environment's first deployment: it shipped all earlier history, and credits none of it. */
  | { kind: 'baseline'; commits: Set<string> }
  /** The deployed SHA is not on the known default-branch history (another branch, or not synced yet). */
  | { kind: 'unknown-sha' };

/**
 * The commits deployed by a deployment of `sha` whose environment last deployed `previousSha`
 * (`null` for the environment's first deployment). A previous SHA that is not on the known
 * history is treated like no previous deployment: the range is a baseline, never a guess.
 */
export function deploymentRange(
  graph: CommitGraph,
  sha: string,
  previousSha: string | null,
): DeploymentRange {
  if (!graph.has(sha)) {
    return { kind: 'unknown-sha' };
  }
  const reachable = ancestry(graph, sha);
  if (previousSha === null || !graph.has(previousSha)) {
    return { kind: 'baseline', commits: reachable };
  }
  for (const shipped of ancestry(graph, previousSha)) {
    reachable.delete(shipped);
  }
  return { kind: 'range', commits: reachable };
}
