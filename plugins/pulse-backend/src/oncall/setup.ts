import { pulsePermissions } from '@pulse-oss/plugin-pulse-common';
import express from 'express';
import { Clock, systemClock } from '../service/clock';
import { PulseContext } from '../service/context';
import { VersionStore } from '../live/VersionStore';
import { PulseApiRouter } from '../service/router';
import { CatalogPolicySource } from './CatalogPolicySource';
import { OncallConfig, readOncallConfig } from './config';
import {
  DIRECTORY_RETRY_EVERY_MS,
  DirectoryReadState,
  DirectoryRefresher,
  directoryRefreshDue,
  nextDirectoryReadState,
} from './directory/DirectoryRefresher';
import { ScheduleAudienceStore } from './directory/ScheduleAudienceStore';
import {
  describeEscalationHealth,
  EscalationHealth,
} from './engine/escalationHealth';
import { readIntakeConfig } from './intake';
import { IncidentKinds } from './intake/entityKinds';
import { HeartbeatStore } from './intake/heartbeats/HeartbeatStore';
import { RateLimitStore } from './intake/RateLimitStore';
import {
  pulseScheduleResourceRef,
  scheduleMemberRefs,
  scheduleRules,
  ScheduleResource,
} from './permissions/scheduleAccess';
import { EscalationRunner } from './engine/EscalationRunner';
import { Pager } from './engine/Pager';
import { TaskRunRequests } from '../service/TaskRunRequests';
import {
  createIncidentServices,
  IncidentServices,
  IncidentStore,
} from './incidents';
import { addOncallRoutes } from './router';
import { setupAlertIntake } from './intake';
import {
  OncallRetentionConfig,
  readOncallRetentionConfig,
} from './retention/config';
import { OncallRetention } from './retention/OncallRetention';
import { ScheduleService } from './schedules/ScheduleService';

export type { EscalationHealth } from './engine/escalationHealth';

/** Scheduler task ids of the on-call domain. */
export const ESCALATION_TASK_ID = 'pulse-oncall-escalation';
export const WATCHDOG_TASK_ID = 'pulse-oncall-watchdog';
export const DIRECTORY_TASK_ID = 'pulse-oncall-directory';
export const RETENTION_TASK_ID = 'pulse-oncall-retention';

/** Test seams: a fake clock and a fixed replica id. */
export interface OncallSetupOptions {
  clock?: Clock;
  replicaId?: string;
}

/** Everything the on-call domain is made of, for the plugin and for tests. */
export interface OncallDomain {
  config: OncallConfig;
  /** The incident rooms: the people's actions, alert intake, and the engine's ledger. */
  incidents: IncidentServices;
  schedules: ScheduleService;
  policies: CatalogPolicySource;
  runner: EscalationRunner;
  /** Requests for an escalation run now; the escalation task's body runs through it. */
  runRequests: TaskRunRequests;
  directory: DirectoryRefresher;
  audience: ScheduleAudienceStore;
  retention: OncallRetention;
  /** `pulse.retention.oncall` and the retention schedule. */
  retentionConfig: OncallRetentionConfig;
  /** Entity kinds that can own incidents (`pulse.oncall.intake.entityKinds`). */
  incidentKinds: IncidentKinds;
  /** Schedules as the permission rules see them. */
  scheduleResources(
    ids: string[],
  ): Promise<Array<ScheduleResource | undefined>>;
  health(): Promise<{ healthy: boolean; body: EscalationHealth }>;
}

