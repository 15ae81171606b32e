import { ConflictError } from '@backstage/errors';
import { pulsePermissions } from '@internal/plugin-pulse-common';
import express from 'express';
import { PulseContext } from '../service/context';
import { VersionStore } from '../live/VersionStore';
import { PulseApiRouter } from '../service/router';
import { OncallConfig, readOncallConfig } from './config';
import { DirectoryRefresher, ScheduleAudienceStore } from './directory';
import { readIntakeConfig } from './intake';
import { IncidentKinds } from './intake/entityKinds';
import {
  pulseScheduleResourceRef,
  scheduleMemberRefs,
  scheduleRules,
  ScheduleResource,
} from './permissions/scheduleAccess';
import { EscalationRunner } from './engine/EscalationRunner';
import { Pager } from './engine/Pager';
import { IncidentService } from './incidents/IncidentService';
import { CatalogPolicySource } from './policies';
import { addOncallRoutes } from './router';
import { setupAlertIntake } from './intake';
import { ScheduleService } from './schedules/ScheduleService';

/** Scheduler task ids of the on-call domain. */
export const ESCALATION_TASK_ID = 'pulse-oncall-escalation';
export const WATCHDOG_TASK_ID = 'pulse-oncall-watchdog';
export const DIRECTORY_TASK_ID = 'pulse-oncall-directory';

const ENGINE_STATUS_TABLE = 'pulse_oncall_engine_status';

/** Test seams: a fake clock and a fixed replica id. */
export interface OncallSetupOptions {
  now?: () => Date;
  replicaId?: string;
}

/** Everything the on-call domain is made of, for the plugin and for tests. */
export interface OncallDomain {
  config: OncallConfig;
  incidents: IncidentService;
  schedules: ScheduleService;
  policies: CatalogPolicySource;
  runner: EscalationRunner;
  directory: DirectoryRefresher;
  audience: ScheduleAudienceStore;
  /** Entity kinds that can own incidents (`pulse.oncall.intake.entityKinds`). */
  incidentKinds: IncidentKinds;
  /** Schedules as the permission rules see them. */
  scheduleResources(
    ids: string[],
  ): Promise<Array<ScheduleResource | undefined>>;
  health(): Promise<{ healthy: boolean; body: EscalationHealth }>;
}

/** `GET /v1/health/escalation` */
export interface EscalationHealth {
  status: 'ok' | 'lagging' | 'stalled' | 'starting';
  /** Steps (pages or acknowledgement timeouts) due more than the grace period ago. */
  overdueSteps: number;
  oldestOverdueDueAt: string | null;
  /** Steps due now, and how late the oldest of them is. */
  dueSteps: number;
  lagSeconds: number;
  lastRunAt: string | null;
  lastWatchdogRunAt: string | null;
  graceMinutes: number;
  checkedAt: string;
}

/** Builds the on-call services from the Pulse context (no tasks, no routes). */
export function createOncallDomain(
  context: PulseContext,
  options: OncallSetupOptions = {},
): OncallDomain {
  const config = readOncallConfig(context.config);
  const now = options.now ?? (() => new Date());
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
    now,
  });
  const incidents = new IncidentService({
    knex: context.knex,
    publisher: context.publisher,
    policies,
    auditor: context.auditor,
    logger,
    now,
    incidentLink: incidentUrl,
    onEscalationDue: () => {
      // Page a new incident's first step now rather than at the next run; a run already in
      // progress (ConflictError) or a not yet scheduled task picks it up anyway.
      context.scheduler.triggerTask(ESCALATION_TASK_ID).catch(error => {
        if (
          !(error instanceof ConflictError) &&
          error?.name !== 'ConflictError'
        ) {
          logger.debug(`Could not trigger the escalation run: ${error}`);
        }
      });
    },
  });
  const schedules = new ScheduleService({
    knex: context.knex,
    schedules: config.schedules,
    publisher: context.publisher,
    auditor: context.auditor,
    logger,
    now,
  });
  const runner = new EscalationRunner({
    incidents,
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
    now,
    incidentLink: incidentPath,
  });
  const audience = new ScheduleAudienceStore(context.knex);
  const incidentKinds: IncidentKinds = {
    entityKinds: readIntakeConfig(context.config).entityKinds,
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
    now,
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
    const at = now();
    const [due, overdue, runs] = await Promise.all([
      incidents.store.lag(at, 0),
      incidents.store.lag(at, graceMs),
      context.knex(ENGINE_STATUS_TABLE).select('id', 'last_run_at'),
    ]);
    const lastRun = (id: string) => {
      const row = runs.find(r => r.id === id);
      return row ? new Date(row.last_run_at) : null;
    };
    const lastRunAt = lastRun('escalation');
    const lastWatchdogRunAt = lastRun('watchdog');
    const latest = Math.max(
      lastRunAt?.getTime() ?? 0,
      lastWatchdogRunAt?.getTime() ?? 0,
    );
    let status: EscalationHealth['status'] = 'ok';
    if (overdue.overdue > 0) {
      status = 'lagging';
    } else if (latest === 0) {
      status = 'starting';
    } else if (at.getTime() - latest > graceMs) {
      status = 'stalled';
    }
    return {
      healthy: status === 'ok' || status === 'starting',
      body: {
        status,
        overdueSteps: overdue.overdue,
        oldestOverdueDueAt: overdue.oldestDueAt?.toISOString() ?? null,
        dueSteps: due.overdue,
        lagSeconds: due.oldestDueAt
          ? Math.max(
              0,
              Math.round((at.getTime() - due.oldestDueAt.getTime()) / 1000),
            )
          : 0,
        lastRunAt: lastRunAt?.toISOString() ?? null,
        lastWatchdogRunAt: lastWatchdogRunAt?.toISOString() ?? null,
        graceMinutes: config.escalation.watchdogGraceMinutes,
        checkedAt: at.toISOString(),
      },
    };
  }

  return {
    config,
    incidents,
    schedules,
    policies,
    runner,
    directory,
    audience,
    incidentKinds,
    scheduleResources,
    health,
  };
}

/**
 * Sets up the on-call domain: validates `pulse.oncall` (failing start-up with the key named),
 * schedules the escalation engine, its watchdog and the catalog directory refresh, and returns
 * the routers for `/v1`.
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
  const { config, runner, directory, policies } = domain;
  const { scheduler, logger } = context;

  await scheduler.scheduleTask({
    id: ESCALATION_TASK_ID,
    ...config.escalation.schedule,
    fn: async () => {
      await runner.run();
    },
  });
  // Local scope on purpose: every replica runs the watchdog, so paging survives a stalled global
  // task or a lost replica; page claims keep the replicas from paging twice.
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
  await scheduler.scheduleTask({
    id: DIRECTORY_TASK_ID,
    frequency: { minutes: 5 },
    timeout: { minutes: 2 },
    initialDelay: { seconds: 5 },
    scope: 'global',
    fn: async () => {
      await directory.refresh();
      if (!reportedPolicies) {
        reportedPolicies = true;
        await policies.reportUnknownPolicies();
      }
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
    incidents: domain.incidents,
    schedules: domain.schedules,
    policies,
    config,
    incidentKinds: domain.incidentKinds,
    versions: new VersionStore(context.knex),
    health: domain.health,
    now: options.now,
  });
  const { router: intakeRouter } = await setupAlertIntake({
    ...context,
    intake: domain.incidents,
    now: options.now,
  });

  return { routes, intakeRouter, domain };
}
