import { checkRunsForRun } from '../data/checkRuns';
import {
  SECOND,
  addDeploymentStatus,
  commitInfo,
  createCommitStatus,
  createDeployment,
  createReview,
  createWorkflowRun,
  currentAttempt,
  deploymentOutcome,
  distributions,
} from '../data/factories';
import { closePull } from '../data/generateRepository';
import { appendMerge, mergeMethodOf } from '../data/history';
import { openPullRequest } from '../data/pullRequests';
import { Random } from '../data/random';
import { RepositoryState } from '../data/RepositoryState';
import { SimulationClock } from '../data/SimulationClock';
import { SimulationStore } from '../data/SimulationStore';
import {
  RunEvent,
  SimCommitInfo,
  SimPullRequest,
  SimUser,
  SimWorkflow,
  SimWorkflowRun,
} from '../data/types';
import { authorAssociationOf, pickAuthor } from '../data/vocabulary';
import { UrlContext } from '../representations/common';
import { WebhookEvent, WebhookEventName } from './types';
import {
  PayloadContext,
  checkRunPayload,
  commitStatusPayload,
  deploymentPayload,
  deploymentStatusPayload,
  pullRequestPayload,
  pullRequestReviewPayload,
  pullRequestSynchronizePayload,
  workflowRunPayload,
} from './webhookPayloads';

export interface ActivityEngineOptions {
  store: SimulationStore;
  clock: SimulationClock;
  seed: number;
  /** Simulated seconds each tick advances the clock by. */
  stepSeconds: number;
  /** Base URLs for payloads (the simulator's own API address). */
  urls: () => UrlContext;
  installationId?: number;
}

type Action =
  | 'open'
  | 'push'
  | 'readyForReview'
  | 'review'
  | 'merge'
  | 'close'
  | 'dispatch';

const ACTION_WEIGHTS: Array<[Action, number]> = [
  ['open', 20],
  ['push', 15],
  ['readyForReview', 8],
  ['review', 22],
  ['merge', 12],
  ['close', 3],
  ['dispatch', 5],
];

/** How long a new workflow run waits for a runner. */
const QUEUE_SECONDS = 15;

interface LiveRun {
  state: RepositoryState;
  run: SimWorkflowRun;
}

/**
 * Activity mode: each tick advances simulated time, moves workflow runs and
 * deployments along, and performs a few random developer actions. Every
 * change bumps the repository version (and so its ETags) and yields the
 * webhook events GitHub would send for it.
 */
export class ActivityEngine {
  private readonly random: Random;
  private readonly deliveryIds: Random;
  private readonly liveRuns = new Map<number, LiveRun>();
  private readonly scannedRepositories = new Set<number>();
  /** Pull requests opened on request: random activity never touches them. */
  private readonly requestedPulls = new Set<number>();
  private readonly requestRandom: Random;
  private readonly rerunRandom: Random;
  private events: WebhookEvent[] = [];

  constructor(private readonly options: ActivityEngineOptions) {
    this.random = Random.from(options.seed, 'activity');
    this.deliveryIds = Random.from(options.seed, 'deliveries');
    this.requestRandom = Random.from(options.seed, 'requests');
    this.rerunRandom = Random.from(options.seed, 'reruns');
  }

  /**
   * Opens a ready-for-review pull request on request (a test's own), which random activity then
   * leaves alone. Returns it with the `opened` event.
   */
  openRequestedPull(
    state: RepositoryState,
    options: { title?: string } = {},
  ): { pull: SimPullRequest; events: WebhookEvent[] } {
    this.events = [];
    const now = this.options.clock.now();
    const pull = openPullRequest(
      state,
      this.options.store.vocabulary,
      this.requestRandom,
      now,
    );
    if (options.title) {
      pull.title = options.title;
    }
    pull.draft = false;
    this.requestedPulls.add(pull.id);
    state.touch(now, { pushed: true });
    this.emit(
      state,
      'pull_request',
      pullRequestPayload(
        this.payloadContext(state),
        'opened',
        pull,
        pull.author,
      ),
    );
    return { pull, events: this.events };
  }

  /** Merges an open pull request on request; returns the `closed` event it sends. */
  mergeRequestedPull(
    state: RepositoryState,
    pull: SimPullRequest,
  ): WebhookEvent[] {
    this.events = [];
    const now = this.options.clock.now();
    closePull(
      state,
      this.options.store.vocabulary,
      pull,
      now,
      true,
      this.requestRandom,
    );
    appendMerge(state, pull, mergeMethodOf(pull));
    state.touch(now, { pushed: true });
    this.emit(
      state,
      'pull_request',
      pullRequestPayload(
        this.payloadContext(state),
        'closed',
        pull,
        pull.mergedBy ?? pull.author,
      ),
    );
    return this.events;
  }

