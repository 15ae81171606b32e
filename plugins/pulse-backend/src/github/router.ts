import {
  BackstageCredentials,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  CustomErrorBase,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  AuthorizeResult,
  BasicPermission,
} from '@backstage/plugin-permission-common';
import {
  GITHUB_PROJECT_SLUG_ANNOTATION,
  pulseReadPermission,
  pulseSyncRequestPermission,
  PullRequestPage,
  SyncStatus,
  TrackedEntity,
  WorkflowRunPage,
  WorkflowSummaryList,
} from '@internal/plugin-pulse-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { describeTracking, GithubHosts } from '../entities/describeTracking';
import { TrackedEntityStore } from '../entities/TrackedEntityStore';
import { decodeCursor, encodeCursor } from './cursor';
import { Clock, systemClock } from './GithubClient';
import {
  GithubStore,
  SyncedRepository,
  WorkflowRunFilter,
} from './GithubStore';
import { GithubSyncEngine } from './GithubSyncEngine';
import { SyncTarget } from './RepositorySync';
import { SUMMARY_SAMPLE_SIZE, summarizeWorkflow } from './workflowSummary';

/** Answered with 429 and `Retry-After`. */
export class TooManyRequestsError extends CustomErrorBase {
  name = 'TooManyRequestsError' as const;
  statusCode = 429;
}

const REF_PART = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

const RUN_STATUSES = [
  'queued',
  'in_progress',
  'completed',
  'waiting',
  'requested',
  'pending',
] as const;
const RUN_CONCLUSIONS = [
  'success',
  'failure',
  'cancelled',
  'skipped',
  'timed_out',
  'action_required',
  'neutral',
  'stale',
] as const;

const limitParam = z
  .string()
  .regex(/^\d+$/, 'must be a whole number')
  .transform(Number)
  .pipe(
    z
      .number()
      .int()
      .min(1, 'must be at least 1')
      .max(100, 'must be at most 100'),
  )
  .optional();

const pullRequestQuery = z.object({
  state: z.enum(['open', 'merged', 'closed', 'all']).optional(),
  limit: limitParam,
  cursor: z.string().min(1).max(500).optional(),
});

const workflowRunQuery = z.object({
  branch: z.string().min(1).max(255).optional(),
  workflow: z.string().min(1).max(255).optional(),
  status: z.enum([...RUN_STATUSES, ...RUN_CONCLUSIONS]).optional(),
  limit: limitParam,
  cursor: z.string().min(1).max(500).optional(),
});

/** Parses query parameters; a 400 naming the first bad parameter otherwise. */
function parseQuery<T extends z.ZodTypeAny>(
  schema: T,
  query: unknown,
): z.output<T> {
  const result = schema.safeParse(query);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = String(issue.path[0] ?? 'query');
    const detail =
      issue.code === 'invalid_type' && issue.received === 'array'
        ? 'must be given once'
        : issue.message;
    throw new InputError(`Invalid query parameter '${name}': ${detail}`);
  }
  return result.data;
}

/** The path's entity, checked, with the GitHub repository it tracks. */
interface ResolvedEntity {
  entityRef: string;
  host: string;
  slug: string;
  tracked: TrackedEntity;
}

