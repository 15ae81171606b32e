import { LoggerService } from '@backstage/backend-plugin-api';
import { EventParams } from '@backstage/plugin-events-node';
import { NewPulseDomainEvent } from '@pulse-oss/plugin-pulse-common';
import { Knex } from 'knex';
import { DomainEventPublisher } from '../events/DomainEventPublisher';
import { PulseMetrics } from '../observability/PulseMetrics';
import {
  DeploymentEventPayload,
  GITHUB_EVENT_TYPES,
  toApiPullRequest,
  toApiStoredPullRequest,
  toApiWorkflowRun,
} from './responses';
import {
  deriveFirstReviewAt,
  deriveReviewDecision,
  isRunUpdate,
} from './derive';
import { Clock, systemClock } from './GithubClient';
import { attemptOfRun, GithubStore } from './store';
import {
  earlierSuccess,
  MalformedItemError,
  parseCheck,
  parseDeployment,
  parseDeploymentStatus,
  parsePullRequest,
  parsePullRequestSimple,
  parseReview,
  parseStatusEvent,
  parseWorkflowRun,
  PullRequestRecord,
} from './githubRecords';
import { SyncTarget } from './RepositorySync';

/** The topics the GitHub events module publishes (`github.<X-GitHub-Event>`) that Pulse applies. */
export const GITHUB_WEBHOOK_TOPICS = [
  'github.pull_request',
  'github.pull_request_review',
  'github.workflow_run',
  'github.check_run',
  'github.check_suite',
  'github.status',
  'github.deployment',
  'github.deployment_status',
];

/** How a webhook delivery was handled. */
export type WebhookOutcome =
  | 'applied'
  | 'unchanged'
  | 'duplicate'
  | 'ignored'
  | 'malformed';

/** Finds the tracked repository a webhook is about. */
export interface WebhookTargets {
  /**
   * The tracked repository named `slug` (`owner/name`), on `host` when several hosts have one of
   * that name; undefined only once the tracked entities say it is not tracked.
   */
  webhookTarget(slug: string, host?: string): Promise<SyncTarget | undefined>;
}

function headerValue(
  metadata: EventParams['metadata'],
  name: string,
): string | undefined {
  const value = metadata?.[name];
  return Array.isArray(value) ? value[0] : value;
}

function hostOf(url: unknown): string | undefined {
  if (typeof url !== 'string') {
    return undefined;
  }
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

class DuplicateDelivery extends Error {}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return (
    e?.code === '23505' ||
    e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    /UNIQUE constraint failed|duplicate key/i.test(e?.message ?? '')
  );
}

/**
 * Applies GitHub webhooks the moment they arrive: each delivery once (by `X-GitHub-Delivery`),
 * in the same transaction as its changes and their domain events, and never letting an older
 * event replace newer state.
 */
export class GithubWebhookHandler {
  private readonly clock: Clock;
  private readonly retryDelaysMs: number[];

  constructor(
    private readonly options: {
      store: GithubStore;
      publisher: DomainEventPublisher;
      targets: WebhookTargets;
      logger: LoggerService;
      clock?: Clock;
      metrics?: PulseMetrics;
      /** Waits before trying a failed delivery again. Defaults to 100 ms, 500 ms, 2 s. */
      retryDelaysMs?: number[];
    },
  ) {
    this.clock = options.clock ?? systemClock;
    this.retryDelaysMs = options.retryDelaysMs ?? [100, 500, 2000];
  }

  /**
   * The events service subscriber. The events backend answers GitHub only after this returns,
   * but answers 202 even when it throws, and GitHub does not redeliver: a delivery that failed
   * (e.g. the database briefly unavailable) is tried again here a few times before it is given
   * up, with an error naming it so that it can be redelivered from GitHub.
   */
  async onEvent(params: EventParams): Promise<void> {
    const handling = this.handleWithRetries(params);
    await (this.options.metrics?.githubWebhook(params.topic, handling) ??
      handling);
  }