  tick(): WebhookEvent[] {
    this.events = [];
    this.options.clock.advance(this.options.stepSeconds * SECOND);
    const now = this.options.clock.now();
    this.trackGeneratedRuns();
    this.progressRuns(now);
    const actions = this.random.int(1, 3);
    for (let i = 0; i < actions; i++) {
      const index = this.random.int(0, this.options.store.repositoryCount - 1);
      const state = this.options.store.repositoryAt(index);
      this.trackGeneratedRuns();
      this.perform(state, this.random.weighted(ACTION_WEIGHTS), now);
    }
    return this.events;
  }

  private emit(
    state: RepositoryState,
    name: WebhookEventName,
    payload: Record<string, unknown>,
  ): void {
    this.events.push({
      name,
      action: typeof payload.action === 'string' ? payload.action : undefined,
      deliveryId: this.deliveryIds.uuid(),
      repository: state.fullName,
      payload,
    });
  }

  private payloadContext(state: RepositoryState): PayloadContext {
    return {
      urls: this.options.urls(),
      state,
      githubOrganization: this.options.store.vocabulary.githubOrganization,
      installationId: this.options.installationId,
    };
  }

  /** Picks up queued and running runs of repositories generated since. */
  private trackGeneratedRuns(): void {
    for (const state of this.options.store.generatedRepositories()) {
      if (this.scannedRepositories.has(state.repository.index)) {
        continue;
      }
      this.scannedRepositories.add(state.repository.index);
      for (const run of state.runs) {
        if (run.status !== 'completed') {
          this.liveRuns.set(run.id, { state, run });
        }
      }
    }
  }

  private progressRuns(now: number): void {
    for (const [id, { state, run }] of [...this.liveRuns]) {
      if (
        run.status === 'queued' &&
        now >= run.createdAt + QUEUE_SECONDS * SECOND
      ) {
        this.startRun(state, run, now);
      } else if (
        run.status === 'in_progress' &&
        now >= run.runStartedAt + run.plannedDurationSeconds * SECOND
      ) {
        this.completeRun(state, run, now);
        this.liveRuns.delete(id);
        this.maybeRerun(state, run, now);
      }
    }
  }

  private startRun(state: RepositoryState, run: SimWorkflowRun, now: number) {
    run.status = 'in_progress';
    run.runStartedAt = now;
    run.updatedAt = now;
    state.touch(now);
    const context = this.payloadContext(state);
    this.emit(
      state,
      'workflow_run',
      workflowRunPayload(context, 'in_progress', run),
    );
    for (const checkRun of checkRunsForRun(run, state.repository.index)) {
      this.emit(
        state,
        'check_run',
        checkRunPayload(context, 'created', checkRun),
      );
    }
    if (run.workflow.name === 'Deploy') {
      this.startDeployment(state, run, now);
    }
  }

  private completeRun(
    state: RepositoryState,
    run: SimWorkflowRun,
    now: number,
  ) {
    run.status = 'completed';
    run.conclusion = run.plannedConclusion;
    run.completedAt = now;
    run.updatedAt = now;
    state.touch(now);
    const context = this.payloadContext(state);
    for (const checkRun of checkRunsForRun(run, state.repository.index)) {
      this.emit(
        state,
        'check_run',
        checkRunPayload(context, 'completed', checkRun),
      );
    }
    this.emit(
      state,
      'workflow_run',
      workflowRunPayload(context, 'completed', run),
    );
    if (run.workflow.name === 'Deploy') {
      this.finishDeployments(state, run, now);
    }
    if (run.event === 'pull_request') {
      const pull = state.pulls.find(
        candidate => candidate.headSha === run.headSha,
      );
      if (pull) {
        this.reportStatuses(state, pull, now, 'final');
      }
    }
  }

  /** Re-runs some failed runs: the same run id, `run_attempt` raised, the conclusion drawn anew. */
  private maybeRerun(state: RepositoryState, run: SimWorkflowRun, now: number) {
    if (run.conclusion !== 'failure' || !this.rerunRandom.chance(0.3)) {
      return;
    }
    run.previousAttempts.push(currentAttempt(run));
    run.runAttempt++;
    run.status = 'queued';
    run.conclusion = null;
    run.completedAt = null;
    run.runStartedAt = now;
    run.updatedAt = now;
    run.plannedConclusion = this.rerunRandom.chance(0.7)
      ? 'success'
      : 'failure';
    state.touch(now);
    this.liveRuns.set(run.id, { state, run });
    this.emit(
      state,
      'workflow_run',
      workflowRunPayload(this.payloadContext(state), 'requested', run),
    );
  }