/** Routes of the GitHub domain, mounted under `/v1`. */
export function createGithubRouter(options: {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  catalog: CatalogService;
  trackedEntities: TrackedEntityStore;
  hosts: GithubHosts;
  store: GithubStore;
  engine: GithubSyncEngine;
  manualSyncCooldownSeconds: number;
  clock?: Clock;
}): express.Router {
  const {
    httpAuth,
    permissions,
    catalog,
    trackedEntities,
    hosts,
    store,
    engine,
  } = options;
  const clock = options.clock ?? systemClock;
  const router = Router();

  async function authorize(
    credentials: BackstageCredentials,
    permission: BasicPermission,
    action: string,
  ) {
    const [decision] = await permissions.authorize([{ permission }], {
      credentials,
    });
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(`You are not allowed to ${action}`);
    }
  }

  /**
   * The tracked repository of the path's entity, checked in this order: authenticated caller
   * (401), Pulse permission (403), well-formed path (400), visible to the caller in the catalog
   * and tracked (404).
   */
  async function resolveTracked(
    req: express.Request,
    extraPermission?: BasicPermission,
  ): Promise<ResolvedEntity> {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    await authorize(credentials, pulseReadPermission, 'read Pulse data');
    if (extraPermission) {
      await authorize(credentials, extraPermission, 'request a Pulse sync');
    }
    for (const param of ['kind', 'namespace', 'name'] as const) {
      if (!REF_PART.test(req.params[param])) {
        throw new InputError(
          `Invalid entity ${param} '${req.params[param]}': use letters, digits, '.', '_' or '-'`,
        );
      }
    }
    const entityRef = stringifyEntityRef({
      kind: req.params.kind,
      namespace: req.params.namespace,
      name: req.params.name,
    });
    // Reading through the catalog with the caller's credentials applies the catalog's own
    // permission rules: an entity the caller may not see is reported as unknown.
    const entity = await catalog.getEntityByRef(entityRef, { credentials });
    if (!entity) {
      throw new NotFoundError(`Entity ${entityRef} is not in the catalog`);
    }
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
    const { host, slug } = tracked.repository;
    return { entityRef, host, slug, tracked };
  }

  /** The sync target of the path's entity (every entity showing its repository). */
  async function resolveEntity(
    req: express.Request,
    extraPermission?: BasicPermission,
  ): Promise<SyncTarget> {
    return targetOf(await resolveTracked(req, extraPermission));
  }

  async function targetOf({
    entityRef,
    host,
    slug,
    tracked,
  }: ResolvedEntity): Promise<SyncTarget> {
    let target = await engine.target(host, slug);
    if (!target) {
      // The catalog knows the entity before Pulse's periodic refresh does.
      await trackedEntities.upsert([tracked]);
      target = await engine.target(host, slug);
    }
    if (!target) {
      throw new NotFoundError(`Entity ${entityRef} is not tracked by Pulse`);
    }
    return target;
  }

  /**
   * The repository row of the path's entity. The data endpoints read it by host and slug, one
   * indexed query, rather than through the sync engine's list of every tracked repository.
   */
  async function resolveRepository(
    req: express.Request,
  ): Promise<SyncedRepository> {
    const resolved = await resolveTracked(req);
    const repository = await store.getRepository(resolved.host, resolved.slug);
    return repository ?? (await targetOf(resolved)).repository;
  }

  function lastSyncedAt(repository: SyncedRepository): string | null {
    return repository.lastSyncedAt?.toISOString() ?? null;
  }

  router.get(
    '/entities/:kind/:namespace/:name/pull-requests',
    async (req, res) => {
      const repository = await resolveRepository(req);
      const query = parseQuery(pullRequestQuery, req.query);
      const state = query.state ?? 'open';
      const scope = `pull-requests:${state}`;
      const page = await store.listPullRequests(repository.id, {
        state,
        limit: query.limit ?? 25,
        after: query.cursor ? decodeCursor(scope, query.cursor) : undefined,
      });
      const body: PullRequestPage = {
        items: page.items,
        nextCursor:
          page.more && page.last ? encodeCursor(scope, page.last) : null,
        lastSyncedAt: lastSyncedAt(repository),
      };
      res.json(body);
    },
  );

  router.get(
    '/entities/:kind/:namespace/:name/workflow-runs',
    async (req, res) => {
      const repository = await resolveRepository(req);
      const query = parseQuery(workflowRunQuery, req.query);
      const filter: WorkflowRunFilter = {};
      if (query.branch !== undefined) {
        filter.branch = query.branch;
      }
      if (query.workflow !== undefined) {
        filter.workflow = /^\d+$/.test(query.workflow)
          ? { id: Number(query.workflow) }
          : { name: query.workflow };
      }
      if (query.status !== undefined) {
        if ((RUN_STATUSES as readonly string[]).includes(query.status)) {
          filter.status = query.status;
        } else {
          filter.conclusion = query.status;
        }
      }
      const scope = `workflow-runs:${JSON.stringify(filter)}`;
      const page = await store.listWorkflowRuns(repository.id, {
        filter,
        limit: query.limit ?? 25,
        after: query.cursor ? decodeCursor(scope, query.cursor) : undefined,
      });
      const body: WorkflowRunPage = {
        items: page.items,
        nextCursor:
          page.more && page.last ? encodeCursor(scope, page.last) : null,
        lastSyncedAt: lastSyncedAt(repository),
      };
      res.json(body);
    },
  );

  router.get(
    '/entities/:kind/:namespace/:name/workflow-summary',
    async (req, res) => {
      const repository = await resolveRepository(req);
      parseQuery(z.object({}), req.query);
      const repoId = repository.id;
      const defaultBranch = repository.defaultBranch;
      const workflows = await store.listWorkflows(repoId);
      const items = [];
      for (const workflow of workflows) {
        const runs = defaultBranch
          ? await store.workflowRunsForSummary(
              repoId,
              workflow.id,
              defaultBranch,
              SUMMARY_SAMPLE_SIZE,
            )
          : [];
        items.push(summarizeWorkflow(workflow, runs));
      }
      const body: WorkflowSummaryList = {
        defaultBranch,
        items,
        lastSyncedAt: lastSyncedAt(repository),
      };
      res.json(body);
    },
  );

  router.get('/entities/:kind/:namespace/:name/sync', async (req, res) => {
    const target = await resolveEntity(req);
    const pausedUntil = await engine.hostPausedUntil(target.repository.host);
    const body: SyncStatus = engine.status(
      target,
      target.repository,
      pausedUntil,
    );
    res.json(body);
  });

  router.post('/entities/:kind/:namespace/:name/sync', async (req, res) => {
    const target = await resolveEntity(req, pulseSyncRequestPermission);
    const entityRef = stringifyEntityRef({
      kind: req.params.kind,
      namespace: req.params.namespace,
      name: req.params.name,
    });
    const decision = await store.recordSyncRequest(
      entityRef,
      clock.now(),
      options.manualSyncCooldownSeconds,
    );
    if (!decision.accepted) {
      res.setHeader('Retry-After', String(decision.retryAfterSeconds));
      throw new TooManyRequestsError(
        `A sync of ${entityRef} was requested less than ${options.manualSyncCooldownSeconds} seconds ago; try again in ${decision.retryAfterSeconds} seconds`,
      );
    }
    const repository = await engine.requestSync(target);
    const pausedUntil = await engine.hostPausedUntil(repository.host);
    const body: SyncStatus = engine.status(target, repository, pausedUntil);
    res.status(202).json(body);
  });

  return router;
}
