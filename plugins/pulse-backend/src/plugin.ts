import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { pulsePermissions } from '@internal/plugin-pulse-common';
import { readPulseConfig } from './config';
import { applyMigrations } from './database/migrations';
import { createEntitiesRouter } from './entities/router';
import { TrackedEntityRefresher } from './entities/TrackedEntityRefresher';
import { TrackedEntityStore } from './entities/TrackedEntityStore';
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
        scheduler: coreServices.scheduler,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        catalog: catalogServiceRef,
      },
      async init({
        logger,
        config,
        database,
        httpRouter,
        httpAuth,
        auth,
        scheduler,
        permissions,
        permissionsRegistry,
        catalog,
      }) {
        const pulseConfig = readPulseConfig(config);
        const hosts = githubHostsFromConfig(config);

        const knex = await database.getClient();
        if (!database.migrations?.skip) {
          await applyMigrations(knex);
        }
        permissionsRegistry.addPermissions(pulsePermissions);

        const trackedEntities = new TrackedEntityStore(knex, hosts.htmlBaseUrl);
        const refresher = new TrackedEntityRefresher({
          catalog,
          auth,
          store: trackedEntities,
          hosts,
          logger,
        });
        await scheduler.scheduleTask({
          id: 'pulse-catalog-refresh',
          ...pulseConfig.catalogRefreshSchedule,
          fn: async () => {
            await refresher.refresh();
          },
        });

        httpRouter.use(
          createRouter({
            v1Routers: [
              createEntitiesRouter({
                httpAuth,
                permissions,
                catalog,
                store: trackedEntities,
                hosts,
              }),
            ],
          }),
        );
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