  private startDeployment(
    state: RepositoryState,
    run: SimWorkflowRun,
    now: number,
  ) {
    const bot = this.options.store.vocabulary.githubActionsBot;
    const deployment = createDeployment(state, {
      sha: run.headSha,
      ref: run.headBranch,
      environment: this.random.chance(0.4) ? 'production' : 'staging',
      creator: bot,
      createdAt: now,
      runId: run.id,
    });
    const context = this.payloadContext(state);
    this.emit(state, 'deployment', deploymentPayload(context, deployment));
    const [status] = addDeploymentStatus(state, deployment, {
      state: 'in_progress',
      creator: bot,
      at: now,
    });
    this.emit(
      state,
      'deployment_status',
      deploymentStatusPayload(context, deployment, status),
    );
  }

  private finishDeployments(
    state: RepositoryState,
    run: SimWorkflowRun,
    now: number,
  ) {
    const bot = this.options.store.vocabulary.githubActionsBot;
    const context = this.payloadContext(state);
    for (const deployment of state.deployments) {
      if (deployment.runId !== run.id) {
        continue;
      }
      const [status] = addDeploymentStatus(state, deployment, {
        state: deploymentOutcome(run.conclusion),
        creator: bot,
        at: now,
      });
      this.emit(
        state,
        'deployment_status',
        deploymentStatusPayload(context, deployment, status),
      );
    }
  }

  private reportStatuses(
    state: RepositoryState,
    pull: SimPullRequest,
    now: number,
    phase: 'pending' | 'final',
  ) {
    const context = this.payloadContext(state);
    for (const statusContext of state.statusContexts) {
      const status = createCommitStatus(state, {
        sha: pull.headSha,
        state:
          phase === 'pending'
            ? 'pending'
            : distributions.statusOutcome(this.random),
        context: statusContext,
        creator: pull.author,
        at: now,
        buildNumber: this.random.int(1000, 99999),
      });
      this.emit(state, 'status', commitStatusPayload(context, status, pull));
    }
    if (state.statusContexts.length) {
      state.touch(now);
    }
  }

  private queueRun(
    state: RepositoryState,
    workflow: SimWorkflow,
    event: RunEvent,
    source: {
      headBranch: string;
      headSha: string;
      commit: SimCommitInfo;
      actor: SimUser;
      title: string;
      pullNumbers: number[];
    },
    now: number,
  ) {
    const run = createWorkflowRun(state, {
      workflow,
      event,
      headBranch: source.headBranch,
      headSha: source.headSha,
      headCommit: source.commit,
      actor: source.actor,
      displayTitle: source.title,
      pullNumbers: source.pullNumbers,
      createdAt: now,
      status: 'queued',
      conclusion: null,
      runStartedAt: now,
      completedAt: null,
      plannedDurationSeconds: distributions.runDurationSeconds(
        workflow.name,
        this.random,
      ),
      plannedConclusion: distributions.runConclusion(this.random),
    });
    state.touch(now);
    this.liveRuns.set(run.id, { state, run });
    this.emit(
      state,
      'workflow_run',
      workflowRunPayload(this.payloadContext(state), 'requested', run),
    );
  }

  private queuePullRequestCheck(
    state: RepositoryState,
    pull: SimPullRequest,
    now: number,
  ) {
    this.queueRun(
      state,
      state.workflows[0],
      'pull_request',
      {
        headBranch: pull.headRef,
        headSha: pull.headSha,
        commit: commitInfo(pull.title, pull.author, now),
        actor: pull.author,
        title: pull.title,
        pullNumbers: [pull.number],
      },
      now,
    );
    this.reportStatuses(state, pull, now, 'pending');
  }

  private openPulls(
    state: RepositoryState,
    filter: (pull: SimPullRequest) => boolean,
  ) {
    return state.pulls.filter(
      pull =>
        pull.state === 'open' &&
        !this.requestedPulls.has(pull.id) &&
        filter(pull),
    );
  }

