import { SchedulerService } from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { NotFoundError } from '@backstage/errors';
import {
  GITHUB_PROJECT_SLUG_ANNOTATION,
  pulseSyncRequestPermission,
  PullRequestPage,
  SyncStatus,
  WORKFLOW_RUN_STATUSES,
  WorkflowRunPage,
  WorkflowSummaryList,
} from '@pulse-oss/plugin-pulse-common';
import { describeTracking, GithubHosts } from '../entities/describeTracking';
import { Clock, systemClock } from '../service/clock';
import { decodeCursor, encodeCursor } from '../service/cursor';
import { entityRefFromPath } from '../service/entityRefs';
import { TooManyRequestsError } from '../service/errors';
import { Caller, RequestKit } from '../service/requestKit';
import { callerOf, PulseApiRouter } from '../service/router';
import { GithubStore, SyncedRepository, WorkflowRunFilter } from './store';
import { VersionStore } from '../live/VersionStore';
import { GithubSyncEngine } from './GithubSyncEngine';
import { WorkflowRunRecord } from './githubRecords';
import { toApiStoredPullRequest, toApiWorkflowRun } from './responses';
import { SyncTarget } from './RepositorySync';
import { SUMMARY_SAMPLE_SIZE, summarizeWorkflow } from './workflowSummary';

/** The path's entity, visible to the caller, with the GitHub repository it links to. */
interface LinkedEntity {
  entityRef: string;
  host: string;
  slug: string;
}

/** The scheduler task that refreshes the tracked entities (see plugin.ts). */
export const CATALOG_REFRESH_TASK_ID = 'pulse-catalog-refresh';

