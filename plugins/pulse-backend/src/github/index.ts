import { VersionStore } from '../live/VersionStore';
import { PulseContext } from '../service/context';
import { PulseApiRouter } from '../service/router';
import { readGithubSyncConfig } from './config';
import { GithubRetention } from './GithubRetention';
import { GithubStore } from './store';
import { GithubSyncEngine } from './GithubSyncEngine';
import { GithubWebhookHandler } from './GithubWebhookHandler';
import { GithubWebhookSubscription } from './GithubWebhookSubscription';
import { addGithubRoutes } from './router';

/**
 * The GitHub domain: the scheduled sync of every tracked repository, webhooks applied as they
 * arrive, the daily retention task, and the pull request, workflow run and sync routes.
 */
export async function setupGithubDomain(
  context: PulseContext,
  options: {
    /**
     * Made by the caller before its other start-up work (see `GithubWebhookSubscription`);
     * without it, the domain subscribes here, first thing.
     */
    webhooks?: GithubWebhookSubscription;
  } = {},
): Promise<{
  routes: (router: PulseApiRouter) => void;
  /** The repositories of the tracked entities (see `GithubSyncEngine.targets`). */
  targets: GithubSyncEngine['targets'];
}> {
  const syncConfig = readGithubSyncConfig(context.config);
  const store = new GithubStore(context.knex);
  const engine = new GithubSyncEngine({
    config: context.config,
    syncConfig,
    store,
    publisher: context.publisher,
    trackedEntities: context.trackedEntities,
    logger: context.logger.child({ domain: 'github' }),
    metrics: context.metrics,
    syncIntervalMs: syncConfig.syncIntervalMs,
    syncCheckMs: syncConfig.syncCheckMs,
  });
  context.metrics.observeGithubQuota(engine.clients);

  // Subscribed before anything else is awaited: the events backend answers GitHub 202 whether
  // or not a subscriber exists, so a delivery that arrives before this subscription is gone.
  const subscription =
    options.webhooks ??
    (await GithubWebhookSubscription.subscribe(context.events, {
      logger: context.logger.child({ domain: 'github' }),
    }));
  subscription.attach(
    new GithubWebhookHandler({
      store,
      publisher: context.publisher,
      targets: engine,
      logger: context.logger.child({ domain: 'github' }),
      metrics: context.metrics,
    }),
  );

  // Every replica runs the sync (local scope): a repository's lease, renewed while it syncs,
  // keeps it to one sync at a time, and a replica killed mid-sync holds it for one lease only. A
  // global task's lock would be held until the task's timeout after such a crash.
  await context.scheduler.scheduleTask({
    id: 'pulse-github-sync',
    ...syncConfig.schedule,
    fn: async signal => {
      await engine.runCycle(signal);
    },
  });

  const retention = new GithubRetention({
    store,
    publisher: context.publisher,
    engine,
    retention: syncConfig.retention,
    logger: context.logger.child({ domain: 'github' }),
  });
  await context.scheduler.scheduleTask({
    id: 'pulse-github-retention',
    ...syncConfig.retention.schedule,
    fn: async () => {
      await retention.run();
    },
  });

  context.lifecycle.addShutdownHook(() => engine.stop());

  return {
    targets: targetOptions => engine.targets(targetOptions),
    routes: addGithubRoutes({
      kit: context.requestKit,
      hosts: context.githubHosts,
      store,
      engine,
      scheduler: context.scheduler,
      versions: new VersionStore(context.knex),
      manualSyncCooldownSeconds: syncConfig.manualSyncCooldownSeconds,
    }),
  };
}

export { GithubWebhookSubscription } from './GithubWebhookSubscription';