  private perform(state: RepositoryState, action: Action, now: number): void {
    const vocabulary = this.options.store.vocabulary;
    const context = () => this.payloadContext(state);
    const pickOpen = (
      filter: (pull: SimPullRequest) => boolean = () => true,
    ) => {
      const candidates = this.openPulls(state, filter);
      return candidates.length ? this.random.pick(candidates) : undefined;
    };

    switch (action) {
      case 'push': {
        const pull = pickOpen();
        if (!pull) {
          break;
        }
        const before = pull.headSha;
        pull.headSha = this.random.sha();
        pull.commits += this.random.int(1, 3);
        pull.additions += Math.round(this.random.logNormal(2.5, 1));
        pull.deletions += Math.round(this.random.logNormal(1.5, 1));
        pull.updatedAt = now;
        state.branches.set(pull.headRef, pull.headSha);
        state.knownShas.add(pull.headSha);
        state.touch(now, { pushed: true });
        this.emit(
          state,
          'pull_request',
          pullRequestSynchronizePayload(context(), pull, before, pull.author),
        );
        this.queuePullRequestCheck(state, pull, now);
        return;
      }
      case 'readyForReview': {
        const pull = pickOpen(candidate => candidate.draft);
        if (!pull) {
          break;
        }
        pull.draft = false;
        pull.draftEvents.push({
          event: 'ready_for_review',
          actor: pull.author,
          at: now,
        });
        pull.updatedAt = now;
        state.touch(now);
        this.emit(
          state,
          'pull_request',
          pullRequestPayload(context(), 'ready_for_review', pull, pull.author),
        );
        return;
      }
      case 'review': {
        const pull = pickOpen(candidate => !candidate.draft);
        if (!pull) {
          break;
        }
        const reviewer = pickAuthor(vocabulary, this.random, pull.author);
        const reviewState = distributions.reviewState(this.random);
        const review = createReview(state, {
          pullNumber: pull.number,
          user: reviewer,
          authorAssociation: authorAssociationOf(vocabulary, reviewer),
          state: reviewState,
          body: this.random.pick(vocabulary.reviewBodies.filter(Boolean)),
          submittedAt: now,
          commitId: pull.headSha,
        });
        pull.requestedReviewers = pull.requestedReviewers.filter(
          user => user !== reviewer,
        );
        pull.updatedAt = now;
        state.touch(now);
        this.emit(
          state,
          'pull_request_review',
          pullRequestReviewPayload(context(), review, pull),
        );
        return;
      }
      case 'merge': {
        const pull = pickOpen(candidate => !candidate.draft);
        if (!pull) {
          break;
        }
        closePull(state, vocabulary, pull, now, true, this.random);
        appendMerge(state, pull, mergeMethodOf(pull));
        state.touch(now, { pushed: true });
        this.emit(
          state,
          'pull_request',
          pullRequestPayload(
            context(),
            'closed',
            pull,
            pull.mergedBy ?? pull.author,
          ),
        );
        const source = {
          headBranch: state.repository.defaultBranch,
          headSha: pull.mergeCommitSha!,
          commit: commitInfo(
            `${pull.title} (#${pull.number})`,
            pull.author,
            now,
          ),
          actor: pull.mergedBy ?? pull.author,
          title: `${pull.title} (#${pull.number})`,
          pullNumbers: [],
        };
        this.queueRun(state, state.workflows[0], 'push', source, now);
        this.queueRun(state, state.workflows[1], 'push', source, now);
        return;
      }
      case 'close': {
        const pull = pickOpen();
        if (!pull) {
          break;
        }
        closePull(state, vocabulary, pull, now, false, this.random);
        state.touch(now);
        this.emit(
          state,
          'pull_request',
          pullRequestPayload(context(), 'closed', pull, pull.author),
        );
        return;
      }
      case 'dispatch': {
        const nightly = this.random.chance(0.5);
        const actor = pickAuthor(vocabulary, this.random);
        const sha =
          state.branches.get(state.repository.defaultBranch) ??
          this.random.sha();
        const workflow = nightly ? state.workflows[2] : state.workflows[1];
        this.queueRun(
          state,
          workflow,
          nightly ? 'schedule' : 'workflow_dispatch',
          {
            headBranch: state.repository.defaultBranch,
            headSha: sha,
            commit: commitInfo(
              this.random.pick(vocabulary.commitMessages),
              actor,
              now,
            ),
            actor,
            title: workflow.name,
            pullNumbers: [],
          },
          now,
        );
        return;
      }
      default:
        break;
    }
    this.openNewPull(state, now);
  }

  private openNewPull(state: RepositoryState, now: number): void {
    const pull = openPullRequest(
      state,
      this.options.store.vocabulary,
      this.random,
      now,
    );
    state.touch(now, { pushed: true });
    this.emit(
      state,
      'pull_request',
      pullRequestPayload(
        this.payloadContext(state),
        'opened',
        pull,
        pull.author,
      ),
    );
    this.queuePullRequestCheck(state, pull, now);
  }
}
