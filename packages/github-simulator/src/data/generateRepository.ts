import {
  DAY,
  HOUR,
  MINUTE,
  SECOND,
  addDeploymentStatus,
  createCommitStatus,
  createDeployment,
  createReview,
  commitInfo,
  createWorkflowRun,
  deploymentOutcome,
  distributions,
} from './factories';
import { appendMerge, appendPush, mergeMethodOf } from './history';
import { entityId, nodeId, repositoryId } from './ids';
import { openPullRequest } from './pullRequests';
import { Random } from './random';
import { RepositoryState } from './RepositoryState';
import {
  DeploymentState,
  RunConclusion,
  RunEvent,
  RunStatus,
  SimCommitInfo,
  SimDeployment,
  SimPullRequest,
  SimRepository,
  SimUser,
  SimWorkflow,
  SimWorkflowRun,
} from './types';
import { Vocabulary, authorAssociationOf, pickAuthor } from './vocabulary';

export interface GenerationSettings {
  seed: number;
  pullsPerRepo: number;
  runsPerRepo: number;
  /** Generated history ends at this instant (epoch ms). */
  anchor: number;
  /** How far back generated history reaches. */
  historyDays: number;
}

export interface RepositoryDescriptor {
  index: number;
  owner: SimUser;
  name: string;
}

const WORKFLOW_SPECS = [
  { name: 'CI', file: 'ci.yml', jobs: ['build', 'test', 'lint'] },
  { name: 'Deploy', file: 'deploy.yml', jobs: ['build-image', 'deploy'] },
  { name: 'Nightly', file: 'nightly.yml', jobs: ['e2e', 'security-scan'] },
];

const STATUS_CONTEXTS = [
  'ci/jenkins: build',
  'codecov/patch',
  'security/snyk',
  'continuous-integration/buildkite',
];

interface MainCommit {
  sha: string;
  at: number;
  info: SimCommitInfo;
  author: SimUser;
  /** The merged pull request, for a merge commit. */
  pull?: SimPullRequest;
}

function buildRepository(
  descriptor: RepositoryDescriptor,
  vocabulary: Vocabulary,
  settings: GenerationSettings,
  rng: Random,
): SimRepository {
  const id = repositoryId(descriptor.index);
  const createdAt =
    settings.anchor - (settings.historyDays + rng.int(30, 1500)) * DAY;
  return {
    index: descriptor.index,
    id,
    nodeId: nodeId('Repository', id),
    owner: descriptor.owner,
    name: descriptor.name,
    fullName: `${descriptor.owner.login}/${descriptor.name}`,
    description: rng.chance(0.9)
      ? rng.pick(vocabulary.repositoryDescriptions)
      : null,
    homepage: rng.chance(0.2) ? `https://${descriptor.name}.example.com` : null,
    language: rng.pick(vocabulary.languages),
    topics: [
      ...new Set([rng.pick(vocabulary.topics), rng.pick(vocabulary.topics)]),
    ],
    defaultBranch: rng.chance(0.85) ? 'main' : 'master',
    license: rng.chance(0.7) ? rng.pick(vocabulary.licenses) : null,
    isPrivate: false,
    stargazersCount: Math.round(rng.logNormal(2.5, 1.4)),
    forksCount: Math.round(rng.logNormal(1, 1.2)),
    subscribersCount: Math.round(rng.logNormal(1.8, 0.8)),
    size: Math.round(rng.logNormal(8, 1.5)),
    createdAt,
    updatedAt: createdAt,
    pushedAt: createdAt,
  };
}

function buildWorkflows(state: RepositoryState): void {
  const createdAt = state.repository.createdAt + 2 * DAY;
  for (const spec of WORKFLOW_SPECS) {
    const id = entityId(
      'workflow',
      state.repository.index,
      state.nextSequence('workflow'),
    );
    state.workflows.push({
      id,
      nodeId: nodeId('Workflow', id),
      name: spec.name,
      path: `.github/workflows/${spec.file}`,
      jobs: spec.jobs,
      createdAt,
      updatedAt: createdAt,
    });
  }
}

function spreadTimes(
  count: number,
  settings: GenerationSettings,
  rng: Random,
): number[] {
  const span = settings.historyDays * DAY - HOUR;
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    times.push(settings.anchor - HOUR * rng.next() - span * rng.next());
  }
  return times.sort((a, b) => a - b).map(Math.round);
}

