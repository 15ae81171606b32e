import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { metricsServiceRef } from '@backstage/backend-plugin-api/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { pulsePermissions } from '@pulse-oss/plugin-pulse-common';
import { readPulseConfig } from './config';
import { applyMigrations } from './database/migrations';
import { addEntityRoutes } from './entities/router';
import { TrackedEntityRefresher } from './entities/TrackedEntityRefresher';
import { TrackedEntityStore } from './entities/TrackedEntityStore';
import { setupMetricsDomain } from './metrics';
import { readMetricsConfig } from './metrics/config';
import { setupOncallDomain } from './oncall';
import { readOncallRetentionConfig } from './oncall/retention/config';
import { readGithubSyncConfig } from './github/config';
import { GithubWebhookSubscription, setupGithubDomain } from './github';
import { CATALOG_REFRESH_TASK_ID } from './github/router';
import { DomainEventPublisher } from './events/DomainEventPublisher';
import { PulseMetrics } from './observability/PulseMetrics';
import { PulseContext } from './service/context';
import { githubHostsFromConfig } from './service/githubHosts';
import { ActivityStore } from './live/ActivityStore';
import { LiveHints } from './live/LiveHints';
import { addLiveRoutes } from './live/router';
import { VersionStore } from './live/VersionStore';
import { pulseClockServiceRef } from './service/clock';
import { RequestKit } from './service/requestKit';
import { createRouter } from './service/router';

/**
 * Pulse backend plugin: serves `/api/pulse/v1` and runs Pulse's scheduled work.
 *
 * @public
 */
export const pulsePlugin = createBackendPlugin({
  pluginId: 'pulse',
  register(env) {
    env.registerInit({
      deps: {
        logger: coreServices.logger,
        config: coreServices.rootConfig,
        database: coreServices.database,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        userInfo: coreServices.userInfo,
        discovery: coreServices.discovery,
        scheduler: coreServices.scheduler,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        lifecycle: coreServices.lifecycle,
        catalog: catalogServiceRef,
        events: eventsServiceRef,
        notifications: notificationService,
        clock: pulseClockServiceRef,
        signals: signalsServiceRef,
        metrics: metricsServiceRef,
      },
      async init({ database, clock, signals, metrics, ...services }) {
        const now = () => clock.now();
        const { config, logger, scheduler, httpRouter } = services;
        // First of all: the events backend answers GitHub as soon as it has started, and a
        // delivery published before Pulse subscribes never reaches Pulse. Held deliveries wait
        // for the GitHub domain below.
        const githubWebhooks = await GithubWebhookSubscription.subscribe(
          services.events,
          { logger: logger.child({ domain: 'github' }) },
        );
        const pulseConfig = readPulseConfig(config);
        const githubSyncConfig = readGithubSyncConfig(config);
        const metricsConfig = readMetricsConfig(config, {
          githubDays: githubSyncConfig.retention.days,
          resolvedIncidentDays:
            readOncallRetentionConfig(config).resolvedIncidentDays,
        });
        const githubHosts = githubHostsFromConfig(config);

        const longestWindow = Math.max(...metricsConfig.windowDays);
        if (longestWindow > githubSyncConfig.lookbackDays) {
          logger.warn(
            `The longest delivery metrics window (${longestWindow} days) is longer than 'pulse.github.lookbackDays' (${
              githubSyncConfig.lookbackDays
            }): a repository's first ${
              longestWindow - githubSyncConfig.lookbackDays
            } days of that window stay empty until the sync has collected them`,
          );
        }
        const knex = await database.getClient();
        if (!database.migrations?.skip) {
          await applyMigrations(knex);
        }
        services.permissionsRegistry.addPermissions(pulsePermissions);

        const trackedEntities = new TrackedEntityStore(
          knex,
          githubHosts.htmlBaseUrl,
        );
        const requestKit = new RequestKit({
          httpAuth: services.httpAuth,
          auth: services.auth,
          permissions: services.permissions,
          catalog: services.catalog,
          userInfo: services.userInfo,
          decisionCacheMs: pulseConfig.accessCacheMs,
        });
        const context: PulseContext = {
          ...services,
          pulseConfig,
          knex,
          githubHosts,
          trackedEntities,
          requestKit,
          publisher: new DomainEventPublisher(knex, logger),
          metrics: new PulseMetrics(metrics),
        };

        const hints = new LiveHints({ signals, logger });
        hints.attach(context.publisher);
        services.lifecycle.addShutdownHook(() => hints.flush());

        const refresher = new TrackedEntityRefresher({
          catalog: services.catalog,
          auth: services.auth,
          store: trackedEntities,
          hosts: githubHosts,
          logger,
          now,
        });
        await scheduler.scheduleTask({
          id: CATALOG_REFRESH_TASK_ID,
          ...pulseConfig.catalogRefreshSchedule,
          fn: async () => {
            await refresher.refresh();
          },
        });

        const github = await setupGithubDomain(context, {
          webhooks: githubWebhooks,
        });
        const oncall = await setupOncallDomain(context, { clock });
        const delivery = await setupMetricsDomain(context, {
          config: metricsConfig,
          targets: async () =>
            (
              await github.targets({ fresh: true })
            ).map(target => ({
              repositoryId: target.repository.id,
              defaultBranch: target.repository.defaultBranch,
              entityRefs: target.entityRefs,
            })),
          clock,
        });
        httpRouter.use(
          await createRouter({
            kit: requestKit,
            knex,
            logger,
            intakeRouter: oncall.intakeRouter,
            routes: [
              addEntityRoutes({
                kit: requestKit,
                store: trackedEntities,
                hosts: githubHosts,
                now,
              }),
              github.routes,
              oncall.routes,
              delivery.routes,
              addLiveRoutes({
                kit: requestKit,
                catalog: services.catalog,
                activity: new ActivityStore(knex),
                versions: new VersionStore(knex),
                scheduleExists: id => Boolean(oncall.domain.schedules.find(id)),
              }),
            ],
            validateResponses: pulseConfig.validateResponses,
          }),
        );
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
