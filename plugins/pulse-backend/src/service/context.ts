import {
  AuditorService,
  AuthService,
  DiscoveryService,
  HttpAuthService,
  HttpRouterService,
  LifecycleService,
  LoggerService,
  PermissionsRegistryService,
  PermissionsService,
  RootConfigService,
  SchedulerService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { EventsService } from '@backstage/plugin-events-node';
import { NotificationService } from '@backstage/plugin-notifications-node';
import { Knex } from 'knex';
import { PulseConfig } from '../config';
import { GithubHosts } from '../entities/describeTracking';
import { TrackedEntityStore } from '../entities/TrackedEntityStore';
import { DomainEventPublisher } from '../events/DomainEventPublisher';
import { RequestKit } from './requestKit';

/**
 * Everything a Pulse domain (github, oncall, ...) is set up with: the core services, the plugin's
 * database, the shared event publisher and the tracked entities.
 */
export interface PulseContext {
  logger: LoggerService;
  config: RootConfigService;
  pulseConfig: PulseConfig;
  knex: Knex;
  httpRouter: HttpRouterService;
  httpAuth: HttpAuthService;
  auth: AuthService;
  userInfo: UserInfoService;
  discovery: DiscoveryService;
  scheduler: SchedulerService;
  permissions: PermissionsService;
  permissionsRegistry: PermissionsRegistryService;
  /** What every route does first: the caller, permission checks, entity visibility. */
  requestKit: RequestKit;
  auditor: AuditorService;
  lifecycle: LifecycleService;
  catalog: CatalogService;
  events: EventsService;
  notifications: NotificationService;
  publisher: DomainEventPublisher;
  trackedEntities: TrackedEntityStore;
  githubHosts: GithubHosts;
}
