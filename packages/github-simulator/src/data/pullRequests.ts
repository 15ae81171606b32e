import { distributions } from './factories';
import { Random } from './random';
import { RepositoryState } from './RepositoryState';
import { SimLabel, SimPullRequest, SimUser } from './types';
import { Vocabulary, authorAssociationOf, pickAuthor } from './vocabulary';

const BRANCH_PREFIXES = ['feature', 'feature', 'fix', 'chore', 'refactor'];

function dependencyBump(vocabulary: Vocabulary, rng: Random) {
  const dependency = rng.pick(vocabulary.dependencyNames);
  const major = rng.int(1, 9);
  const minor = rng.int(0, 20);
  const from = `${major}.${minor}.${rng.int(0, 15)}`;
  const to = `${major}.${minor + rng.int(0, 2)}.${rng.int(0, 15)}`;
  return {
    title: `Bump ${dependency} from ${from} to ${to}`,
    branch: `dependabot/npm_and_yarn/${dependency
      .replace(/[@/]/g, '-')
      .replace(/^-/, '')}-${to}`,
    body: `Bumps ${dependency} from ${from} to ${to}.\n\nDependabot will resolve any conflicts with this PR as long as you don't alter it yourself.`,
  };
}

function pickLabels(vocabulary: Vocabulary, rng: Random): SimLabel[] {
  const candidates = vocabulary.labels.filter(
    label => label.name !== 'dependencies',
  );
  const count = rng.weighted<number>([
    [0, 50],
    [1, 35],
    [2, 15],
  ]);
  const picked = new Set<SimLabel>();
  while (picked.size < count) {
    picked.add(rng.pick(candidates));
  }
  return [...picked];
}

/**
 * Opens a pull request against the default branch. Used for the initial data
 * (which may then close or merge it) and by activity mode.
 */
export function openPullRequest(
  state: RepositoryState,
  vocabulary: Vocabulary,
  rng: Random,
  createdAt: number,
): SimPullRequest {
  const number = state.pulls.length + 1;
  const id = state.allocateId('pull');
  const isDependabot = rng.chance(0.08);
  const author = isDependabot
    ? vocabulary.dependabotBot
    : pickAuthor(vocabulary, rng);

  let title: string;
  let headRef: string;
  let body: string | null;
  let labels: SimLabel[];
  if (isDependabot) {
    const bump = dependencyBump(vocabulary, rng);
    title = bump.title;
    headRef = bump.branch;
    body = bump.body;
    labels = vocabulary.labels.filter(label => label.name === 'dependencies');
  } else {
    title = rng.pick(vocabulary.pullTitles);
    headRef = `${rng.pick(BRANCH_PREFIXES)}/${rng.pick(
      vocabulary.branchTopics,
    )}-${number}`;
    body = rng.chance(0.15) ? null : rng.pick(vocabulary.pullBodies);
    labels = pickLabels(vocabulary, rng);
  }

  const reviewerCount = isDependabot ? 0 : rng.int(0, 2);
  const requestedReviewers: SimUser[] = [];
  for (let i = 0; i < reviewerCount; i++) {
    const reviewer = pickAuthor(vocabulary, rng, author);
    if (!requestedReviewers.includes(reviewer)) {
      requestedReviewers.push(reviewer);
    }
  }

  const defaultBranch = state.repository.defaultBranch;
  const size = distributions.pullSize(rng);
  const pull: SimPullRequest = {
    id,
    number,
    title,
    body,
    author,
    authorAssociation: authorAssociationOf(vocabulary, author),
    state: 'open',
    draft: !isDependabot && rng.chance(0.18),
    locked: false,
    createdAt,
    updatedAt: createdAt,
    closedAt: null,
    mergedAt: null,
    mergedBy: null,
    mergeCommitSha: null,
    headRef,
    headSha: rng.sha(),
    baseRef: defaultBranch,
    baseSha: state.branches.get(defaultBranch) ?? rng.sha(),
    ...size,
    comments: 0,
    reviewComments: 0,
    labels,
    requestedReviewers,
    assignees: !isDependabot && rng.chance(0.3) ? [author] : [],
    mergeMethod: null,
    draftEvents: [],
  };
  state.pulls.push(pull);
  state.branches.set(headRef, pull.headSha);
  state.knownShas.add(pull.headSha);
  state.knownShas.add(pull.baseSha);
  return pull;
}