function probabilityStillOpen(ageDays: number): number {
  if (ageDays < 3) {
    return 0.8;
  }
  if (ageDays < 14) {
    return 0.45;
  }
  return ageDays < 45 ? 0.15 : 0.05;
}

function buildPullRequests(
  state: RepositoryState,
  vocabulary: Vocabulary,
  settings: GenerationSettings,
  rng: Random,
): MainCommit[] {
  const mainCommits: MainCommit[] = [];
  for (const createdAt of spreadTimes(settings.pullsPerRepo, settings, rng)) {
    const pull = openPullRequest(state, vocabulary, rng, createdAt);
    const ageMs = settings.anchor - createdAt;
    pull.comments = Math.floor(rng.logNormal(0.4, 1.1));
    pull.reviewComments = Math.floor(rng.logNormal(0.2, 1.2));
    if (rng.chance(probabilityStillOpen(ageMs / DAY))) {
      pull.updatedAt =
        createdAt + Math.min(ageMs, rng.logNormal(Math.log(6 * HOUR), 1.2));
    } else {
      const lifetime = Math.min(
        ageMs - MINUTE,
        rng.logNormal(Math.log(20 * HOUR), 1.3),
      );
      closePull(
        state,
        vocabulary,
        pull,
        createdAt + Math.max(MINUTE, lifetime),
        rng.chance(0.82),
        rng,
      );
      if (pull.mergedAt !== null && pull.mergeCommitSha) {
        mainCommits.push({
          sha: pull.mergeCommitSha,
          at: pull.mergedAt,
          author: pull.mergedBy ?? pull.author,
          pull,
          info: commitInfo(
            `${pull.title} (#${pull.number})`,
            pull.author,
            pull.mergedAt,
          ),
        });
      }
    }
    pull.updatedAt = Math.round(pull.updatedAt);
    buildReviews(state, vocabulary, pull, rng);
    buildStatuses(state, pull, settings, rng);
  }
  return mainCommits;
}

/** Closes (and possibly merges) a pull request at `at`. */
export function closePull(
  state: RepositoryState,
  vocabulary: Vocabulary,
  pull: SimPullRequest,
  at: number,
  merge: boolean,
  rng: Random,
): void {
  const closedAt = Math.round(at);
  pull.state = 'closed';
  if (merge && pull.draft) {
    pull.draftEvents.push({
      event: 'ready_for_review',
      actor: pull.author,
      at: Math.round(pull.createdAt + (closedAt - pull.createdAt) * 0.3),
    });
  }
  pull.draft = merge ? false : pull.draft;
  pull.closedAt = closedAt;
  pull.updatedAt = closedAt;
  pull.requestedReviewers = [];
  if (merge) {
    pull.mergedAt = closedAt;
    pull.mergedBy = pickAuthor(vocabulary, rng);
    pull.mergeCommitSha = rng.sha();
    state.knownShas.add(pull.mergeCommitSha);
  }
  state.branches.delete(pull.headRef);
}

function buildReviews(
  state: RepositoryState,
  vocabulary: Vocabulary,
  pull: SimPullRequest,
  rng: Random,
): void {
  if (pull.author.type === 'Bot' && rng.chance(0.5)) {
    return;
  }
  let count: number;
  if (pull.mergedAt !== null) {
    count = rng.int(1, 3);
  } else if (pull.state === 'open') {
    count = pull.draft ? rng.int(0, 1) : rng.int(0, 3);
  } else {
    count = rng.int(0, 2);
  }
  const start = pull.createdAt;
  const end = pull.closedAt ?? pull.updatedAt;
  const times = Array.from({ length: count }, () =>
    Math.round(start + (end - start) * rng.next()),
  ).sort((a, b) => a - b);
  times.forEach((submittedAt, position) => {
    const reviewer = pickAuthor(vocabulary, rng, pull.author);
    const isFinalReviewOfMerge =
      pull.mergedAt !== null && position === times.length - 1;
    const reviewState = isFinalReviewOfMerge
      ? 'APPROVED'
      : distributions.reviewState(rng);
    createReview(state, {
      pullNumber: pull.number,
      user: reviewer,
      authorAssociation: authorAssociationOf(vocabulary, reviewer),
      state: reviewState,
      body:
        reviewState === 'COMMENTED'
          ? rng.pick(vocabulary.reviewBodies.filter(Boolean))
          : rng.pick(vocabulary.reviewBodies),
      submittedAt,
      commitId: pull.headSha,
    });
  });
}

