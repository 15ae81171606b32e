import { LoggerService } from '@backstage/backend-plugin-api';
import { DomainEventPublisher } from '../events/DomainEventPublisher';
import { GithubSyncConfig } from './config';
import { Clock, systemClock } from './GithubClient';
import { GithubStore } from './store';
import { GithubSyncEngine } from './GithubSyncEngine';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What one retention run deleted. */
export interface RetentionResult {
  pullRequests: number;
  workflowRuns: number;
  deployments: number;
  commits: number;
  /** Default-branch commits committed before the retention period. */
  branchCommits: number;
  deliveries: number;
  events: number;
  repositories: number;
}

/**
 * The daily clean-up: closed pull requests, completed runs, deployments and default-branch commits past
 * `pulse.retention.days`, domain events and webhook delivery ids past
 * `pulse.retention.eventLogDays`, and repositories no entity has tracked for the retention period.
 */
export class GithubRetention {
  private readonly clock: Clock;

  constructor(
    private readonly options: {
      store: GithubStore;
      publisher: DomainEventPublisher;
      engine: GithubSyncEngine;
      retention: GithubSyncConfig['retention'];
      logger: LoggerService;
      clock?: Clock;
    },
  ) {
    this.clock = options.clock ?? systemClock;
  }

  async run(): Promise<RetentionResult> {
    const { store, publisher, engine, retention, logger } = this.options;
    const now = this.clock.now().getTime();
    const dataBefore = new Date(now - retention.days * DAY_MS);
    const eventsBefore = new Date(now - retention.eventLogDays * DAY_MS);

    const { pullRequests, commits } = await store.pullRequests.deleteExpired(
      dataBefore,
    );
    const deleted = {
      pullRequests,
      workflowRuns: await store.workflowRuns.deleteExpired(dataBefore),
      deployments: await store.deployments.deleteExpired(dataBefore),
      commits,
      branchCommits: await store.branchCommits.deleteExpired(dataBefore),
      deliveries: await store.deployments.deleteDeliveriesBefore(eventsBefore),
    };
    const events = await publisher.prune(eventsBefore);
    const targets = await engine.targets({ fresh: true });
    const repositories = await store.repositories.deleteRepositoriesExcept(
      targets.map(t => ({ host: t.repository.host, slug: t.repository.slug })),
      dataBefore,
    );
    const result = { ...deleted, events, repositories };
    logger.info(
      `Pulse retention deleted ${result.pullRequests} pull requests, ${result.workflowRuns} workflow runs, ${result.deployments} deployments, ${result.events} events and ${result.repositories} untracked repositories`,
    );
    return result;
  }
}