/** Builds the on-call services from the Pulse context (no tasks, no routes). */
export function createOncallDomain(
  context: PulseContext,
  options: OncallSetupOptions = {},
): OncallDomain {
  const config = readOncallConfig(context.config);
  const retentionConfig = readOncallRetentionConfig(context.config);
  const intakeConfig = readIntakeConfig(context.config);
  const clock = options.clock ?? systemClock;
  const logger = context.logger.child({ domain: 'oncall' });
  const appBaseUrl = context.config.getOptionalString('app.baseUrl') ?? '';
  const incidentPath = (id: string) =>
    config.incidentLinkPath.replace('{id}', encodeURIComponent(id));
  const incidentUrl = (id: string) => `${appBaseUrl}${incidentPath(id)}`;

  const policies = new CatalogPolicySource({
    config,
    catalog: context.catalog,
    auth: context.auth,
    logger,
    clock,
  });
  const incidentStore = new IncidentStore(context.knex);
  const runRequests = new TaskRunRequests({
    describe: 'escalation run',
    trigger: () => context.scheduler.triggerTask(ESCALATION_TASK_ID),
    retryLater: retry => setTimeout(retry, 100).unref(),
    logger,
  });
  const incidents = createIncidentServices({
    knex: context.knex,
    store: incidentStore,
    publisher: context.publisher,
    policies,
    auditor: context.auditor,
    logger,
    clock,
    incidentLink: incidentUrl,
    onEscalationDue: () => runRequests.request(),
  });
  const schedules = new ScheduleService({
    knex: context.knex,
    schedules: config.schedules,
    publisher: context.publisher,
    auditor: context.auditor,
    logger,
    clock,
  });
  const runner = new EscalationRunner({
    ledger: incidents.ledger,
    schedules,
    pager: new Pager({
      notifications: context.notifications,
      webhooks: config.webhooks,
      logger,
    }),
    logger,
    leaseSeconds: config.escalation.leaseSeconds,
    watchdogGraceMinutes: config.escalation.watchdogGraceMinutes,
    replicaId: options.replicaId,
    clock,
    incidentLink: incidentPath,
    metrics: context.metrics,
  });
  const audience = new ScheduleAudienceStore(context.knex);
  const incidentKinds: IncidentKinds = {
    entityKinds: intakeConfig.entityKinds,
  };
  const directory = new DirectoryRefresher({
    config,
    catalog: context.catalog,
    auth: context.auth,
    store: schedules.directory,
    audience,
    incidentKinds: incidentKinds.entityKinds.map(kind =>
      kind.toLocaleLowerCase('en-US'),
    ),
    logger,
    clock,
  });
  const retention = new OncallRetention({
    incidents: incidentStore,
    overrides: schedules.overrides,
    heartbeats: new HeartbeatStore(context.knex),
    rateLimits: new RateLimitStore(context.knex),
    retention: retentionConfig,
    heartbeatIds: intakeConfig.heartbeats.map(monitor => monitor.id),
    rateLimit: intakeConfig.rateLimit,
    logger,
    clock,
  });

  async function scheduleResources(
    ids: string[],
  ): Promise<Array<ScheduleResource | undefined>> {
    const owners = await audience.load(ids);
    return ids.map(id => {
      const schedule = schedules.find(id);
      return schedule
        ? {
            id,
            memberRefs: scheduleMemberRefs(schedule),
            ownerRefs: owners.get(id) ?? [],
          }
        : undefined;
    });
  }

  const graceMs = config.escalation.watchdogGraceMinutes * 60_000;
  async function health(): Promise<{
    healthy: boolean;
    body: EscalationHealth;
  }> {
    const at = clock.now();
    const { ledger } = incidents;
    const [due, overdue, runs] = await Promise.all([
      ledger.lag(at, 0),
      ledger.lag(at, graceMs),
      ledger.lastRuns(),
    ]);
    return describeEscalationHealth({
      at,
      due,
      overdue,
      lastRunAt: runs.get('escalation')?.at ?? null,
      lastWatchdogRunAt: runs.get('watchdog')?.at ?? null,
      graceMinutes: config.escalation.watchdogGraceMinutes,
    });
  }

  return {
    config,
    incidents,
    schedules,
    policies,
    runner,
    runRequests,
    directory,
    audience,
    retention,
    retentionConfig,
    incidentKinds,
    scheduleResources,
    health,
  };
}

/**
 * Sets up the on-call domain: validates `pulse.oncall` (failing start-up with the key named),
 * schedules the escalation engine, its watchdog, the catalog directory refresh and the on-call
 * retention, and returns the routers for `/v1`.
 */