/** Routes of the GitHub domain. */
export function addGithubRoutes(options: {
  kit: RequestKit;
  hosts: GithubHosts;
  store: GithubStore;
  engine: GithubSyncEngine;
  scheduler: Pick<SchedulerService, 'triggerTask'>;
  versions: VersionStore;
  manualSyncCooldownSeconds: number;
  clock?: Clock;
}): (router: PulseApiRouter) => void {
  const { kit, hosts, store, engine, versions } = options;

  /** The entity's version of a topic, read before the data so the data is at least as new. */
  const versionOf = (linked: LinkedEntity, topic: string) =>
    versions.versionOf(linked.entityRef.toLocaleLowerCase('en-US'), topic);
  const clock = options.clock ?? systemClock;

  /** 404 unless the caller may see the entity and it links to a usable repository. */
  async function linkedEntity(
    caller: Caller,
    params: { kind: string; namespace: string; name: string },
  ): Promise<LinkedEntity> {
    const entityRef = entityRefFromPath(params);
    const entity = await kit.requireVisibleEntity(caller, entityRef);
    return linkOf(entityRef, entity);
  }

  /**
   * {@link linkedEntity}, with every topic's version of the entity read while the catalog is
   * asked (the versions are sent only if the caller sees the entity).
   */
  async function linkedEntityWithVersions(
    caller: Caller,
    params: { kind: string; namespace: string; name: string },
  ): Promise<{ linked: LinkedEntity; versionOf: (topic: string) => number }> {
    const entityRef = entityRefFromPath(params);
    const { entity, data } = await kit.readVisibleEntity(
      caller,
      entityRef,
      () => versions.versionsOf(entityRef),
    );
    return {
      linked: linkOf(entityRef, entity),
      versionOf: topic => data[topic] ?? 0,
    };
  }

  function linkOf(entityRef: string, entity: Entity): LinkedEntity {
    const tracked = describeTracking(entity, hosts, clock.now());
    if (!tracked) {
      throw new NotFoundError(
        `Entity ${entityRef} is not tracked by Pulse: it has no ${GITHUB_PROJECT_SLUG_ANNOTATION} annotation`,
      );
    }
    if (!tracked.valid || !tracked.repository) {
      throw new NotFoundError(
        `Entity ${entityRef} has no usable GitHub repository: ${tracked.problems.join(
          ' ',
        )}`,
      );
    }
    return {
      entityRef: tracked.entityRef,
      host: tracked.repository.host,
      slug: tracked.repository.slug,
    };
  }

  const notTrackedYet = (linked: LinkedEntity) =>
    new NotFoundError(
      `Entity ${linked.entityRef} is not tracked by Pulse yet: the next refresh of tracked entities picks it up`,
    );

  /** The sync engine's target of the entity's repository; 404 until the refresher tracks it. */
  async function targetOf(linked: LinkedEntity): Promise<SyncTarget> {
    const target = await engine.target(linked.host, linked.slug);
    if (!target) {
      throw notTrackedYet(linked);
    }
    return target;
  }

  /**
   * The target as the engine's list holds it (its repository's id, without reading the row);
   * 404 until the refresher tracks it.
   */
  async function indexedTargetOf(linked: LinkedEntity): Promise<SyncTarget> {
    const target = await engine.indexedTarget(linked.host, linked.slug);
    if (!target) {
      throw notTrackedYet(linked);
    }
    return target;
  }

  /**
   * The target with its current row, read alongside `read` (which needs only the repository's
   * id): one round trip to the database instead of two in turn.
   */
  async function targetWith<T>(
    linked: LinkedEntity,
    read: (repositoryId: number) => Promise<T>,
  ): Promise<{ target: SyncTarget; data: T }> {
    const indexed = await indexedTargetOf(linked);
    const [repository, data] = await Promise.all([
      store.repositories.getRepositoryById(indexed.repository.id),
      read(indexed.repository.id),
    ]);
    if (!repository) {
      throw notTrackedYet(linked);
    }
    return { target: { ...indexed, repository }, data };
  }

  /** The repository row, read by host and slug (one indexed query). */
  async function repositoryOf(linked: LinkedEntity): Promise<SyncedRepository> {
    const repository = await store.repositories.getRepository(
      linked.host,
      linked.slug,
    );
    return repository ?? (await targetOf(linked)).repository;
  }

  /** `knownVersion`: the entity's `sync` version, when already read. */
  async function syncStatus(
    linked: LinkedEntity,
    target: SyncTarget,
    knownVersion?: number,
  ): Promise<SyncStatus> {
    const version = knownVersion ?? (await versionOf(linked, 'sync'));
    const pausedUntil = await engine.hostPausedUntil(target.repository.host);
    return {
      ...engine.status(target, target.repository, pausedUntil),
      version,
    };
  }

  function lastSyncedAt(repository: SyncedRepository): string | null {
    return repository.lastSyncedAt?.toISOString() ?? null;
  }

  /** `known.version`: the entity's `workflow-runs` version, when already read. */
  async function workflowRunPage(
    linked: LinkedEntity,
    repository: SyncedRepository,
    filter: WorkflowRunFilter,
    limit: number,
    cursor?: string,
    known: { version?: number } = {},
  ): Promise<WorkflowRunPage> {
    const version = known.version ?? (await versionOf(linked, 'workflow-runs'));
    return {
      ...(await workflowRunPageOf(repository.id, filter, limit, cursor)),
      lastSyncedAt: lastSyncedAt(repository),
      version,
    };
  }

  /** A page of the repository's workflow runs, without the repository's sync time and version. */
  async function workflowRunPageOf(
    repositoryId: number,
    filter: WorkflowRunFilter,
    limit: number,
    cursor?: string,
  ): Promise<Pick<WorkflowRunPage, 'items' | 'nextCursor'>> {
    const scope = `workflow-runs:${JSON.stringify(filter)}`;
    const page = await store.workflowRuns.listWorkflowRuns(repositoryId, {
      filter,
      limit,
      after: cursor ? decodeCursor<number>(scope, cursor, 'number') : undefined,
    });
    return {
      items: page.items.map(toApiWorkflowRun),
      nextCursor:
        page.more && page.last ? encodeCursor(scope, page.last) : null,
    };
  }

  return router => {
    router.get(
      '/entities/:kind/:namespace/:name/pull-requests',
      async (req, res) => {
        const state = req.query.state ?? 'open';
        const scope = `pull-requests:${state}`;
        const after = req.query.cursor
          ? decodeCursor<number>(scope, req.query.cursor, 'number')
          : undefined;
        const { linked, versionOf: versionOfTopic } =
          await linkedEntityWithVersions(callerOf(res), req.params);
        const version = versionOfTopic('pull-requests');
        const list = (repositoryId: number) =>
          store.pullRequests.listPullRequests(repositoryId, {
            state,
            limit: req.query.limit ?? 25,
            after,
          });
        let repository: SyncedRepository;
        let page: Awaited<ReturnType<typeof list>>;
        let sync: SyncStatus | undefined;
        if (after) {
          // A later page: no sync status, and the repository found even while it is not a target.
          repository = await repositoryOf(linked);
          page = await list(repository.id);
        } else {
          const [{ target, data }, pausedUntil] = await Promise.all([
            targetWith(linked, list),
            engine.hostPausedUntil(linked.host),
          ]);
          repository = target.repository;
          page = data;
          sync = {
            ...engine.status(target, repository, pausedUntil),
            version: versionOfTopic('sync'),
          };
        }
        const body: PullRequestPage = {
          items: page.items.map(toApiStoredPullRequest),
          nextCursor:
            page.more && page.last ? encodeCursor(scope, page.last) : null,
          lastSyncedAt: lastSyncedAt(repository),
          version,
          ...(sync && { sync }),
        };
        res.json(body);
      },
    );

    router.get(
      '/entities/:kind/:namespace/:name/workflow-runs',
      async (req, res) => {
        const linked = await linkedEntity(callerOf(res), req.params);
        const repository = await repositoryOf(linked);
        const { branch, workflow, status } = req.query;
        const filter: WorkflowRunFilter = {};
        if (branch !== undefined) {
          filter.branch = branch;
        }
        if (workflow !== undefined) {
          filter.workflow = /^\d{1,15}$/.test(workflow)
            ? { id: Number(workflow) }
            : { name: workflow };
        }
        if (status !== undefined) {
          if ((WORKFLOW_RUN_STATUSES as readonly string[]).includes(status)) {
            filter.status = status;
          } else {
            filter.conclusion = status;
          }
        }
        res.json(
          await workflowRunPage(
            linked,
            repository,
            filter,
            req.query.limit ?? 25,
            req.query.cursor,
          ),
        );
      },
    );

    router.get(
      '/entities/:kind/:namespace/:name/workflow-summary',
      async (req, res) => {
        const { linked, versionOf: versionOfTopic } =
          await linkedEntityWithVersions(callerOf(res), req.params);
        const version = versionOfTopic('workflow-runs');
        const recentRuns = req.query.recentRuns ?? 25;
        // The parts are independent reads: asked side by side, the card waits for the slowest.
        const [
          {
            target,
            data: [workflows, recent],
          },
          pausedUntil,
        ] = await Promise.all([
          targetWith(linked, repositoryId =>
            Promise.all([
              store.workflowRuns.listWorkflows(repositoryId),
              recentRuns > 0
                ? workflowRunPageOf(repositoryId, {}, recentRuns)
                : null,
            ]),
          ),
          engine.hostPausedUntil(linked.host),
        ]);
        const { repository } = target;
        const defaultBranch = repository.defaultBranch;
        const runs = defaultBranch
          ? await store.workflowRuns.workflowRunsForSummaries(
              repository.id,
              workflows.map(workflow => workflow.id),
              defaultBranch,
              SUMMARY_SAMPLE_SIZE,
            )
          : new Map<number, WorkflowRunRecord[]>();
        const items = workflows.map(workflow =>
          summarizeWorkflow(
            workflow,
            (runs.get(workflow.id) ?? []).map(toApiWorkflowRun),
          ),
        );
        const sync: SyncStatus = {
          ...engine.status(target, repository, pausedUntil),
          version: versionOfTopic('sync'),
        };
        const body: WorkflowSummaryList = {
          defaultBranch,
          items,
          lastSyncedAt: lastSyncedAt(repository),
          version,
          sync,
          ...(recent && {
            recentRuns: {
              ...recent,
              lastSyncedAt: lastSyncedAt(repository),
              version,
            },
          }),
        };
        res.json(body);
      },
    );

    router.get('/entities/:kind/:namespace/:name/sync', async (req, res) => {
      const linked = await linkedEntity(callerOf(res), req.params);
      res.json(await syncStatus(linked, await targetOf(linked)));
    });

    router.post('/entities/:kind/:namespace/:name/sync', async (req, res) => {
      const caller = callerOf(res);
      const linked = await linkedEntity(caller, req.params);
      await kit.authorize(caller, pulseSyncRequestPermission, linked.entityRef);
      const target = await engine.target(linked.host, linked.slug);
      if (!target) {
        // The catalog has the entity but the refresher has not seen it yet: ask it to look now.
        await options.scheduler
          .triggerTask(CATALOG_REFRESH_TASK_ID)
          .catch(() => undefined);
        throw new NotFoundError(
          `Entity ${linked.entityRef} is not tracked by Pulse yet; a refresh of tracked entities was started, try again in a few seconds`,
        );
      }
      const decision = await store.repositories.recordSyncRequest(
        linked.entityRef,
        clock.now(),
        options.manualSyncCooldownSeconds,
      );
      if (!decision.accepted) {
        throw new TooManyRequestsError(
          `A sync of ${linked.entityRef} was requested less than ${options.manualSyncCooldownSeconds} seconds ago; try again in ${decision.retryAfterSeconds} seconds`,
          decision.retryAfterSeconds,
        );
      }
      const version = await versionOf(linked, 'sync');
      const repository = await engine.requestSync(target);
      const pausedUntil = await engine.hostPausedUntil(repository.host);
      const body: SyncStatus = {
        ...engine.status(target, repository, pausedUntil),
        version,
      };
      res.status(202).json(body);
    });
  };
}
