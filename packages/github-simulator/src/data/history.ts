/**
 * Git history of the default branch and of pull requests. Pull request commits are derived
 * from the pull request's id (stable across pushes) and its head SHA (the last commit), so they
 * need no stored state until a merge freezes them onto the default branch:
 * - `merge`: the pull request's commits, then a merge commit (`merge_commit_sha`) whose parents
 *   are the previous tip and the head;
 * - `squash`: one new commit (`merge_commit_sha`) on the previous tip;
 * - `rebase`: a copy of each commit on the previous tip, the last one being `merge_commit_sha`.
 * Commits are appended in time order, so the list is the branch's history in commit date order.
 */
import { DAY, HOUR, MINUTE } from './factories';
import { Random } from './random';
import { RepositoryState } from './RepositoryState';
import { MergeMethod, SimCommit, SimPullRequest, SimUser } from './types';

const MAX_PULL_COMMITS = 250;

function pullRandom(pull: SimPullRequest, label: string): Random {
  return Random.from(pull.id, 'pull-history', label);
}

/** When the pull request's first commit was authored: before it was opened. */
export function firstCommitAuthoredAt(pull: SimPullRequest): number {
  const rng = pullRandom(pull, 'coding');
  const coding = Math.min(
    14 * DAY,
    Math.round(rng.logNormal(Math.log(6 * HOUR), 1.2)),
  );
  return pull.createdAt - Math.max(MINUTE, coding);
}

/** The merge method a generated pull request uses (a fixed mix). */
export function mergeMethodOf(pull: SimPullRequest): MergeMethod {
  return pullRandom(pull, 'merge-method').weighted<MergeMethod>([
    ['merge', 40],
    ['squash', 40],
    ['rebase', 20],
  ]);
}

/** The commits of a pull request, oldest first; the last one is its head. */
export function pullCommits(
  state: RepositoryState,
  pull: SimPullRequest,
): SimCommit[] {
  const frozen = state.frozenPullCommits.get(pull.number);
  if (frozen) {
    return frozen;
  }
  const count = Math.max(1, Math.min(MAX_PULL_COMMITS, pull.commits));
  const first = firstCommitAuthoredAt(pull);
  const last = Math.max(first, pull.closedAt ?? pull.updatedAt);
  const base = state.defaultBranchTipAt(first);
  const commits: SimCommit[] = [];
  for (let i = 0; i < count; i++) {
    const at =
      count === 1
        ? first
        : Math.round(first + ((last - first) * i) / (count - 1));
    commits.push({
      sha: i === count - 1 ? pull.headSha : pullRandom(pull, `c${i}`).sha(),
      parents: [i === 0 ? base : commits[i - 1].sha],
      message: i === 0 ? pull.title : `Address review feedback (${i})`,
      author: pull.author,
      committer: pull.author,
      authoredAt: at,
      committedAt: at,
    });
  }
  return commits;
}

/** Puts a merged pull request onto the default branch with its merge method. */
export function appendMerge(
  state: RepositoryState,
  pull: SimPullRequest,
  method: MergeMethod,
): void {
  const mergedAt = pull.mergedAt!;
  const merger = pull.mergedBy ?? pull.author;
  const tip = state.defaultBranchTip();
  const commits = pullCommits(state, pull);
  state.frozenPullCommits.set(pull.number, commits);
  pull.mergeMethod = method;
  const headline = `${pull.title} (#${pull.number})`;
  if (method === 'merge') {
    for (const commit of commits) {
      state.addCommit(commit);
    }
    state.appendDefaultBranchCommit({
      sha: pull.mergeCommitSha!,
      parents: [tip, pull.headSha],
      message: `Merge pull request #${pull.number} from ${state.repository.owner.login}/${pull.headRef}\n\n${pull.title}`,
      author: merger,
      committer: merger,
      authoredAt: mergedAt,
      committedAt: mergedAt,
    });
  } else if (method === 'squash') {
    state.appendDefaultBranchCommit({
      sha: pull.mergeCommitSha!,
      parents: [tip],
      message: `${headline}\n\n${commits
        .map(c => `* ${c.message}`)
        .join('\n')}`,
      author: pull.author,
      committer: merger,
      authoredAt: commits[0].authoredAt,
      committedAt: mergedAt,
    });
  } else {
    let parent = tip;
    commits.forEach((commit, i) => {
      const sha =
        i === commits.length - 1
          ? pull.mergeCommitSha!
          : pullRandom(pull, `rebased${i}`).sha();
      state.appendDefaultBranchCommit({
        ...commit,
        sha,
        parents: [parent],
        committer: merger,
        committedAt: mergedAt,
      });
      parent = sha;
    });
  }
}

/** A commit pushed straight to the default branch. */
export function appendPush(
  state: RepositoryState,
  commit: { sha: string; message: string; author: SimUser; at: number },
): void {
  state.appendDefaultBranchCommit({
    sha: commit.sha,
    parents: state.defaultBranchCommits.length
      ? [state.defaultBranchTip()]
      : [],
    message: commit.message,
    author: commit.author,
    committer: commit.author,
    authoredAt: commit.at,
    committedAt: commit.at,
  });
}