export async function setupOncallDomain(
  context: PulseContext,
  options: OncallSetupOptions = {},
): Promise<{
  routes: (router: PulseApiRouter) => void;
  intakeRouter: express.Router;
  domain: OncallDomain;
}> {
  const domain = createOncallDomain(context, options);
  context.permissionsRegistry.addResourceType({
    resourceRef: pulseScheduleResourceRef,
    permissions: pulsePermissions.filter(
      permission =>
        'resourceType' in permission &&
        permission.resourceType === pulseScheduleResourceRef.resourceType,
    ),
    rules: Object.values(scheduleRules),
    getResources: ids => domain.scheduleResources(ids),
  });
  const { config, runner, runRequests, directory, policies, retention } =
    domain;
  const { scheduler, logger } = context;

  // Local scope: every replica runs escalation on its own tick. Each page is claimed in the
  // database (a conditional update one replica wins, with a lease), so replicas never page
  // twice, and paging goes on within a tick of a restart. A global task's lock would outlive a
  // replica killed mid-run until the task's timeout.
  await scheduler.scheduleTask({
    id: ESCALATION_TASK_ID,
    ...config.escalation.schedule,
    scope: 'local',
    fn: async signal => {
      await runRequests.runWhileRequested(() => runner.run(), signal);
    },
  });
  // Also local: the watchdog catches work overdue by more than the grace period (a replica
  // whose escalation runs stall, e.g. on a slow database) and flags it.
  await scheduler.scheduleTask({
    id: WATCHDOG_TASK_ID,
    frequency: { minutes: 1 },
    timeout: { minutes: 2 },
    initialDelay: { minutes: 1 },
    scope: 'local',
    fn: async () => {
      await runner.watchdog();
    },
  });
  let reportedPolicies = false;
  let lastDirectoryRead: DirectoryReadState | undefined;
  // Global: replacing the directory is not safe from two replicas at once. A run is two catalog
  // requests and one write, so a short timeout bounds how long a replica killed mid-run holds it.
  await scheduler.scheduleTask({
    id: DIRECTORY_TASK_ID,
    frequency: { milliseconds: DIRECTORY_RETRY_EVERY_MS },
    timeout: { seconds: 30 },
    initialDelay: { seconds: 5 },
    scope: 'global',
    fn: async () => {
      // The scheduler's ticks are wall-clock time, and so is this cadence.
      const now = systemClock.now();
      if (!directoryRefreshDue(lastDirectoryRead, now)) {
        return;
      }
      lastDirectoryRead = nextDirectoryReadState(
        lastDirectoryRead,
        await directory.refresh(),
        now,
      );
      if (!reportedPolicies) {
        reportedPolicies = true;
        await policies.reportUnknownPolicies();
      }
    },
  });
  await scheduler.scheduleTask({
    id: RETENTION_TASK_ID,
    ...domain.retentionConfig.schedule,
    fn: async () => {
      await retention.run();
    },
  });

  // The health endpoint takes no Backstage token: an outside monitor polls it to page someone
  // when the portal itself is down or stalled. It reveals only counts and times.
  context.httpRouter.addAuthPolicy({
    path: '/v1/health/escalation',
    allow: 'unauthenticated',
  });
  logger.info(
    `On-call: ${config.schedules.length} schedules, ${config.policies.length} escalation policies`,
  );

  const routes = addOncallRoutes({
    kit: context.requestKit,
    catalog: context.catalog,
    auth: context.auth,
    incidents: domain.incidents.actions,
    schedules: domain.schedules,
    policies,
    config,
    incidentKinds: domain.incidentKinds,
    versions: new VersionStore(context.knex),
    health: domain.health,
    clock: options.clock,
  });
  const { router: intakeRouter } = await setupAlertIntake({
    ...context,
    intake: domain.incidents.intake,
    clock: options.clock,
  });

  return { routes, intakeRouter, domain };
}
