import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import { pulsePermissions } from '@internal/plugin-pulse-common';
import express from 'express';
import { readPulseConfig } from './config';
import { applyMigrations } from './database/migrations';
import { createEntitiesRouter } from './entities/router';
import { TrackedEntityRefresher } from './entities/TrackedEntityRefresher';
import { TrackedEntityStore } from './entities/TrackedEntityStore';
import { setupOncallDomain } from './oncall';
import { setupGithubDomain } from './github';
import { DomainEventPublisher } from './events/DomainEventPublisher';
import { PulseContext } from './service/context';
import { githubHostsFromConfig } from './service/githubHosts';
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
      },
      async init({ database, permissionsRegistry, ...services }) {
        const { config, logger, scheduler, httpRouter } = services;
        const pulseConfig = readPulseConfig(config);
        const githubHosts = githubHostsFromConfig(config);

        const knex = await database.getClient();
        if (!database.migrations?.skip) {
          await applyMigrations(knex);
        }
        permissionsRegistry.addPermissions(pulsePermissions);

        const trackedEntities = new TrackedEntityStore(
          knex,
          githubHosts.htmlBaseUrl,
        );
        const context: PulseContext = {
          ...services,
          pulseConfig,
          knex,
          githubHosts,
          trackedEntities,
          publisher: new DomainEventPublisher(knex, logger),
        };

        const refresher = new TrackedEntityRefresher({
          catalog: services.catalog,
          auth: services.auth,
          store: trackedEntities,
          hosts: githubHosts,
          logger,
        });
        await scheduler.scheduleTask({
          id: 'pulse-catalog-refresh',
          ...pulseConfig.catalogRefreshSchedule,
          fn: async () => {
            await refresher.refresh();
          },
        });

        const v1Routers: express.Router[] = [
          createEntitiesRouter({
            httpAuth: services.httpAuth,
            permissions: services.permissions,
            catalog: services.catalog,
            store: trackedEntities,
            hosts: githubHosts,
          }),
        ];
        // Each domain adds its routes and scheduled work here, e.g.:
        //   v1Routers.push(...(await setupGithubDomain(context)).routers);
        v1Routers.push(...(await setupGithubDomain(context)).routers);
        v1Routers.push(...(await setupOncallDomain(context)).routers);

        httpRouter.use(createRouter({ v1Routers }));
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