function buildStatuses(
  state: RepositoryState,
  pull: SimPullRequest,
  settings: GenerationSettings,
  rng: Random,
): void {
  for (const context of state.statusContexts) {
    const startedAt = pull.updatedAt - rng.int(1, 20) * MINUTE;
    const pendingAt = Math.max(pull.createdAt, startedAt);
    createCommitStatus(state, {
      sha: pull.headSha,
      state: 'pending',
      context,
      creator: pull.author,
      at: pendingAt,
      buildNumber: rng.int(1000, 99999),
    });
    const finishedAt = pendingAt + rng.int(2, 25) * MINUTE;
    if (finishedAt < settings.anchor) {
      createCommitStatus(state, {
        sha: pull.headSha,
        state: distributions.statusOutcome(rng),
        context,
        creator: pull.author,
        at: finishedAt,
        buildNumber: rng.int(1000, 99999),
      });
    }
  }
}

interface PlannedRun {
  workflow: SimWorkflow;
  event: RunEvent;
  createdAt: number;
  headBranch: string;
  headSha: string;
  headCommit: SimCommitInfo;
  actor: SimUser;
  displayTitle: string;
  pullNumbers: number[];
}

function planPullRequestRuns(
  state: RepositoryState,
  ci: SimWorkflow,
  budget: number,
  rng: Random,
): PlannedRun[] {
  const planned: PlannedRun[] = [];
  for (let i = state.pulls.length - 1; i >= 0 && planned.length < budget; i--) {
    const pull = state.pulls[i];
    const lastPushAt = pull.closedAt ?? pull.updatedAt;
    const createdAt = Math.max(
      pull.createdAt + 5 * SECOND,
      lastPushAt - rng.int(5, 40) * MINUTE,
    );
    planned.push({
      workflow: ci,
      event: 'pull_request',
      createdAt,
      headBranch: pull.headRef,
      headSha: pull.headSha,
      headCommit: commitInfo(pull.title, pull.author, createdAt - MINUTE),
      actor: pull.author,
      displayTitle: pull.title,
      pullNumbers: pull.state === 'open' ? [pull.number] : [],
    });
  }
  return planned;
}

function latestCommitBefore(
  commits: MainCommit[],
  at: number,
): MainCommit | undefined {
  let low = 0;
  let high = commits.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (commits[middle].at <= at) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low > 0 ? commits[low - 1] : undefined;
}

function planBranchRuns(
  state: RepositoryState,
  vocabulary: Vocabulary,
  settings: GenerationSettings,
  mainCommits: MainCommit[],
  count: number,
  rng: Random,
): PlannedRun[] {
  const [ci, deploy, nightly] = state.workflows;
  const defaultBranch = state.repository.defaultBranch;
  const commits = [...mainCommits];
  const pushRunsWanted = Math.ceil(count * 0.75);
  const directPushes = Math.max(
    0,
    Math.ceil(pushRunsWanted / 2) - commits.length,
  );
  for (const at of spreadTimes(directPushes, settings, rng)) {
    const author = pickAuthor(vocabulary, rng);
    commits.push({
      sha: rng.sha(),
      at,
      author,
      info: commitInfo(rng.pick(vocabulary.commitMessages), author, at),
    });
  }
  commits.sort((a, b) => a.at - b.at);
  for (const commit of commits) {
    if (commit.pull) {
      appendMerge(state, commit.pull, mergeMethodOf(commit.pull));
    } else {
      appendPush(state, {
        sha: commit.sha,
        message: commit.info.message,
        author: commit.author,
        at: commit.at,
      });
    }
  }
  const latest = commits[commits.length - 1];
  if (latest) {
    state.repository.pushedAt = Math.max(state.repository.pushedAt, latest.at);
  }

  const planned: PlannedRun[] = [];
  for (let i = 0; i < count; i++) {
    const workflow = rng.weighted<SimWorkflow>([
      [ci, 40],
      [deploy, 35],
      [nightly, 25],
    ]);
    if (workflow === nightly || commits.length === 0) {
      const day = Math.floor(
        (settings.anchor - rng.next() * settings.historyDays * DAY) / DAY,
      );
      const createdAt = day * DAY + 2 * HOUR + rng.int(0, 600) * SECOND;
      const base = latestCommitBefore(commits, createdAt) ?? latest;
      const sha = base?.sha ?? rng.sha();
      planned.push({
        workflow: nightly,
        event: 'schedule',
        createdAt: Math.min(createdAt, settings.anchor - MINUTE),
        headBranch: defaultBranch,
        headSha: sha,
        headCommit:
          base?.info ??
          commitInfo(
            rng.pick(vocabulary.commitMessages),
            vocabulary.authors[0],
            createdAt,
          ),
        actor: base?.author ?? vocabulary.authors[0],
        displayTitle: nightly.name,
        pullNumbers: [],
      });
      continue;
    }
    const commit = rng.pick(commits);
    const dispatched = workflow === deploy && rng.chance(0.1);
    planned.push({
      workflow,
      event: dispatched ? 'workflow_dispatch' : 'push',
      createdAt: commit.at + rng.int(2, dispatched ? 3600 : 30) * SECOND,
      headBranch: defaultBranch,
      headSha: commit.sha,
      headCommit: commit.info,
      actor: commit.author,
      displayTitle: dispatched
        ? workflow.name
        : commit.info.message.split('\n')[0],
      pullNumbers: [],
    });
  }
  return planned;
}

