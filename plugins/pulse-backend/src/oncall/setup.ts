import { ConflictError } from '@backstage/errors';
import express from 'express';
import { PulseContext } from '../service/context';
import { OncallConfig, readOncallConfig } from './config';
import { DirectoryRefresher } from './directory';
import { EscalationRunner } from './engine/EscalationRunner';
import { Pager } from './engine/Pager';
import { IncidentService } from './incidents/IncidentService';
import { CatalogPolicySource } from './policies';
import { createOncallRouter } from './router';
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
  const directory = new DirectoryRefresher({
    config,
    catalog: context.catalog,
    auth: context.auth,
    store: schedules.directory,
    logger,
    now,
  });

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

  return { config, incidents, schedules, policies, runner, directory, health };
}

/**
 * Sets up the on-call domain: validates `pulse.oncall` (failing start-up with the key named),
 * schedules the escalation engine, its watchdog and the catalog directory refresh, and returns
 * the routers for `/v1`.
 */
export async function setupOncallDomain(
  context: PulseContext,
  options: OncallSetupOptions = {},
): Promise<{ routers: express.Router[]; domain: OncallDomain }> {
  const domain = createOncallDomain(context, options);
  const { config, runner, directory, policies } = domain;
  const { scheduler, logger } = context;

  // Local scope: every replica runs escalation on its own tick. Each page is claimed in the
  // database (a conditional update one replica wins, with a lease), so replicas never page
  // twice, and paging goes on within a tick of a restart. A global task's lock would outlive a
  // replica killed mid-run until the task's timeout.
  await scheduler.scheduleTask({
    id: ESCALATION_TASK_ID,
    ...config.escalation.schedule,
    scope: 'local',
    fn: async () => {
      await runner.run();
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
  // Global: replacing the directory is not safe from two replicas at once. A run is two catalog
  // requests and one write, so a short timeout bounds how long a replica killed mid-run holds it.
  await scheduler.scheduleTask({
    id: DIRECTORY_TASK_ID,
    frequency: { minutes: 5 },
    timeout: { seconds: 30 },
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

  const routers: express.Router[] = [
    createOncallRouter({
      httpAuth: context.httpAuth,
      permissions: context.permissions,
      userInfo: context.userInfo,
      catalog: context.catalog,
      incidents: domain.incidents,
      schedules: domain.schedules,
      policies,
      config,
      health: domain.health,
      now: options.now,
    }),
  ];
  // Alert intake adds its router here, feeding signals to `domain.incidents`.
  routers.push(
    (
      await setupAlertIntake({
        ...context,
        intake: domain.incidents,
        now: options.now,
      })
    ).router,
  );

  return { routers, domain };
}
