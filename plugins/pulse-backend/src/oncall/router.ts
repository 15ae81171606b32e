import { AuthService } from '@backstage/backend-plugin-api';
import { InputError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  IncidentList,
  pulseIncidentCreatePermission,
  pulseIncidentReadPermission,
  pulseIncidentUpdatePermission,
  pulseOnCallReadPermission,
  pulseOverrideCreatePermission,
  pulseOverrideDeletePermission,
} from '@pulse-oss/plugin-pulse-common';
import { Clock, systemClock } from '../service/clock';
import { entityRefFromPath, normalizeEntityRef } from '../service/entityRefs';
import { Caller, RequestKit } from '../service/requestKit';
import { callerOf, PulseApiRouter } from '../service/router';
import { OncallConfig } from './config';
import { describeEntityOnCall } from './entityOnCall';
import { ActionContext, IncidentActions } from './incidents/IncidentActions';
import { StoredIncident } from './incidents/IncidentStore';
import { scheduleSubject } from '../live/topics';
import { VersionStore } from '../live/VersionStore';
import { incidentKindProblem, IncidentKinds } from './intake/entityKinds';
import { DAY_MS } from './localTime';
import { CatalogPolicySource } from './CatalogPolicySource';
import {
  MAX_SHIFT_RANGE_DAYS,
  ScheduleService,
} from './schedules/ScheduleService';

/** How many of the caller's teams' services `team=true` looks at. */
const MAX_TEAM_ENTITIES = 2000;

export interface OncallRouteOptions {
  kit: RequestKit;
  catalog: CatalogService;
  auth: AuthService;
  incidents: IncidentActions;
  schedules: ScheduleService;
  policies: CatalogPolicySource;
  config: OncallConfig;
  /** Entity kinds that can own incidents (`pulse.oncall.intake.entityKinds`). */
  incidentKinds: IncidentKinds;
  /** Live versions, read before the data each response carries. */
  versions: VersionStore;
  /** The escalation health report, for `GET /health/escalation`. */
  health: () => Promise<{ healthy: boolean; body: unknown }>;
  clock?: Clock;
}

function actionContext(caller: Caller): ActionContext {
  return { actor: caller.actor, request: caller.request };
}

/**
 * The on-call REST API. Who may see what: an incident is visible to a caller who may see its
 * entity in the catalog and whom `pulse.incident.read` allows for that entity (otherwise it is a
 * 404, and lists leave it out); acting on it is `pulse.incident.update` (or `.create`) for that
 * entity. A schedule is visible to a caller whom `pulse.oncall.read` allows for that schedule;
 * overrides are `pulse.oncall.override.create` / `.delete` for it.
 */