  private async handleWithRetries(
    params: EventParams,
  ): Promise<WebhookOutcome> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.handle(params);
      } catch (error) {
        if (attempt >= this.retryDelaysMs.length) {
          this.options.logger.error(
            `Pulse could not apply GitHub ${params.topic} delivery ${
              headerValue(params.metadata, 'x-github-delivery') ?? '(no id)'
            }; redeliver it from GitHub: ${error}`,
          );
          throw error;
        }
        await new Promise(resolve =>
          setTimeout(resolve, this.retryDelaysMs[attempt]),
        );
      }
    }
  }

  async handle(params: EventParams): Promise<WebhookOutcome> {
    const { logger } = this.options;
    const event =
      headerValue(params.metadata, 'x-github-event') ??
      params.topic.replace(/^github\./, '');
    const deliveryId = headerValue(params.metadata, 'x-github-delivery');
    const payload = params.eventPayload as Record<string, any> | null;
    if (!payload || typeof payload !== 'object') {
      logger.warn(
        `Pulse ignored a GitHub ${event} delivery ${
          deliveryId ?? ''
        } without a JSON body`,
      );
      return 'malformed';
    }
    const target = await this.findTarget(payload.repository);
    if (!target) {
      return 'ignored';
    }
    try {
      return await this.options.store.transaction(async (store, tx) => {
        if (deliveryId) {
          try {
            if (
              !(await store.deployments.recordDelivery(
                deliveryId,
                event,
                this.clock.now(),
              ))
            ) {
              throw new DuplicateDelivery();
            }
          } catch (error) {
            if (isUniqueViolation(error)) {
              throw new DuplicateDelivery();
            }
            throw error;
          }
        }
        return this.apply(event, payload, target, store, tx);
      });
    } catch (error) {
      if (error instanceof DuplicateDelivery) {
        logger.debug(`Pulse dropped duplicate GitHub delivery ${deliveryId}`);
        return 'duplicate';
      }
      if (error instanceof MalformedItemError) {
        logger.warn(
          `Pulse skipped GitHub ${event} delivery ${
            deliveryId ?? '(no id)'
          } for ${target.displaySlug}: ${error.message}`,
        );
        return 'malformed';
      }
      throw error;
    }
  }

  private async findTarget(
    repository: unknown,
  ): Promise<SyncTarget | undefined> {
    const repo = repository as {
      full_name?: unknown;
      html_url?: unknown;
    } | null;
    if (!repo || typeof repo.full_name !== 'string') {
      return undefined;
    }
    return this.options.targets.webhookTarget(
      repo.full_name,
      hostOf(repo.html_url),
    );
  }

  private async apply(
    event: string,
    payload: Record<string, any>,
    target: SyncTarget,
    store: GithubStore,
    tx: Knex.Transaction,
  ): Promise<WebhookOutcome> {
    const repoId = target.repository.id;
    const now = this.clock.now();
    const publish = async (type: string, payloads: unknown[]) => {
      const events: NewPulseDomainEvent[] = [];
      for (const item of payloads) {
        for (const entityRef of target.entityRefs) {
          events.push({ entityRef, type, payload: item });
        }
      }
      await this.options.publisher.publish(events, tx);
    };

    switch (event) {
      case 'pull_request': {
        const pull = parsePullRequest(payload.pull_request);
        const readyAt = readyForReviewMoment(payload.action, pull);
        const markReady = async () =>
          readyAt !== null &&
          (await store.pullRequests.markReadyForReview(
            repoId,
            pull.number,
            readyAt,
          ));
        const current = await store.pullRequests.getPullRecord(
          repoId,
          pull.number,
        );
        if (current && current.record.updatedAt > pull.updatedAt) {
          return (await markReady()) ? 'applied' : 'unchanged';
        }
        const reviews = await store.pullRequests.listReviews(
          repoId,
          pull.number,
        );
        const derived = {
          firstReviewAt: deriveFirstReviewAt(reviews, pull.authorLogin),
          reviewDecision: deriveReviewDecision(reviews, pull.authorLogin),
          ciState: await store.pullRequests.getCiState(repoId, pull.headSha),
        };
        const next = toApiPullRequest(pull, derived);
        if (
          current &&
          JSON.stringify(toApiStoredPullRequest(current)) ===
            JSON.stringify(next)
        ) {
          return (await markReady()) ? 'applied' : 'unchanged';
        }
        // A pull request new to Pulse has the reviews review webhooks brought, unless it was
        // just opened (and has none): the next sync reads the rest.
        await store.pullRequests.upsertPull(
          repoId,
          pull,
          derived,
          current?.reviewsSynced ?? payload.action === 'opened',
        );
        await markReady();
        await publish(GITHUB_EVENT_TYPES.pullRequestUpdated, [next]);
        return 'applied';
      }

      case 'pull_request_review': {
        const simple = parsePullRequestSimple(payload.pull_request);
        const review = parseReview(payload.review, simple.number);
        await store.pullRequests.upsertReviews(repoId, [review]);
        const current = await store.pullRequests.getPullRecord(
          repoId,
          simple.number,
        );
        if (!current) {
          // Without its size figures the pull request waits for the next poll.
          return 'applied';
        }
        // A review moves the pull request's `updated_at`; its other fields come along unless a
        // newer version is already stored.
        const pull =
          simple.updatedAt >= current.record.updatedAt
            ? {
                ...simple,
                additions: current.record.additions,
                deletions: current.record.deletions,
                changedFiles: current.record.changedFiles,
              }
            : current.record;
        const reviews = await store.pullRequests.listReviews(
          repoId,
          simple.number,
        );
        const derived = {
          firstReviewAt: deriveFirstReviewAt(reviews, pull.authorLogin),
          reviewDecision: deriveReviewDecision(reviews, pull.authorLogin),
          ciState: await store.pullRequests.getCiState(repoId, pull.headSha),
        };
        const next = toApiPullRequest(pull, derived);
        if (
          JSON.stringify(next) ===
          JSON.stringify(toApiStoredPullRequest(current))
        ) {
          return 'unchanged';
        }
        await store.pullRequests.upsertPull(
          repoId,
          pull,
          derived,
          current.reviewsSynced,
        );
        await publish(GITHUB_EVENT_TYPES.pullRequestUpdated, [next]);
        return 'applied';
      }

      case 'workflow_run': {
        const run = parseWorkflowRun(
          payload.workflow_run,
          typeof payload.workflow?.name === 'string'
            ? payload.workflow.name
            : null,
        );
        // An older attempt's event after a re-run still records that attempt's outcome.
        const attemptChanged =
          (await store.workflowRuns.recordAttempts(repoId, [
            attemptOfRun(run),
          ])) > 0;
        const stored = (
          await store.workflowRuns.getRunVersions(repoId, [run.id])
        ).get(run.id);
        if (stored && !isRunUpdate(stored, run)) {
          return attemptChanged ? 'applied' : 'unchanged';
        }
        await store.workflowRuns.upsertRuns(repoId, [run]);
        await publish(GITHUB_EVENT_TYPES.workflowRunUpdated, [
          toApiWorkflowRun(run),
        ]);
        return 'applied';
      }

      case 'check_run':
      case 'check_suite':
      case 'status': {
        const check =
          event === 'status'
            ? parseStatusEvent(payload)
            : parseCheck(payload[event], event);
        if (!(await store.pullRequests.applyCheck(repoId, check))) {
          return 'unchanged';
        }
        const changed = await store.pullRequests.recomputeCiState(
          repoId,
          check.sha,
          now,
        );
        await publish(
          GITHUB_EVENT_TYPES.pullRequestUpdated,
          changed.map(toApiStoredPullRequest),
        );
        return 'applied';
      }

      case 'deployment': {
        // A deployment is created before its first status: it shows as created until one arrives.
        const deployment = parseDeployment(payload.deployment);
        const stored = (
          await store.deployments.getDeployments(repoId, [deployment.id])
        ).get(deployment.id);
        if (stored && stored.updatedAt >= deployment.updatedAt) {
          return 'unchanged';
        }
        await store.deployments.upsertDeployment(repoId, {
          ...deployment,
          state: stored?.state ?? null,
          statusId: stored?.statusId ?? null,
          statusAt: stored?.statusAt ?? null,
          succeededAt: stored?.succeededAt ?? null,
          statusesEtag: stored?.statusesEtag ?? null,
        });
        const item: DeploymentEventPayload = {
          id: deployment.id,
          environment: deployment.environment,
          sha: deployment.sha,
          ref: deployment.ref,
          state: stored?.state ?? null,
          createdAt: deployment.createdAt.toISOString(),
          updatedAt: deployment.updatedAt.toISOString(),
        };
        await publish(GITHUB_EVENT_TYPES.deploymentUpdated, [item]);
        return 'applied';
      }

      case 'deployment_status': {
        const deployment = parseDeployment(payload.deployment);
        const status = parseDeploymentStatus(payload.deployment_status);
        const stored = (
          await store.deployments.getDeployments(repoId, [deployment.id])
        ).get(deployment.id);
        const succeededAt = earlierSuccess(
          stored?.succeededAt ?? null,
          status.state === 'success' ? status.createdAt : null,
        );
        const older =
          stored?.statusAt &&
          (status.createdAt < stored.statusAt ||
            (status.createdAt.getTime() === stored.statusAt.getTime() &&
              (stored.statusId ?? 0) >= status.id));
        if (older && succeededAt?.getTime() === stored.succeededAt?.getTime()) {
          return 'unchanged';
        }
        // A late `success` (delivered after the `inactive` that followed it) keeps the newer
        // status and records only when the deployment succeeded.
        const next = older
          ? { ...stored, succeededAt }
          : {
              ...deployment,
              state: status.state,
              statusId: status.id,
              statusAt: status.createdAt,
              succeededAt,
              // The stored ETag no longer describes the statuses list.
              statusesEtag: null,
            };
        await store.deployments.upsertDeployment(repoId, next);
        const item: DeploymentEventPayload = {
          id: deployment.id,
          environment: deployment.environment,
          sha: deployment.sha,
          ref: deployment.ref,
          state: next.state,
          createdAt: deployment.createdAt.toISOString(),
          updatedAt: deployment.updatedAt.toISOString(),
        };
        await publish(GITHUB_EVENT_TYPES.deploymentUpdated, [item]);
        return 'applied';
      }

      default:
        return 'ignored';
    }
  }
}

/** When a pull request webhook says the pull request became ready for review, or null. */
function readyForReviewMoment(
  action: unknown,
  pull: PullRequestRecord,
): Date | null {
  if (action === 'ready_for_review') {
    return pull.updatedAt;
  }
  if (action === 'opened' && !pull.draft) {
    return pull.createdAt;
  }
  return null;
}
