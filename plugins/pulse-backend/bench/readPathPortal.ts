import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { permissionsServiceFactory } from '@backstage/backend-defaults/permissions';
import { userInfoServiceFactory } from '@backstage/backend-defaults/userInfo';
import {
  BackendFeature,
  createBackendModule,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import permissionPlugin from '@backstage/plugin-permission-backend';
import path from 'node:path';
import { BenchIdentityProvider } from './identity';
import { idleSchedulerServiceFactory } from './idleScheduler';
import { pulsePlugin } from '../src/plugin';

/*
 * A portal backend for the read-path benchmark: the real catalog (holding the benchmark's
 * entities, given by an entity provider), the real permission backend with the demo portal's
 * policy (`packages/backend/src/permissionPolicy.ts`), the real auth, httpAuth, userInfo and
 * permissions services checking real signed user tokens, every plugin with its own PostgreSQL
 * database as a portal configures it (`backend.database`), and Pulse. Only the sign-in half of
 * the auth backend is a stand-in (it signs the users' tokens), and the scheduler is idle: the
 * benchmark measures reads, not the sync.
 */

/** The benchmark's entities, given to the catalog as one full mutation of an entity provider. */
function benchEntityProvider(entities: Entity[]) {
  const location = 'bench:read-path';
  return createBackendModule({
    pluginId: 'catalog',
    moduleId: 'read-path-bench-entities',
    register(reg) {
      reg.registerInit({
        deps: { catalog: catalogProcessingExtensionPoint },
        async init({ catalog }) {
          catalog.addEntityProvider({
            getProviderName: () => 'read-path-bench',
            async connect(connection) {
              await connection.applyMutation({
                type: 'full',
                entities: entities.map(entity => ({
                  entity: {
                    ...entity,
                    metadata: {
                      ...entity.metadata,
                      annotations: {
                        ...entity.metadata.annotations,
                        'backstage.io/managed-by-location': location,
                        'backstage.io/managed-by-origin-location': location,
                      },
                    },
                  },
                  locationKey: location,
                })),
              });
            },
          });
        },
      });
    },
  });
}

/**
 * The demo portal's permission policy module, loaded from the portal package at run time (the
 * same file the demo backend adds), so that the benchmark's decisions are the demo's.
 */
function demoPolicyModule(): BackendFeature {
  const file = path.resolve(
    __dirname,
    '../../../packages/backend/src/permissionPolicy',
  );
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file).default;
}

export interface PortalOptions {
  /** PostgreSQL server URL (no database): every plugin gets its own database on it. */
  postgresUrl: string;
  /** Prefix of the plugins' database names; Pulse's is `${prefix}pulse`. */
  databasePrefix: string;
  entities: Entity[];
  identity: BenchIdentityProvider;
  /** `pulse` config. */
  pulse: object;
  /** Static external tokens (`backend.auth.externalAccess`). */
  externalAccess: object[];
}

export async function startPortal(options: PortalOptions) {
  return startTestBackend({
    features: [
      options.identity.plugin(),
      catalogPlugin,
      benchEntityProvider(options.entities),
      permissionPlugin,
      demoPolicyModule(),
      pulsePlugin,
      authServiceFactory,
      httpAuthServiceFactory,
      userInfoServiceFactory,
      permissionsServiceFactory,
      idleSchedulerServiceFactory,
      createServiceFactory({
        service: notificationService,
        deps: {},
        factory: () => ({ send: async () => {} }),
      }),
      mockServices.rootConfig.factory({
        data: {
          app: { baseUrl: 'http://localhost:3000' },
          backend: {
            baseUrl: 'http://localhost:7007',
            database: {
              client: 'pg',
              connection: options.postgresUrl,
              prefix: options.databasePrefix,
            },
            auth: { externalAccess: options.externalAccess },
          },
          permission: { enabled: true },
          catalog: {
            rules: [
              {
                allow: [
                  'Component',
                  'System',
                  'API',
                  'Resource',
                  'User',
                  'Group',
                ],
              },
            ],
          },
          // GitHub is never reached: the scheduler is idle.
          integrations: {
            github: [
              {
                host: 'github.com',
                apiBaseUrl: 'http://127.0.0.1:9/api/v3',
                token: 't',
              },
            ],
          },
          pulse: options.pulse,
        },
      }),
    ],
  });
}
