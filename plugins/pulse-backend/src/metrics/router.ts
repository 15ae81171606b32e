import { InputError } from '@backstage/errors';
import type {
  DeploymentEntry,
  EntityDeliveryMetrics,
  EntityDeployments,
  MetricItem as MetricItemResponse,
  MetricItemsKind,
  MetricItemsPage,
} from '@pulse-oss/plugin-pulse-common';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { LRUCache } from 'lru-cache';
import { hasMembers, memberEntityRefs } from '../entities/memberEntities';
import { VersionStore } from '../live/VersionStore';
import { Clock } from '../service/clock';
import { decodeCursor, encodeCursor } from '../service/cursor';
import { entityRefFromPath } from '../service/entityRefs';
import { Caller, RequestKit } from '../service/requestKit';
import { callerOf, PulseApiRouter } from '../service/router';
import { MetricsConfig, metricsConfigKey } from './config';
import { inWindow, metricsWindow, MetricsWindow } from './days';
import { figuresAt, windowFigures } from './entityMetrics';
import { MemberItems, membersFigures, pooledItems } from './memberMetrics';
import { ListedItem, pageOfItems } from './itemPages';
import { MetricItem, MetricItemKind } from './metricItems';
import {
  DeploymentHistoryRow,
  DeploymentHistoryStore,
} from './store/DeploymentHistoryStore';
import { MetricsStore } from './store/MetricsStore';

/** How long an entity's metrics answer is reused while its `metrics` version stays. */
const ANSWER_CACHE_MS = 60_000;

/** Which stored items each drill-down lists. */
const ITEMS_OF: Record<
  MetricItemsKind,
  { kind: MetricItemKind; keep?: (item: MetricItem) => boolean }
> = {
  deployments: { kind: 'deployment' },
  'lead-time': { kind: 'lead-time' },
  'change-failures': {
    kind: 'deployment',
    keep: item => item.metric === 'deployment' && item.detail.causes.length > 0,
  },
  incidents: { kind: 'incident' },
  recoveries: { kind: 'recovery' },
  'pull-requests': { kind: 'pull-request' },
  'unapproved-merges': {
    kind: 'pull-request',
    keep: item =>
      item.metric === 'pull-request' &&
      item.detail.state === 'merged' &&
      !item.detail.bot &&
      !item.detail.approved,
  },
  'workflow-runs': { kind: 'workflow-run' },
};

/**
 * The metrics routes: an entity's figures over one window and the items behind each number,
 * for entities the catalog shows the caller (404 otherwise). Each answer carries the entity's
 * `metrics` version, read before the data. A group's or a system's answer is over its members
 * that the catalog shows the caller (`memberMetrics.ts`).
 */
