import {
  BackstageCredentials,
  BackstageServicePrincipal,
  BackstageUserPrincipal,
  HttpAuthService,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  AuthorizeResult,
  BasicPermission,
} from '@backstage/plugin-permission-common';
import {
  IncidentList,
  pulseIncidentCreatePermission,
  pulseIncidentReadPermission,
  pulseIncidentUpdatePermission,
  pulseOnCallReadPermission,
  pulseOverrideCreatePermission,
  pulseOverrideDeletePermission,
} from '@internal/plugin-pulse-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { normalizeEntityRef, OncallConfig } from './config';
import { describeEntityOnCall } from './entityOnCall';
import { ActionContext, IncidentService } from './incidents/IncidentService';
import { CatalogPolicySource } from './policies';
import {
  MAX_SHIFT_RANGE_DAYS,
  ScheduleService,
} from './schedules/ScheduleService';
import { DAY_MS } from './localTime';

const REF_PART = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;
const STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;
const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
/** How many of the caller's teams' services `team=true` looks at. */
const MAX_TEAM_ENTITIES = 2000;

function parse<T extends z.ZodTypeAny>(
  schema: T,
  value: unknown,
  where: string,
): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue.path.length ? issue.path.join('.') : where;
    throw new InputError(`${field}: ${issue.message}`);
  }
  return result.data;
}

/** `a,b` or repeated `?x=a&x=b` into a list. */
const csv = <T extends [string, ...string[]]>(values: T) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform(v =>
      (Array.isArray(v) ? v : [v]).flatMap(s => s.split(',')).filter(Boolean),
    )
    .pipe(z.array(z.enum(values)));

const booleanFlag = z.enum(['true', 'false']).transform(v => v === 'true');

const listQuery = z.object({
  status: csv([...STATUSES]).optional(),
  severity: csv([...SEVERITIES]).optional(),
  entityRef: z.string().min(1).optional(),
  assignee: z.string().min(1).optional(),
  mine: booleanFlag.optional(),
  team: booleanFlag.optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  cursor: z.string().min(1).optional(),
});

const createBody = z.object({
  entityRef: z.string().min(1),
  title: z.string().trim().min(1).max(500),
  severity: z.enum(SEVERITIES),
  details: z.string().max(10_000).optional(),
});

const resolveBody = z.object({ note: z.string().max(10_000).optional() });

const reassignBody = z
  .object({
    userRef: z.string().min(1).optional(),
    policyId: z.string().min(1).optional(),
  })
  .refine(b => (b.userRef === undefined) !== (b.policyId === undefined), {
    message: 'give exactly one of userRef or policyId',
  });

const noteBody = z.object({ text: z.string().trim().min(1).max(10_000) });

const isoDateTime = z.string().refine(v => !Number.isNaN(Date.parse(v)), {
  message: 'must be an ISO 8601 date-time',
});

const shiftsQuery = z.object({
  from: isoDateTime.optional(),
  to: isoDateTime.optional(),
});

const overrideBody = z.object({
  userRef: z.string().min(1),
  start: z.string().min(1),
  end: z.string().min(1),
  layerId: z.string().min(1).optional(),
});

export interface OncallRouterOptions {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  userInfo: UserInfoService;
  catalog: CatalogService;
  incidents: IncidentService;
  schedules: ScheduleService;
  policies: CatalogPolicySource;
  config: OncallConfig;
  /** The escalation health report, for `GET /health/escalation`. */
  health: () => Promise<{ healthy: boolean; body: unknown }>;
  now?: () => Date;
}

