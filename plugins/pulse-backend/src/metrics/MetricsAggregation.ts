import { LoggerService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import pLimit from 'p-limit';
import { DomainEventPublisher } from '../events/DomainEventPublisher';
import { Clock } from '../service/clock';
import { botMatcher } from './bots';
import { MetricsConfig, metricsConfigKey } from './config';
import { dayOf, metricsWindow } from './days';
import { clockedFiguresOfWindows } from './entityMetrics';
import { MetricItem, metricItems } from './metricItems';
import { MetricsSourceStore } from './store/MetricsSourceStore';
import { MetricsStore, StoredWindowFigures } from './store/MetricsStore';

/** A repository and the entities that show it. */
export interface MetricsTarget {
  repositoryId: number;
  defaultBranch: string | null;
  entityRefs: string[];
}

/** Repositories aggregated at once. */
const CONCURRENT_REPOSITORIES = 4;

export const METRICS_EVENT_TYPES = { updated: 'metrics.updated' } as const;

/** The live topics whose changes can change an entity's metrics. */
export const METRICS_SOURCE_TOPICS = [
  'pull-requests',
  'workflow-runs',
  'deployments',
  'incidents',
  'sync',
] as const;

export interface MetricsAggregationOptions {
  knex: Knex;
  config: MetricsConfig;
  targets: () => Promise<MetricsTarget[]>;
  publisher: DomainEventPublisher;
  clock: Clock;
  logger: LoggerService;
}

export interface AggregationResult {
  computed: number;
  unchanged: number;
  removed: number;
  /** False when the run stopped early (its time budget or an abort): entities are left to do. */
  complete: boolean;
}

/**
 * The `pulse-metrics-aggregation` task's work: for every tracked entity whose source data
 * changed since its items were computed, recompute its items (`metricItems`) and replace them
 * in one transaction that also publishes `metrics.updated` (the live `metrics` topic).
 *
 * "Changed" is a fingerprint read before the data: the sum of the entity's versions of the
 * source topics (every change a sync, webhook or incident makes raises one), the repository's
 * default-branch commit count and newest commit (commits arrive without an event), its default
 * branch, the metrics configuration, and today's date in the configured zone (so that the
 * windows move on once a day). Reading it first means a change committed during a run leaves
 * a fingerprint that differs from the one stored, and the next run computes again: nothing is
 * missed, and an entity whose data did not change is left alone. The items depend on the
 * source data and the day only, so recomputing an entity gives what a full recompute would.
 * With the items, the run stores each window's figures over them (`clockedWindowFigures`), so
 * that the metrics route reads them instead of computing them per request.
 */
export class MetricsAggregation {
  private readonly metricsStore: MetricsStore;
  private readonly sources: MetricsSourceStore;
  private readonly configKey: string;

  constructor(private readonly options: MetricsAggregationOptions) {
    this.metricsStore = new MetricsStore(options.knex);
    this.sources = new MetricsSourceStore(options.knex);
    this.configKey = metricsConfigKey(options.config);
  }

  /**
   * Each window's figures over `items` as the routes would compute them now, from the items they
   * read (those since the longest window's start). None when an item lies after `now` (a clock
   * ahead of ours): a read later could count it, so the routes compute from the items instead.
   */
  private windowFigures(
    items: readonly MetricItem[],
    defaultBranch: string | null,
    now: Date,
    since: Date,
  ): StoredWindowFigures[] {
    if (items.some(item => item.occurredAt > now)) {
      return [];
    }
    const { config } = this.options;
    const read = items.filter(item => item.occurredAt >= since);
    const windows = config.windowDays.map(days =>
      metricsWindow(now, days, config.timeZone),
    );
    const figures = clockedFiguresOfWindows(windows, read, {
      minimumSample: config.minimumSample,
      productionEnvironments: config.productionEnvironments,
      defaultBranch,
    });
    return windows.map((window, index) => ({
      windowDays: window.days,
      lastDay: window.lastDay,
      figuresKey: this.configKey,
      takenAt: now,
      clocked: figures[index],
    }));
  }

  get store(): MetricsStore {
    return this.metricsStore;
  }

  /**
   * `full`: recompute every entity whatever its fingerprint. `budgetMs`: start no entity after
   * this much time (the run then reports itself incomplete).
   */
  async run(
    options: { full?: boolean; signal?: AbortSignal; budgetMs?: number } = {},
  ): Promise<AggregationResult> {
    const startedAt = performance.now();
    const stop = () =>
      Boolean(options.signal?.aborted) ||
      (options.budgetMs !== undefined &&
        performance.now() - startedAt > options.budgetMs);
    const { config } = this.options;
    const now = this.options.clock.now();
    const today = dayOf(now, config.timeZone);
    const targets = await this.options.targets();
    const [versions, commits, aggregated] = await Promise.all([
      this.sources.versionSums(METRICS_SOURCE_TOPICS),
      this.sources.commitCounts(),
      this.metricsStore.aggregatedEntities(),
    ]);
    const result: AggregationResult = {
      computed: 0,
      unchanged: 0,
      removed: 0,
      complete: true,
    };
    const longest = config.windowDays[config.windowDays.length - 1];
    const since = metricsWindow(now, longest, config.timeZone).start;
    const isBot = botMatcher(config.botLogins);

    const aggregateTarget = async (target: MetricsTarget) => {
      const fingerprints = new Map(
        target.entityRefs.map(entityRef => [
          entityRef,
          JSON.stringify([
            versions.get(entityRef) ?? 0,
            commits.get(target.repositoryId) ?? '',
            target.defaultBranch,
            this.configKey,
            today,
          ]),
        ]),
      );
      const due = target.entityRefs.filter(
        entityRef =>
          options.full ||
          aggregated.get(entityRef)?.sourceFingerprint !==
            fingerprints.get(entityRef),
      );
      result.unchanged += target.entityRefs.length - due.length;
      if (due.length === 0 || stop()) {
        result.complete &&= due.length === 0;
        return;
      }
      const source = await this.sources.repositorySource(
        target.repositoryId,
        since,
        config.productionEnvironments,
      );
      for (const entityRef of due) {
        if (stop()) {
          result.complete = false;
          return;
        }
        const incidents = await this.sources.incidents(entityRef, since);
        const items = metricItems(
          source,
          incidents,
          {
            longestWindowDays: longest,
            timeZone: config.timeZone,
            failureWindowSeconds: config.failureWindowSeconds,
            failureSeverity: config.failureSeverity,
            isBot,
          },
          now,
        );
        const figures = this.windowFigures(
          items,
          target.defaultBranch,
          now,
          since,
        );
        await this.options.knex.transaction(async tx => {
          const { written, deleted } =
            await this.metricsStore.replaceEntityItems(tx, entityRef, items, {
              sourceFingerprint: fingerprints.get(entityRef)!,
              defaultBranch: target.defaultBranch,
              repositoryId: target.repositoryId,
              computedAt: now,
            });
          await this.metricsStore.replaceWindowFigures(tx, entityRef, figures);
          // No hint when nothing the cards show changed (a new day with nothing new, say).
          if (written > 0 || deleted > 0) {
            await this.options.publisher.publish(
              {
                entityRef,
                type: METRICS_EVENT_TYPES.updated,
                payload: { computedAt: now.toISOString(), items: items.length },
              },
              tx,
            );
          }
        });
        result.computed += 1;
      }
    };
    // Most of an entity's time is spent waiting on the database: a few at once keep it busy.
    const limit = pLimit(CONCURRENT_REPOSITORIES);
    await Promise.all(
      targets.map(target => limit(() => aggregateTarget(target))),
    );
    const tracked = targets.flatMap(target => target.entityRefs);
    result.removed = await this.metricsStore.deleteEntitiesExcept(tracked);
    if (result.computed > 0 || result.removed > 0) {
      this.options.logger.info(
        `Delivery metrics: computed ${result.computed} entities, ${result.unchanged} unchanged, removed ${result.removed}`,
      );
    }
    return result;
  }
}