export function addMetricsRoutes(options: {
  kit: RequestKit;
  catalog: CatalogService;
  store: MetricsStore;
  deployments: DeploymentHistoryStore;
  versions: VersionStore;
  config: MetricsConfig;
  clock: Clock;
}): (router: PulseApiRouter) => void {
  const { kit, catalog, store, deployments, versions, config, clock } = options;
  const production = new Set(
    config.productionEnvironments.map(environment => environment.toLowerCase()),
  );
  const longest = config.windowDays[config.windowDays.length - 1];
  const figuresKey = metricsConfigKey(config);
  const defaultDays = config.windowDays.includes(30) ? 30 : longest;

  function windowOf(query: { window?: string }): MetricsWindow {
    const days = query.window ? Number(query.window.slice(0, -1)) : defaultDays;
    if (!config.windowDays.includes(days)) {
      throw new InputError(
        `window must be one of ${config.windowDays
          .map(day => `${day}d`)
          .join(', ')}, got '${query.window}'`,
      );
    }
    return metricsWindow(clock.now(), days, config.timeZone);
  }

  /**
   * An entity's answer is the window's figures the aggregation stored, brought to now
   * (`figuresAt`). Until the aggregation has taken them for today's window (after midnight, a
   * configuration change, an entity not aggregated since this release), they are computed from
   * the items, and those answers are kept here by the entity's `metrics` version: a new version
   * (an aggregation that changed the entity) is a new key, so a cached answer is never older
   * than the data it was read from; it is kept for {@link ANSWER_CACHE_MS} at most, because open
   * pull requests' ages and red time run on with the clock. Checked only after the caller was
   * found to see the entity.
   */
  const answers = new LRUCache<string, EntityDeliveryMetrics>({
    max: 5000,
    ttl: ANSWER_CACHE_MS,
  });

  /** A group's or a system's members that have metrics, as the caller sees them, with their items. */
  async function membersOf(
    caller: Caller,
    entityRef: string,
    since: Date,
    metrics?: readonly MetricItemKind[],
  ): Promise<MemberItems[]> {
    await kit.requireVisibleEntity(caller, entityRef);
    const refs = await memberEntityRefs(catalog, caller.credentials, entityRef);
    // Versions before the data, as for one entity: the data is at least that new.
    const memberVersions = await versions.versionOfEach(refs, 'metrics');
    const states = await store.entityStates(refs);
    const items = await store.itemsOfEntities(
      states.map(state => state.entityRef),
      since,
      metrics,
    );
    return states.map(state => ({
      ...state,
      version: memberVersions.get(state.entityRef) ?? 0,
      items: items.get(state.entityRef) ?? [],
    }));
  }

  /** An entity's deployments, with what the metrics know of each (`shipped`). */
  async function entityDeployments(
    entityRef: string,
    query: { environment?: string; cursor?: string; limit?: number },
  ): Promise<EntityDeployments> {
    const scope = `deployments:${entityRef}:${query.environment ?? '*'}`;
    const after = query.cursor
      ? decodeCursor<number>(scope, query.cursor, 'number')
      : undefined;
    const limit = query.limit ?? 25;
    const [version, metricsVersion] = await Promise.all([
      versions.versionOf(entityRef, 'deployments'),
      versions.versionOf(entityRef, 'metrics'),
    ]);
    const [state] = await store.entityStates([entityRef]);
    const empty: EntityDeployments = {
      entityRef,
      environments: [],
      history: [],
      nextCursor: null,
      version,
      metricsVersion,
    };
    if (!state || state.repositoryId === null) {
      return empty;
    }
    const repositoryId = state.repositoryId;
    const [environments, page] = await Promise.all([
      deployments.environments(repositoryId),
      deployments.history(repositoryId, {
        environment: query.environment,
        after,
        limit,
      }),
    ]);
    const rows = page.slice(0, limit);
    const shownRows = [
      ...rows,
      ...environments.flatMap(environment =>
        environment.lastSuccess
          ? [environment.latest, environment.lastSuccess]
          : [environment.latest],
      ),
    ];
    // A successful deployment's item is keyed by its id.
    const items = await store.itemsWithKeys(
      entityRef,
      'deployment',
      shownRows.map(row => row.id),
    );
    const known = new Map(
      items.flatMap(item =>
        item.metric === 'deployment' && item.detail.state === 'success'
          ? [[item.detail.id, item.detail] as const]
          : [],
      ),
    );
    const titles = await deployments.pullRequests(
      repositoryId,
      shownRows.flatMap(row => known.get(row.id)?.pullRequests ?? []),
    );
    const entry = (row: DeploymentHistoryRow): DeploymentEntry => {
      const detail = known.get(row.id);
      return {
        id: row.id,
        environment: row.environment,
        production: production.has(row.environment.toLowerCase()),
        sha: row.sha,
        ref: row.ref,
        state: row.state,
        createdAt: row.createdAt.toISOString(),
        statusAt: row.statusAt ? row.statusAt.toISOString() : null,
        succeededAt: row.succeededAt ? row.succeededAt.toISOString() : null,
        shipped: detail
          ? {
              baseline: detail.baseline,
              failed: detail.causes.length > 0,
              pullRequests: detail.pullRequests.map(number => ({
                number,
                title: titles.get(number)?.title ?? null,
                htmlUrl: titles.get(number)?.htmlUrl ?? null,
              })),
            }
          : null,
      };
    };
    const last = rows[rows.length - 1];
    return {
      ...empty,
      environments: environments.map(environment => ({
        environment: environment.environment,
        production: production.has(environment.environment.toLowerCase()),
        latest: entry(environment.latest),
        lastSuccess: environment.lastSuccess
          ? entry(environment.lastSuccess)
          : null,
      })),
      history: rows.map(entry),
      nextCursor:
        page.length > limit && last
          ? encodeCursor(scope, {
              at: last.createdAt.getTime(),
              id: Number(last.id),
            })
          : null,
    };
  }

  return router => {
    router.get(
      '/entities/:kind/:namespace/:name/deployments',
      async (req, res) => {
        const caller = callerOf(res);
        const entityRef = entityRefFromPath(req.params);
        const { data } = await kit.readVisibleEntity(caller, entityRef, () =>
          entityDeployments(entityRef, req.query),
        );
        res.json(data);
      },
    );

    router.get('/entities/:kind/:namespace/:name/metrics', async (req, res) => {
      const caller = callerOf(res);
      const entityRef = entityRefFromPath(req.params);
      const window = windowOf(req.query);
      const longestStart = metricsWindow(
        window.end,
        longest,
        config.timeZone,
      ).start;
      const figureOptions = {
        minimumSample: config.minimumSample,
        productionEnvironments: config.productionEnvironments,
      };
      if (hasMembers(entityRef)) {
        const members = await membersOf(caller, entityRef, longestStart);
        const body: EntityDeliveryMetrics = {
          entityRef,
          windows: config.windowDays,
          ...membersFigures(window, members, figureOptions),
        };
        res.json(body);
        return;
      }
      const { data } = await kit.readVisibleEntity(
        caller,
        entityRef,
        async () => {
          const version = await versions.versionOf(entityRef, 'metrics');
          const stored = await store.windowFigures(entityRef, window.days);
          if (
            stored &&
            stored.lastDay === window.lastDay &&
            stored.figuresKey === figuresKey &&
            stored.takenAt <= window.end
          ) {
            return { version, stored };
          }
          const cacheKey = [
            entityRef,
            window.days,
            window.lastDay,
            version,
          ].join('\n');
          const cached = answers.get(cacheKey);
          if (cached) {
            return { version, cached };
          }
          const [items, state] = await Promise.all([
            store.items(entityRef, longestStart),
            store.entityState(entityRef),
          ]);
          return { cacheKey, version, items, ...state };
        },
      );
      let body: EntityDeliveryMetrics;
      if (data.stored) {
        body = {
          entityRef,
          computedAt: data.stored.takenAt.toISOString(),
          windows: config.windowDays,
          ...figuresAt(window, data.stored.clocked),
          version: data.version,
        };
      } else if (data.cached) {
        body = data.cached;
      } else {
        body = {
          entityRef,
          computedAt: data.computedAt ? data.computedAt.toISOString() : null,
          windows: config.windowDays,
          ...windowFigures(window, data.items!, {
            ...figureOptions,
            defaultBranch: data.defaultBranch ?? null,
          }),
          version: data.version,
        };
        answers.set(data.cacheKey!, body);
      }
      res.json(body);
    });

    router.get(
      '/entities/:kind/:namespace/:name/metrics/:metric/items',
      async (req, res) => {
        const caller = callerOf(res);
        const entityRef = entityRefFromPath(req.params);
        const window = windowOf(req.query);
        const metric = req.params.metric as MetricItemsKind;
        const scope = `metrics:${entityRef}:${metric}:${window.days}`;
        const after = req.query.cursor
          ? decodeCursor<string>(scope, req.query.cursor, 'string')
          : undefined;
        const limit = req.query.limit ?? 25;
        const { kind, keep } = ITEMS_OF[metric];
        // Open pull requests belong to every window, whenever they were opened.
        const since =
          kind === 'pull-request'
            ? metricsWindow(window.end, longest, config.timeZone).start
            : window.start;
        let data: {
          version: number;
          items: Array<ListedItem & { entityRefs?: string[] }>;
        };
        if (hasMembers(entityRef)) {
          const members = await membersOf(caller, entityRef, since, [kind]);
          data = {
            version: members.reduce((sum, member) => sum + member.version, 0),
            items: pooledItems(members),
          };
        } else {
          ({ data } = await kit.readVisibleEntity(
            caller,
            entityRef,
            async () => {
              const version = await versions.versionOf(entityRef, 'metrics');
              return {
                version,
                items: await store.items(entityRef, since, [kind]),
              };
            },
          ));
        }
        const counted = data.items
          .filter(
            item =>
              (item.metric === 'pull-request' &&
                item.detail.state === 'open') ||
              inWindow(window, item.occurredAt),
          )
          .filter(item => !keep || keep(item));
        const { page, next } = pageOfItems(counted, after, limit);
        const body: MetricItemsPage = {
          items: page.map(
            (item): MetricItemResponse => ({
              key: item.key,
              occurredAt: item.occurredAt.toISOString(),
              day: item.day,
              value: item.value,
              detail: item.detail as unknown as Record<string, unknown>,
              ...(item.entityRefs ? { entityRefs: item.entityRefs } : {}),
            }),
          ),
          nextCursor: next ? encodeCursor(scope, next) : null,
          version: data.version,
        };
        res.json(body);
      },
    );
  };
}
