import { LoggerService } from '@backstage/backend-plugin-api';
import {
  pulseAlertCreatePermission,
  pulseReadPermission,
} from '@pulse-oss/plugin-pulse-common';
import express from 'express';
import Router from 'express-promise-router';
import { Knex } from 'knex';
import { createOpenApiRouter } from '../schema/openapi/generated/router';
import { NotFoundError } from '@backstage/errors';
import { MethodNotAllowedError, TooManyRequestsError } from './errors';
import { requestHygiene } from './requestHygiene';
import { Caller, RequestKit } from './requestKit';

/** The `/v1` router typed by the OpenAPI description; every domain adds its routes to it. */
export type PulseApiRouter = Awaited<ReturnType<typeof createOpenApiRouter>>;

/** Routes under `/v1` that take no Backstage token (declared with `security: []`). */
const UNAUTHENTICATED_PATHS = new Set(['/health/escalation']);

const CALLER = 'pulseCaller';

/** The caller checked by the `/v1` read gate. */
export function callerOf(res: express.Response): Caller {
  const caller = res.locals[CALLER] as Caller | undefined;
  if (!caller) {
    throw new Error('callerOf used on a route outside the Pulse read gate');
  }
  return caller;
}

function describePlace(where: string, name: string | undefined): string {
  if (where === 'body') {
    return name ? `body field '${name.replace(/\//g, '.')}'` : 'body';
  }
  const part = where === 'params' ? 'path' : where.replace(/s$/, '');
  return `${part} parameter '${name}'`;
}

/** Validator messages name the place as `request/query/limit`; say it the way every Pulse 400 does. */
function rewordValidationMessage(message: string): string {
  return message
    .split(', ')
    .map(part => {
      const match =
        /^request\/(query|params|body|headers)(?:\/([^ ]+))? (.*)$/.exec(part);
      if (!match) {
        return part;
      }
      const [, where, path, rawDetail] = match;
      let name = path;
      let detail = rawDetail;
      const required = /^must have required property '(.+)'$/.exec(rawDetail);
      if (required) {
        name = path ? `${path}/${required[1]}` : required[1];
        detail = 'is required';
      }
      const place = describePlace(where, name);
      return `Invalid ${place}: ${detail}`;
    })
    .join('; ');
}

/**
 * Waits for the database to answer: the given probe, or any other query of the plugin that
 * completes first. Under load the probe waits in the connection pool behind the queries ahead of
 * it; a query answered meanwhile already shows that the database answers, so the health check
 * does not wait for the queue to drain. A probe that fails first fails the check.
 */
export function watchDatabaseAnswers(knex: Knex) {
  const waiting = new Set<() => void>();
  knex.on('query-response', () => {
    for (const answer of waiting) {
      answer();
    }
    waiting.clear();
  });
  return {
    async next(probe: Promise<unknown>): Promise<void> {
      let answered: () => void = () => {};
      const other = new Promise<void>(resolve => {
        answered = resolve;
        waiting.add(resolve);
      });
      try {
        await Promise.race([probe, other]);
      } finally {
        waiting.delete(answered);
        probe.catch(() => undefined);
      }
    },
  };
}

export interface PulseRouterOptions {
  kit: RequestKit;
  knex: Knex;
  logger: LoggerService;
  /** Alert intake: it reads its own bodies and answers in the senders' forms. */
  intakeRouter: express.Router;
  /** Each domain's routes, added to the validated `/v1` router. */
  routes: Array<(router: PulseApiRouter) => void>;
  /** Check every response against the OpenAPI description too (tests and development). */
  validateResponses?: boolean;
}

/**
 * The plugin's root router.
 *
 * - `GET /health`: no token; 200 when the database answers, 503 otherwise.
 * - `/v1/alerts/...`: alert intake, mounted before any body parser.
 * - `/v1/...`: every other route, in this order — the caller (401), `pulse.read` (403), request
 *   hygiene and the OpenAPI description (400), then the route itself (404 for what the caller may
 *   not see). Routes not in the description do not exist.
 */
export async function createRouter(
  options: PulseRouterOptions,
): Promise<express.Router> {
  const { kit, knex, logger } = options;
  const router = Router();

  const databaseAnswers = watchDatabaseAnswers(knex);
  router.get('/health', async (_req, res) => {
    try {
      await databaseAnswers.next(knex.raw('select 1').then(() => undefined));
      res.json({ status: 'ok' });
    } catch (error) {
      logger.warn(`Pulse health check: the database did not answer: ${error}`);
      res.status(503).json({
        status: 'unavailable',
        message: 'The database did not answer',
      });
    }
  });

  // Services post alerts when their access restrictions allow pulse.alert.create; the intake
  // routes themselves refuse users.
  const alertGate: express.RequestHandler = async (req, _res, next) => {
    if (!req.path.startsWith('/alerts/')) {
      next();
      return;
    }
    try {
      const caller = await kit.caller(req);
      if (!caller.userEntityRef) {
        await kit.authorize(caller, pulseAlertCreatePermission);
      }
      next();
    } catch (error) {
      next(error);
    }
  };
  router.use('/v1', alertGate, options.intakeRouter);

  const readGate: express.RequestHandler = async (req, res, next) => {
    if (UNAUTHENTICATED_PATHS.has(req.path)) {
      next();
      return;
    }
    try {
      const caller = await kit.caller(req);
      await kit.authorize(caller, pulseReadPermission);
      res.locals[CALLER] = caller;
      next();
    } catch (error) {
      next(error);
    }
  };

  const api = await createOpenApiRouter({
    middleware: [express.json({ limit: '1mb' }), requestHygiene],
    validatorOptions: {
      ignoreUndocumented: false,
      // The description itself, served by the router.
      ignorePaths: (path: string) => path.endsWith('/openapi.json'),
      validateResponses: options.validateResponses ?? false,
    },
  });
  for (const addRoutes of options.routes) {
    addRoutes(api);
  }

  const v1 = Router();
  v1.use(readGate);
  v1.use(api);
  v1.use(
    (
      error: Error,
      _req: express.Request,
      res: express.Response,
      next: express.NextFunction,
    ) => {
      if (error instanceof TooManyRequestsError) {
        res.setHeader('Retry-After', String(error.retryAfterSeconds));
      }
      if (error.name === 'InputError') {
        if (error.message === 'not found') {
          next(
            new NotFoundError(
              `No such route: ${_req.method} ${_req.originalUrl}`,
            ),
          );
          return;
        }
        if (/ method not allowed$/.test(error.message)) {
          next(
            new MethodNotAllowedError(
              `${_req.method} is not allowed on ${_req.path}`,
            ),
          );
          return;
        }
        if (error.message.startsWith('request/')) {
          error.message = rewordValidationMessage(error.message);
        }
      }
      next(error);
    },
  );
  router.use('/v1', v1);
  return router;
}
