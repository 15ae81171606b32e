import { topicsOf } from '../live/topics';
import { VersionStore } from '../live/VersionStore';
import { Clock } from '../service/clock';
import { PulseContext } from '../service/context';
import { PulseApiRouter } from '../service/router';
import { TaskRunRequests } from '../service/TaskRunRequests';
import { MetricsConfig } from './config';
import {
  METRICS_SOURCE_TOPICS,
  MetricsAggregation,
  MetricsTarget,
} from './MetricsAggregation';
import { addMetricsRoutes } from './router';
import { DeploymentHistoryStore } from './store/DeploymentHistoryStore';

export const METRICS_AGGREGATION_TASK_ID = 'pulse-metrics-aggregation';

/** How long one run starts entities for: well inside the task's one-minute timeout. */
const RUN_BUDGET_MS = 40_000;

/**
 * The metrics domain: the `pulse-metrics-aggregation` task (every `pulse.metrics.schedule`, and
 * `pulse.metrics.debounceSeconds` after a change to an entity's pull requests, runs,
 * deployments or incidents), and the metrics routes.
 */
export async function setupMetricsDomain(
  context: PulseContext,
  options: {
    config: MetricsConfig;
    targets: () => Promise<MetricsTarget[]>;
    clock: Clock;
  },
): Promise<{
  routes: (router: PulseApiRouter) => void;
  aggregation: MetricsAggregation;
}> {
  const logger = context.logger.child({ domain: 'metrics' });
  const aggregation = new MetricsAggregation({
    knex: context.knex,
    config: options.config,
    targets: options.targets,
    publisher: context.publisher,
    clock: options.clock,
    logger,
  });
  const requests = new TaskRunRequests({
    describe: 'metrics aggregation',
    trigger: () => context.scheduler.triggerTask(METRICS_AGGREGATION_TASK_ID),
    retryLater: retry => setTimeout(retry, 1000).unref(),
    logger,
  });
  await context.scheduler.scheduleTask({
    id: METRICS_AGGREGATION_TASK_ID,
    ...options.config.schedule,
    fn: async signal => {
      let complete = true;
      await requests.runWhileRequested(async () => {
        ({ complete } = await aggregation.run({
          signal,
          budgetMs: RUN_BUDGET_MS,
        }));
      }, signal);
      if (!complete) {
        // Goes on where this run stopped, as soon as the scheduler lets it start again.
        requests.request();
      }
    },
  });

  let pending: NodeJS.Timeout | undefined;
  const unsubscribe = context.publisher.subscribe(events => {
    const relevant = events.some(event =>
      topicsOf(event.type).some(topic =>
        (METRICS_SOURCE_TOPICS as readonly string[]).includes(topic),
      ),
    );
    if (relevant && !pending) {
      pending = setTimeout(() => {
        pending = undefined;
        requests.request();
      }, options.config.debounceMs);
      pending.unref();
    }
  });
  context.lifecycle.addShutdownHook(() => {
    unsubscribe();
    clearTimeout(pending);
  });

  return {
    aggregation,
    routes: addMetricsRoutes({
      kit: context.requestKit,
      catalog: context.catalog,
      store: aggregation.store,
      deployments: new DeploymentHistoryStore(context.knex),
      versions: new VersionStore(context.knex),
      config: options.config,
      clock: options.clock,
    }),
  };
}