interface PlannedDeployment {
  run: SimWorkflowRun;
  environment: string;
  createdAt: number;
  /** When the deployment finished, if it did before the anchor. */
  finishedAt: number | null;
  outcome: DeploymentState;
}

/**
 * Deploy runs deploy to staging and, after a successful staging deployment,
 * sometimes to production within the same run.
 */
function planDeployments(
  run: SimWorkflowRun,
  rng: Random,
): PlannedDeployment[] {
  const start = run.runStartedAt + rng.int(10, 60) * SECOND;
  const end = run.completedAt;
  const outcome = deploymentOutcome(run.conclusion);
  if (end === null || outcome !== 'success' || !rng.chance(0.4)) {
    return [
      {
        run,
        environment: 'staging',
        createdAt: start,
        finishedAt:
          end === null
            ? null
            : Math.max(start + 2 * SECOND, end - rng.int(1, 30) * SECOND),
        outcome,
      },
    ];
  }
  const middle = Math.max(start + 2 * SECOND, Math.round((start + end) / 2));
  return [
    {
      run,
      environment: 'staging',
      createdAt: start,
      finishedAt: middle,
      outcome,
    },
    {
      run,
      environment: 'production',
      createdAt: middle + SECOND,
      finishedAt: Math.max(middle + 3 * SECOND, end - rng.int(1, 30) * SECOND),
      outcome,
    },
  ];
}

/**
 * Creates deployments in creation order and applies their statuses in time
 * order, so `inactive` marks follow GitHub's rule for overlapping runs too.
 */
function buildDeployments(
  state: RepositoryState,
  vocabulary: Vocabulary,
  plans: PlannedDeployment[],
): void {
  const bot = vocabulary.githubActionsBot;
  const transitions: Array<{
    deployment: SimDeployment;
    state: DeploymentState;
    at: number;
  }> = [];
  plans.sort((a, b) => a.createdAt - b.createdAt);
  for (const plan of plans) {
    const deployment = createDeployment(state, {
      sha: plan.run.headSha,
      ref: plan.run.headBranch,
      environment: plan.environment,
      creator: bot,
      createdAt: plan.createdAt,
      runId: plan.run.id,
    });
    transitions.push({
      deployment,
      state: 'in_progress',
      at: plan.createdAt + SECOND,
    });
    if (plan.finishedAt !== null) {
      transitions.push({
        deployment,
        state: plan.outcome,
        at: plan.finishedAt,
      });
    }
  }
  transitions.sort((a, b) => a.at - b.at);
  for (const transition of transitions) {
    addDeploymentStatus(state, transition.deployment, {
      state: transition.state,
      creator: bot,
      at: transition.at,
    });
  }
}

function runStatus(started: boolean, finished: boolean): RunStatus {
  if (finished) {
    return 'completed';
  }
  return started ? 'in_progress' : 'queued';
}