/** The on-call REST API, mounted under `/v1`. */
export function createOncallRouter(
  options: OncallRouterOptions,
): express.Router {
  const { httpAuth, permissions, userInfo, catalog, incidents, schedules } =
    options;
  const now = options.now ?? (() => new Date());
  const router = Router();

  async function authorize(
    req: express.Request,
    permission: BasicPermission,
  ): Promise<{
    credentials: BackstageCredentials<
      BackstageUserPrincipal | BackstageServicePrincipal
    >;
    ctx: ActionContext;
  }> {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const [decision] = await permissions.authorize([{ permission }], {
      credentials,
    });
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `You are not allowed to ${permission.attributes.action ?? 'use'} ${
          permission.name
        }`,
      );
    }
    const principal = credentials.principal;
    const actor =
      principal.type === 'user' ? principal.userEntityRef : principal.subject;
    return { credentials, ctx: { actor, request: req } };
  }

  async function teamEntityRefs(
    credentials: BackstageCredentials<
      BackstageUserPrincipal | BackstageServicePrincipal
    >,
  ): Promise<string[]> {
    if (credentials.principal.type !== 'user') {
      throw new InputError('team: only a signed-in user has a team');
    }
    const info = await userInfo.getUserInfo(credentials);
    const owners = info.ownershipEntityRefs.map(r =>
      r.toLocaleLowerCase('en-US'),
    );
    const refs: string[] = [];
    let cursor: string | undefined;
    do {
      const page = cursor
        ? await catalog.queryEntities({ cursor, limit: 500 }, { credentials })
        : await catalog.queryEntities(
            {
              filter: { 'relations.ownedBy': owners },
              fields: ['kind', 'metadata.name', 'metadata.namespace'],
              limit: 500,
            },
            { credentials },
          );
      refs.push(
        ...page.items.map(e =>
          stringifyEntityRef(e).toLocaleLowerCase('en-US'),
        ),
      );
      cursor = page.pageInfo.nextCursor;
    } while (cursor && refs.length < MAX_TEAM_ENTITIES);
    return refs;
  }

  // ---------------------------------------------------------------- incidents

  router.get('/incidents', async (req, res) => {
    const { credentials } = await authorize(req, pulseIncidentReadPermission);
    const query = parse(listQuery, req.query, 'query');
    let entityRefs: string[] | undefined;
    if (query.entityRef) {
      const ref = normalizeEntityRef(query.entityRef);
      if (!ref) {
        throw new InputError(
          `entityRef: '${query.entityRef}' is not an entity ref`,
        );
      }
      entityRefs = [ref];
    }
    if (query.team) {
      const team = await teamEntityRefs(credentials);
      entityRefs = entityRefs ? entityRefs.filter(r => team.includes(r)) : team;
    }
    let assignee = query.assignee
      ? normalizeEntityRef(query.assignee, ['user'])
      : undefined;
    if (query.assignee && !assignee) {
      throw new InputError(
        `assignee: '${query.assignee}' is not a user entity ref`,
      );
    }
    if (query.mine) {
      if (credentials.principal.type !== 'user') {
        throw new InputError(
          'mine: only a signed-in user has incidents of their own',
        );
      }
      assignee = credentials.principal.userEntityRef.toLocaleLowerCase('en-US');
    }
    if (entityRefs && entityRefs.length === 0) {
      const empty: IncidentList = { items: [], nextCursor: null };
      res.json(empty);
      return;
    }
    res.json(
      await incidents.list({
        statuses: query.status,
        severities: query.severity,
        entityRefs,
        assignee,
        limit: query.limit,
        cursor: query.cursor,
      }),
    );
  });

  router.get('/incidents/:id', async (req, res) => {
    await authorize(req, pulseIncidentReadPermission);
    res.json(await incidents.get(req.params.id));
  });

  router.post('/incidents', async (req, res) => {
    const { credentials, ctx } = await authorize(
      req,
      pulseIncidentCreatePermission,
    );
    const body = parse(createBody, req.body, 'body');
    const entityRef = normalizeEntityRef(body.entityRef);
    if (!entityRef || !body.entityRef.includes(':')) {
      throw new InputError(
        `entityRef: '${body.entityRef}' is not an entity ref (e.g. component:default/name)`,
      );
    }
    const entity = await catalog.getEntityByRef(entityRef, { credentials });
    if (!entity) {
      throw new InputError(`entityRef: ${entityRef} is not in the catalog`);
    }
    const incident = await incidents.create({ ...body, entityRef }, ctx);
    res.status(201).json(incident);
  });

  router.post('/incidents/:id/acknowledge', async (req, res) => {
    const { ctx } = await authorize(req, pulseIncidentUpdatePermission);
    res.json(await incidents.acknowledge(req.params.id, ctx));
  });

  router.post('/incidents/:id/unacknowledge', async (req, res) => {
    const { ctx } = await authorize(req, pulseIncidentUpdatePermission);
    res.json(await incidents.unacknowledge(req.params.id, ctx));
  });

  router.post('/incidents/:id/resolve', async (req, res) => {
    const { ctx } = await authorize(req, pulseIncidentUpdatePermission);
    const body = parse(resolveBody, req.body, 'body');
    res.json(await incidents.resolve(req.params.id, ctx, body.note));
  });

  router.post('/incidents/:id/reassign', async (req, res) => {
    const { ctx } = await authorize(req, pulseIncidentUpdatePermission);
    const body = parse(reassignBody, req.body, 'body');
    if (body.userRef !== undefined) {
      const userRef = normalizeEntityRef(body.userRef, ['user']);
      if (!userRef || !body.userRef.includes(':')) {
        throw new InputError(
          `userRef: '${body.userRef}' is not a user entity ref (e.g. user:default/jane)`,
        );
      }
      res.json(await incidents.reassign(req.params.id, { userRef }, ctx));
      return;
    }
    res.json(
      await incidents.reassign(
        req.params.id,
        { policyId: body.policyId! },
        ctx,
      ),
    );
  });

  router.post('/incidents/:id/escalate', async (req, res) => {
    const { ctx } = await authorize(req, pulseIncidentUpdatePermission);
    res.json(await incidents.escalate(req.params.id, ctx));
  });

  router.post('/incidents/:id/notes', async (req, res) => {
    const { ctx } = await authorize(req, pulseIncidentUpdatePermission);
    const body = parse(noteBody, req.body, 'body');
    res
      .status(201)
      .json(await incidents.addNote(req.params.id, body.text, ctx));
  });

  // ------------------------------------------------------------------ on-call

  router.get('/entities/:kind/:namespace/:name/oncall', async (req, res) => {
    const { credentials } = await authorize(req, pulseOnCallReadPermission);
    for (const param of ['kind', 'namespace', 'name'] as const) {
      if (!REF_PART.test(req.params[param])) {
        throw new InputError(
          `${param}: '${req.params[param]}' is not a valid entity ${param}`,
        );
      }
    }
    const entityRef = stringifyEntityRef({
      kind: req.params.kind,
      namespace: req.params.namespace,
      name: req.params.name,
    }).toLocaleLowerCase('en-US');
    const entity = await catalog.getEntityByRef(entityRef, { credentials });
    if (!entity) {
      throw new NotFoundError(`Entity ${entityRef} is not in the catalog`);
    }
    const [canReadIncidents] = await permissions.authorize(
      [{ permission: pulseIncidentReadPermission }],
      { credentials },
    );
    const at = now();
    res.json(
      describeEntityOnCall({
        entityRef,
        choice: options.policies.choose(entityRef, entity),
        view: await schedules.viewAround(at, 14),
        webhooks: options.config.webhooks,
        openIncidents:
          canReadIncidents.result === AuthorizeResult.ALLOW
            ? await incidents.openForEntity(entityRef)
            : [],
      }),
    );
  });

  router.get('/schedules', async (req, res) => {
    await authorize(req, pulseOnCallReadPermission);
    res.json({ items: await schedules.summaries() });
  });

  router.get('/schedules/:id', async (req, res) => {
    await authorize(req, pulseOnCallReadPermission);
    schedules.require(req.params.id);
    const [summary] = await schedules.summaries([req.params.id]);
    res.json(summary);
  });

  router.get('/schedules/:id/shifts', async (req, res) => {
    await authorize(req, pulseOnCallReadPermission);
    schedules.require(req.params.id);
    const query = parse(shiftsQuery, req.query, 'query');
    const from = query.from ? new Date(query.from) : now();
    const to = query.to
      ? new Date(query.to)
      : new Date(from.getTime() + 14 * DAY_MS);
    if (to.getTime() - from.getTime() > MAX_SHIFT_RANGE_DAYS * DAY_MS) {
      throw new InputError(
        `to: the range may span at most ${MAX_SHIFT_RANGE_DAYS} days`,
      );
    }
    res.json(await schedules.shifts(req.params.id, from, to));
  });

  router.get('/schedules/:id/overrides', async (req, res) => {
    await authorize(req, pulseOnCallReadPermission);
    res.json({ items: await schedules.listOverrides(req.params.id) });
  });

  router.post('/schedules/:id/overrides', async (req, res) => {
    const { ctx } = await authorize(req, pulseOverrideCreatePermission);
    schedules.require(req.params.id);
    const body = parse(overrideBody, req.body, 'body');
    res
      .status(201)
      .json(await schedules.createOverride(req.params.id, body, ctx));
  });

  router.delete('/schedules/:id/overrides/:overrideId', async (req, res) => {
    const { ctx } = await authorize(req, pulseOverrideDeletePermission);
    await schedules.deleteOverride(req.params.id, req.params.overrideId, ctx);
    res.status(204).end();
  });

  // ------------------------------------------------------------------- health

  // Unauthenticated on purpose (see setup): an outside monitor polls it to page when the portal
  // itself cannot. It reveals counts and times only.
  router.get('/health/escalation', async (_req, res) => {
    const { healthy, body } = await options.health();
    res.status(healthy ? 200 : 503).json(body);
  });

  return router;
}