export function addOncallRoutes(
  options: OncallRouteOptions,
): (router: PulseApiRouter) => void {
  const { kit, catalog, auth, incidents, schedules, versions } = options;

  async function withScheduleVersions(ids: string[]) {
    const scheduleVersions = await Promise.all(
      ids.map(id => versions.versionOf(scheduleSubject(id), 'oncall')),
    );
    const summaries = await schedules.summaries(ids);
    return summaries.map((summary, index) => ({
      ...summary,
      version: scheduleVersions[index],
    }));
  }
  const clock = options.clock ?? systemClock;
  const now = () => clock.now();

  /** The incident, if the caller may see it; 404 otherwise (the two are not told apart). */
  async function readableIncident(
    caller: Caller,
    id: string,
  ): Promise<StoredIncident> {
    const incident = await incidents.find(id);
    const readable =
      incident &&
      (
        await kit.readableEntityRefs(caller, pulseIncidentReadPermission, [
          incident.entityRef,
        ])
      ).has(incident.entityRef);
    if (!incident || !readable) {
      throw new NotFoundError(`No incident with id '${id}'`);
    }
    return incident;
  }

  /** The incident's id, after checking the caller may see it (404) and act on it (403). */
  async function actionable(caller: Caller, id: string): Promise<string> {
    const incident = await readableIncident(caller, id);
    await kit.authorize(
      caller,
      pulseIncidentUpdatePermission,
      incident.entityRef,
    );
    return incident.id;
  }

  /** 400 unless the user is in the catalog (read with the plugin's own credentials). */
  async function requireUser(field: string, value: string): Promise<string> {
    const userRef = value.includes(':')
      ? normalizeEntityRef(value, { kinds: ['user'] })
      : undefined;
    if (!userRef) {
      throw new InputError(
        `${field}: '${value}' is not a user entity ref (e.g. user:default/jane)`,
      );
    }
    const user = await catalog.getEntityByRef(userRef, {
      credentials: await auth.getOwnServiceCredentials(),
    });
    if (!user) {
      throw new InputError(
        `${field}: ${userRef} is not in the catalog; only users the catalog knows can be paged`,
      );
    }
    return userRef;
  }

  /** The schedule, if the caller may see it; 404 otherwise. */
  async function readableSchedule(caller: Caller, id: string) {
    const schedule = schedules.find(id);
    if (
      !schedule ||
      !(await kit.isAllowed(caller, pulseOnCallReadPermission, id))
    ) {
      throw new NotFoundError(`No schedule with id '${id}'`);
    }
    return schedule;
  }

  async function teamEntityRefs(caller: Caller): Promise<string[]> {
    if (!caller.userEntityRef) {
      throw new InputError(
        "Invalid query parameter 'team': only a signed-in user has a team",
      );
    }
    const { credentials } = caller;
    const info = await kit.userInfo(caller);
    const refs: string[] = [];
    let cursor: string | undefined;
    do {
      const page = cursor
        ? await catalog.queryEntities({ cursor, limit: 500 }, { credentials })
        : await catalog.queryEntities(
            {
              filter: { 'relations.ownedBy': info.ownershipEntityRefs },
              fields: ['kind', 'metadata.name', 'metadata.namespace'],
              limit: 500,
            },
            { credentials },
          );
      refs.push(
        ...page.items.map(
          entity =>
            normalizeEntityRef(
              `${entity.kind}:${entity.metadata.namespace ?? 'default'}/${
                entity.metadata.name
              }`,
            )!,
        ),
      );
      cursor = page.pageInfo.nextCursor;
    } while (cursor && refs.length < MAX_TEAM_ENTITIES);
    return refs;
  }

  return router => {
    // ------------------------------------------------------------ incidents

    router.get('/incidents', async (req, res) => {
      const caller = callerOf(res);
      const query = req.query;
      let entityRefs: string[] | undefined;
      if (query.entityRef !== undefined) {
        const ref = normalizeEntityRef(query.entityRef);
        if (!ref) {
          throw new InputError(
            `Invalid query parameter 'entityRef': '${query.entityRef}' is not an entity ref`,
          );
        }
        entityRefs = [ref];
      }
      if (query.team === 'true') {
        const team = new Set(await teamEntityRefs(caller));
        entityRefs = entityRefs
          ? entityRefs.filter(ref => team.has(ref))
          : [...team];
      }
      let assignee: string | undefined;
      if (query.assignee !== undefined) {
        assignee = normalizeEntityRef(query.assignee, {
          defaultKind: 'user',
          kinds: ['user'],
        });
        if (!assignee) {
          throw new InputError(
            `Invalid query parameter 'assignee': '${query.assignee}' is not a user entity ref`,
          );
        }
      }
      if (query.mine === 'true') {
        if (!caller.userEntityRef) {
          throw new InputError(
            "Invalid query parameter 'mine': only a signed-in user has incidents of their own",
          );
        }
        assignee = caller.userEntityRef;
      }
      const filter = {
        statuses: query.status,
        severities: query.severity,
        entityRefs,
        assignee,
      };
      // Visibility is part of the query: the entities the caller may read, among those the other
      // filters leave, so a page is never cut before it is filtered.
      const candidates = await incidents.entityRefsOf(filter);
      const readable = await kit.readableEntityRefs(
        caller,
        pulseIncidentReadPermission,
        candidates,
      );
      if (readable.size === 0) {
        const empty: IncidentList = { items: [], nextCursor: null };
        res.json(empty);
        return;
      }
      res.json(
        await incidents.list({
          ...filter,
          entityRefs: [...readable],
          limit: query.limit,
          cursor: query.cursor,
        }),
      );
    });

    router.get('/incidents/:id', async (req, res) => {
      const caller = callerOf(res);
      const incident = await readableIncident(caller, req.params.id);
      const version = await versions.versionOf(incident.entityRef, 'incidents');
      res.json({ ...(await incidents.get(incident.id)), version });
    });

    router.post('/incidents', async (req, res) => {
      const caller = callerOf(res);
      const body = req.body;
      const entityRef = normalizeEntityRef(body.entityRef);
      if (!entityRef) {
        throw new InputError(
          `Invalid body field 'entityRef': '${body.entityRef}' is not an entity ref (e.g. component:default/name)`,
        );
      }
      const kindProblem = incidentKindProblem(entityRef, options.incidentKinds);
      if (kindProblem) {
        throw new InputError(`Invalid body field 'entityRef': ${kindProblem}`);
      }
      await kit.requireVisibleEntity(caller, entityRef);
      await kit.authorize(caller, pulseIncidentCreatePermission, entityRef);
      const title = body.title.trim();
      if (!title) {
        throw new InputError("Invalid body field 'title': must not be blank");
      }
      const incident = await incidents.create(
        { ...body, title, entityRef },
        actionContext(caller),
      );
      res.status(201).json(incident);
    });

    router.post('/incidents/:id/acknowledge', async (req, res) => {
      const caller = callerOf(res);
      const id = await actionable(caller, req.params.id);
      res.json(await incidents.acknowledge(id, actionContext(caller)));
    });

    router.post('/incidents/:id/unacknowledge', async (req, res) => {
      const caller = callerOf(res);
      const id = await actionable(caller, req.params.id);
      res.json(await incidents.unacknowledge(id, actionContext(caller)));
    });

    router.post('/incidents/:id/resolve', async (req, res) => {
      const caller = callerOf(res);
      const id = await actionable(caller, req.params.id);
      res.json(
        await incidents.resolve(id, actionContext(caller), req.body?.note),
      );
    });

    router.post('/incidents/:id/reassign', async (req, res) => {
      const caller = callerOf(res);
      const { userRef, policyId } = req.body;
      if ((userRef === undefined) === (policyId === undefined)) {
        throw new InputError(
          'Invalid body: give exactly one of userRef or policyId',
        );
      }
      const id = await actionable(caller, req.params.id);
      const to =
        userRef !== undefined
          ? { userRef: await requireUser('userRef', userRef) }
          : { policyId: policyId! };
      res.json(await incidents.reassign(id, to, actionContext(caller)));
    });

    router.post('/incidents/:id/escalate', async (req, res) => {
      const caller = callerOf(res);
      const id = await actionable(caller, req.params.id);
      res.json(await incidents.escalate(id, actionContext(caller)));
    });

    router.post('/incidents/:id/notes', async (req, res) => {
      const caller = callerOf(res);
      const text = req.body.text.trim();
      if (!text) {
        throw new InputError("Invalid body field 'text': must not be blank");
      }
      const id = await actionable(caller, req.params.id);
      res
        .status(201)
        .json(await incidents.addNote(id, text, actionContext(caller)));
    });

    // -------------------------------------------------------------- on-call

    router.get('/entities/:kind/:namespace/:name/oncall', async (req, res) => {
      const caller = callerOf(res);
      const entityRef = entityRefFromPath(req.params);
      const at = now();
      // The catalog, the policy and the database are asked side by side; nothing is sent about
      // a hidden entity, and open incidents are read only for a caller allowed to read them.
      const canReadIncidents = kit.isAllowed(
        caller,
        pulseIncidentReadPermission,
        entityRef,
      );
      canReadIncidents.catch(() => undefined);
      const {
        entity,
        data: { version, view, openIncidents },
      } = await kit.readVisibleEntity(caller, entityRef, async () => {
        // Read before the data, so the data is at least as new as the version.
        const oncallVersion = await versions.versionOf(entityRef, 'oncall');
        const [schedulesView, open] = await Promise.all([
          schedules.viewAround(at, 14),
          canReadIncidents.then(allowed =>
            allowed ? incidents.openForEntity(entityRef) : [],
          ),
        ]);
        return {
          version: oncallVersion,
          view: schedulesView,
          openIncidents: open,
        };
      });
      res.json({
        version,
        ...describeEntityOnCall({
          entityRef,
          choice: options.policies.choose(entityRef, entity),
          view,
          webhooks: options.config.webhooks,
          openIncidents,
        }),
      });
    });

    router.get('/schedules', async (_req, res) => {
      const caller = callerOf(res);
      const ids = schedules.list().map(schedule => schedule.id);
      const allowed = await kit.allowed(caller, pulseOnCallReadPermission, ids);
      const visible = ids.filter((_, index) => allowed[index]);
      res.json({
        items: visible.length > 0 ? await withScheduleVersions(visible) : [],
      });
    });

    router.get('/schedules/:id', async (req, res) => {
      const schedule = await readableSchedule(callerOf(res), req.params.id);
      const [summary] = await withScheduleVersions([schedule.id]);
      res.json(summary);
    });

    router.get('/schedules/:id/shifts', async (req, res) => {
      const schedule = await readableSchedule(callerOf(res), req.params.id);
      const from = req.query.from ? new Date(req.query.from) : now();
      const to = req.query.to
        ? new Date(req.query.to)
        : new Date(from.getTime() + 14 * DAY_MS);
      if (to.getTime() - from.getTime() > MAX_SHIFT_RANGE_DAYS * DAY_MS) {
        throw new InputError(
          `Invalid query parameter 'to': the range may span at most ${MAX_SHIFT_RANGE_DAYS} days`,
        );
      }
      res.json(await schedules.shifts(schedule.id, from, to));
    });

    router.get('/schedules/:id/overrides', async (req, res) => {
      const schedule = await readableSchedule(callerOf(res), req.params.id);
      res.json({ items: await schedules.listOverrides(schedule.id) });
    });

    router.post('/schedules/:id/overrides', async (req, res) => {
      const caller = callerOf(res);
      const schedule = await readableSchedule(caller, req.params.id);
      await kit.authorize(caller, pulseOverrideCreatePermission, schedule.id);
      const userRef = await requireUser('userRef', req.body.userRef);
      res
        .status(201)
        .json(
          await schedules.createOverride(
            schedule.id,
            { ...req.body, userRef },
            actionContext(caller),
          ),
        );
    });

    router.delete('/schedules/:id/overrides/:overrideId', async (req, res) => {
      const caller = callerOf(res);
      const schedule = await readableSchedule(caller, req.params.id);
      await kit.authorize(caller, pulseOverrideDeletePermission, schedule.id);
      await schedules.deleteOverride(
        schedule.id,
        req.params.overrideId,
        actionContext(caller),
      );
      res.status(204).end();
    });

    // --------------------------------------------------------------- health

    // No token on purpose: an outside monitor polls it to page when the portal itself cannot.
    // It reveals counts and times only.
    router.get('/health/escalation', async (_req, res) => {
      const { healthy, body } = await options.health();
      res.status(healthy ? 200 : 503).json(body as any);
    });
  };
}