/**
 * Makes a finished run a re-run: its first attempt ran in the first part of the time and ended
 * `failure` or `cancelled`; the second (the run as listed) ran after it, a failure that turns
 * into a success being a flaky run.
 */
function rerun(run: SimWorkflowRun, durationSeconds: number, rng: Random) {
  const firstEnd =
    run.runStartedAt + Math.round(durationSeconds * 0.4) * SECOND;
  run.previousAttempts.push({
    runAttempt: 1,
    status: 'completed',
    conclusion: rng.chance(0.8) ? 'failure' : 'cancelled',
    createdAt: run.createdAt,
    runStartedAt: run.runStartedAt,
    updatedAt: firstEnd,
  });
  run.runAttempt = 2;
  run.runStartedAt =
    run.runStartedAt + Math.round(durationSeconds * 0.5) * SECOND;
}

function materializeRuns(
  state: RepositoryState,
  vocabulary: Vocabulary,
  settings: GenerationSettings,
  planned: PlannedRun[],
  rng: Random,
  rerunRng: Random,
): void {
  planned.sort((a, b) => a.createdAt - b.createdAt);
  const deploy = state.workflows[1];
  const deployments: PlannedDeployment[] = [];
  for (const plan of planned) {
    const createdAt = Math.min(
      Math.round(plan.createdAt),
      settings.anchor - SECOND,
    );
    const duration = distributions.runDurationSeconds(plan.workflow.name, rng);
    const plannedConclusion: RunConclusion = distributions.runConclusion(rng);
    const runStartedAt = createdAt + rng.int(2, 40) * SECOND;
    const finishesAt = runStartedAt + duration * SECOND;
    const finished = finishesAt <= settings.anchor;
    const started = runStartedAt <= settings.anchor;
    const run = createWorkflowRun(state, {
      ...plan,
      createdAt,
      plannedDurationSeconds: duration,
      plannedConclusion,
      status: runStatus(started, finished),
      conclusion: finished ? plannedConclusion : null,
      runStartedAt: started ? runStartedAt : createdAt,
      completedAt: finished ? finishesAt : null,
    });
    if (finished && duration >= 120 && rerunRng.chance(0.1)) {
      rerun(run, duration, rerunRng);
    }
    if (plan.workflow === deploy && started) {
      deployments.push(...planDeployments(run, rng));
    }
  }
  buildDeployments(state, vocabulary, deployments);
}

/**
 * Generates one repository. All randomness comes from a stream derived from
 * the seed and the repository's full name, so repositories can be generated
 * lazily and in any order.
 */
export function generateRepository(
  descriptor: RepositoryDescriptor,
  vocabulary: Vocabulary,
  settings: GenerationSettings,
): RepositoryState {
  const rng = Random.from(
    settings.seed,
    'repository',
    `${descriptor.owner.login}/${descriptor.name}`,
  );
  const repository = buildRepository(descriptor, vocabulary, settings, rng);
  const contextCount = rng.weighted<number>([
    [0, 40],
    [1, 40],
    [2, 20],
  ]);
  const contexts = rng.shuffle(STATUS_CONTEXTS).slice(0, contextCount);
  const state = new RepositoryState(repository, contexts, rng.int(0, 40));
  appendPush(state, {
    sha: rng.sha(),
    message: 'Initial commit',
    author: vocabulary.authors[0],
    at: repository.createdAt,
  });
  buildWorkflows(state);

  const mainCommits = buildPullRequests(state, vocabulary, settings, rng);
  const pullRunBudget = Math.min(
    state.pulls.length,
    Math.floor(settings.runsPerRepo * 0.4),
  );
  const planned = [
    ...planPullRequestRuns(state, state.workflows[0], pullRunBudget, rng),
    ...planBranchRuns(
      state,
      vocabulary,
      settings,
      mainCommits,
      settings.runsPerRepo - pullRunBudget,
      rng,
    ),
  ];
  materializeRuns(
    state,
    vocabulary,
    settings,
    planned,
    rng,
    Random.from(settings.seed, 'reruns', repository.fullName),
  );

  let lastActivity = repository.pushedAt;
  for (const pull of state.pulls) {
    lastActivity = Math.max(lastActivity, pull.updatedAt);
  }
  repository.pushedAt = Math.max(repository.pushedAt, lastActivity);
  repository.updatedAt = Math.max(repository.updatedAt, lastActivity);
  return state;
}
