import {
  AuthService,
  HttpAuthService,
  LoggerService,
  RootConfigService,
  SchedulerService,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { CatalogService } from '@backstage/plugin-catalog-node';
import express from 'express';
import { Knex } from 'knex';
import { Clock } from '../../service/clock';
import { IncidentIntake } from '../incidents/IncidentIntake';
import { readIntakeConfig } from './config';
import { HeartbeatMonitor } from './heartbeats/HeartbeatMonitor';
import { HeartbeatStore } from './heartbeats/HeartbeatStore';
import { RateLimitStore } from './RateLimitStore';
import { SharedRateLimiter } from './RateLimiter';
import { createIntakeRouter } from './router';
import { ServiceResolver } from './ServiceResolver';

export { createIntakeRouter } from './router';
export type { IntakeRouterOptions } from './router';
export { readIntakeConfig } from './config';
export type { IntakeConfig, HeartbeatMonitorConfig } from './config';
export {
  DEFAULT_INCIDENT_KINDS,
  incidentKindProblem,
  isIncidentKind,
} from './entityKinds';
export type { IncidentKinds } from './entityKinds';
export { HeartbeatMonitor } from './heartbeats/HeartbeatMonitor';

/** How often heartbeat monitors are checked, on one replica at a time. */
export const HEARTBEAT_CHECK_SCHEDULE: SchedulerServiceTaskScheduleDefinition =
  {
    frequency: { seconds: 10 },
    timeout: { minutes: 1 },
    initialDelay: { seconds: 10 },
    scope: 'global',
  };

/** The scheduler task id of the heartbeat check. */
export const HEARTBEAT_TASK_ID = 'pulse-oncall-heartbeats';

/** What {@link setupAlertIntake} needs: a subset of the Pulse domain context, plus the intake. */
export interface AlertIntakeOptions {
  config: RootConfigService;
  logger: LoggerService;
  knex: Knex;
  httpAuth: HttpAuthService;
  auth: AuthService;
  catalog: CatalogService;
  scheduler: SchedulerService;
  /** Where signals go: the incident service. */
  intake: IncidentIntake;
  clock?: Clock;
}

/**
 * Sets up alert intake: reads `pulse.oncall.intake`, `routingKeys` and `heartbeats` (failing fast
 * with the key named), schedules the heartbeat check, and returns the router for `/v1`, which
 * serves `/alerts/...` and reads its own request bodies: mount it before any JSON body parser.
 * The `pulse_heartbeats` and `pulse_intake_rate_limits` tables come from the plugin's migrations.
 */
export async function setupAlertIntake(
  options: AlertIntakeOptions,
): Promise<{ router: express.Router; heartbeats: HeartbeatMonitor }> {
  const config = readIntakeConfig(options.config);
  const heartbeats = new HeartbeatMonitor({
    monitors: config.heartbeats,
    store: new HeartbeatStore(options.knex),
    intake: options.intake,
    logger: options.logger.child({ component: 'heartbeats' }),
    clock: options.clock,
  });
  if (config.heartbeats.length > 0) {
    await options.scheduler.scheduleTask({
      id: HEARTBEAT_TASK_ID,
      ...HEARTBEAT_CHECK_SCHEDULE,
      fn: async () => {
        await heartbeats.check();
      },
    });
  }
  const router = createIntakeRouter({
    config,
    httpAuth: options.httpAuth,
    intake: options.intake,
    services: new ServiceResolver({
      catalog: options.catalog,
      auth: options.auth,
      kinds: config,
      clock: options.clock,
    }),
    heartbeats,
    rateLimiter: new SharedRateLimiter({
      store: new RateLimitStore(options.knex),
      limit: config.rateLimit,
      clock: options.clock,
    }),
  });
  return { router, heartbeats };
}
