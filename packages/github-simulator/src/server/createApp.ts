import { createHash, randomBytes } from 'node:crypto';
import express, { NextFunction, Request, Response, Router } from 'express';
import { hashSeed } from '../data/random';
import { UrlContext } from '../representations/common';
import { ServerContext } from './context';
import { registerControlRoutes } from './controlRoutes';
import {
  HttpError,
  badCredentials,
  notFound,
  primaryRateLimitExceeded,
  secondaryRateLimitExceeded,
  serverError,
} from './errors';
import { RepositoryOperation, repositoryOperations } from './operations';
import { linkHeader } from './pagination';
import { flattenQuery } from './params';
import { RateLimitSnapshot } from './RateLimiter';
import { ResponseCache } from './ResponseCache';

interface Caller {
  key: string;
  authenticated: boolean;
  /** How GitHub names the caller in the rate limit message. */
  subject: string;
}

interface RequestLocals {
  requestId: string;
  caller: Caller;
  urls: UrlContext;
  counted: boolean;
}

const STATIC_HEADERS: Record<string, string> = {
  'cache-control': 'private, max-age=60, s-maxage=60',
  vary: 'Accept, Authorization, Cookie, X-GitHub-OTP, Accept-Encoding',
  'x-github-media-type': 'github.v3; format=json',
  'x-github-api-version-selected': '2022-11-28',
  'access-control-allow-origin': '*',
  'access-control-expose-headers':
    'ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Used, X-RateLimit-Resource, X-RateLimit-Reset, X-OAuth-Scopes, X-Accepted-OAuth-Scopes, X-Poll-Interval, X-GitHub-Media-Type, X-GitHub-SSO, X-GitHub-Request-Id, Deprecation, Sunset',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'deny',
  'x-xss-protection': '0',
  'referrer-policy':
    'origin-when-cross-origin, strict-origin-when-cross-origin',
  'content-security-policy': "default-src 'none'",
  server: 'github.com',
};

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
const RESPONSE_CACHE_BYTES = 64 * 1024 * 1024;

function locals(res: Response): RequestLocals {
  return res.locals as RequestLocals;
}

function newRequestId(): string {
  const hex = randomBytes(16).toString('hex').toUpperCase();
  return [
    hex.slice(0, 4),
    hex.slice(4, 10),
    hex.slice(10, 17),
    hex.slice(17, 24),
    hex.slice(24, 32),
  ].join(':');
}

export function weakEtag(body: string): string {
  return `W/"${createHash('sha256').update(body).digest('hex')}"`;
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) {
    return false;
  }
  const strip = (value: string) => value.trim().replace(/^W\//, '');
  const target = strip(etag);
  return header
    .split(',')
    .some(candidate => candidate.trim() === '*' || strip(candidate) === target);
}

function isNotModified(
  req: Request,
  etag: string,
  lastModified: number | undefined,
): boolean {
  const ifNoneMatch = req.get('if-none-match');
  if (ifNoneMatch !== undefined) {
    return etagMatches(ifNoneMatch, etag);
  }
  const ifModifiedSince = req.get('if-modified-since');
  if (ifModifiedSince && lastModified !== undefined) {
    const since = Date.parse(ifModifiedSince);
    return (
      !Number.isNaN(since) && Math.floor(lastModified / 1000) * 1000 <= since
    );
  }
  return false;
}

function isConditional(req: Request): boolean {
  return (
    req.get('if-none-match') !== undefined ||
    req.get('if-modified-since') !== undefined
  );
}

function rateLimitHeaders(snapshot: RateLimitSnapshot): Record<string, string> {
  return {
    'x-ratelimit-limit': String(snapshot.limit),
    'x-ratelimit-remaining': String(snapshot.remaining),
    'x-ratelimit-reset': String(snapshot.reset),
    'x-ratelimit-used': String(snapshot.used),
    'x-ratelimit-resource': 'core',
  };
}

export function createApp(context: ServerContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  const cache = new ResponseCache(RESPONSE_CACHE_BYTES);

  const baseHeaders = (res: Response): Record<string, string> => {
    const { caller, requestId } = locals(res);
    return {
      ...STATIC_HEADERS,
      ...(caller.authenticated
        ? {
            'x-oauth-scopes': 'repo, read:org',
            'x-accepted-oauth-scopes': 'repo',
          }
        : {}),
      ...rateLimitHeaders(
        context.rateLimiter.snapshot(caller.key, caller.authenticated),
      ),
      'x-github-request-id': requestId,
    };
  };

  const sendError = (res: Response, error: HttpError) => {
    res
      .status(error.status)
      .set(baseHeaders(res))
      .set(error.headers)
      .set('content-type', JSON_CONTENT_TYPE)
      .send(JSON.stringify(error.body));
  };

  /** Charges one point, or answers 403 when the quota is already spent. */
  const chargeQuota = (res: Response): HttpError | undefined => {
    const { caller } = locals(res);
    if (context.rateLimiter.isExhausted(caller.key, caller.authenticated)) {
      context.stats.increment('primaryRateLimited');
      return primaryRateLimitExceeded(caller.subject);
    }
    context.rateLimiter.consume(caller.key, caller.authenticated);
    context.stats.increment('quotaUsed');
    return undefined;
  };

  registerControlRoutes(app, context);

  const api = Router({ strict: false });

  api.use((req, res, next) => {
    context.stats.recordRequest();
    const baseUrl = `${req.protocol}://${req.get('host')}${req.baseUrl}`;
    const requestLocals = locals(res);
    requestLocals.requestId = newRequestId();
    requestLocals.urls = { api: baseUrl, html: context.htmlBaseUrl };
    requestLocals.counted = false;
    res.on('finish', () => {
      if (!requestLocals.counted) {
        requestLocals.counted = true;
        context.stats.recordOutcome(res.statusCode);
      }
    });
    next();
  });

  api.use((req, res, next) => {
    const requestLocals = locals(res);
    const ip = (req.ip ?? 'unknown').replace(/^::ffff:/, '');
    requestLocals.caller = {
      key: `ip:${ip}`,
      authenticated: false,
      subject: ip,
    };
    const header = req.get('authorization');
    if (!header) {
      next();
      return;
    }
    const token = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header)?.[1];
    if (!token || (context.tokens && !context.tokens.includes(token))) {
      sendError(res, badCredentials());
      return;
    }
    const authors = context.store.vocabulary.authors;
    const knownIndex = context.tokens?.indexOf(token) ?? -1;
    const userId =
      knownIndex >= 0
        ? authors[knownIndex % authors.length].id
        : 1_000_000 + (hashSeed('token', token) % 100_000_000);
    requestLocals.caller = {
      key: `token:${token}`,
      authenticated: true,
      subject: `user ID ${userId}`,
    };
    next();
  });

  api.use((req, res, next) => {
    const { latencyMs, fault } = context.faults.decide();
    const act = () => {
      switch (fault.kind) {
        case 'secondary':
          context.stats.increment('secondaryRateLimited');
          sendError(
            res,
            secondaryRateLimitExceeded(
              fault.status,
              fault.retryAfterSeconds,
              locals(res).requestId,
            ),
          );
          return;
        case 'error':
          context.stats.increment('injectedErrors');
          sendError(res, serverError(fault.status));
          return;
        case 'drop':
          context.stats.increment('droppedConnections');
          locals(res).counted = true;
          context.stats.recordOutcome('dropped');
          req.socket.destroy();
          return;
        case 'timeout': {
          context.stats.increment('injectedTimeouts');
          locals(res).counted = true;
          context.stats.recordOutcome('timeout');
          const timer = setTimeout(() => {
            context.heldRequests.delete(timer);
            req.socket.destroy();
          }, fault.holdMs);
          context.heldRequests.add(timer);
          return;
        }
        default:
          next();
      }
    };
    if (latencyMs > 0) {
      const timer = setTimeout(() => {
        context.heldRequests.delete(timer);
        act();
      }, latencyMs);
      context.heldRequests.add(timer);
    } else {
      act();
    }
  });

  const respond = (
    req: Request,
    res: Response,
    produce: () => {
      json: string;
      etag: string;
      link?: string;
      lastModified?: number;
    },
    countsAgainstQuota: boolean,
  ) => {
    const { caller } = locals(res);
    if (
      countsAgainstQuota &&
      !isConditional(req) &&
      context.rateLimiter.isExhausted(caller.key, caller.authenticated)
    ) {
      sendError(res, chargeQuota(res)!);
      return;
    }
    let result;
    try {
      result = produce();
    } catch (error) {
      if (!(error instanceof HttpError)) {
        throw error;
      }
      sendError(res, (countsAgainstQuota && chargeQuota(res)) || error);
      return;
    }
    const headers: Record<string, string> = { etag: result.etag };
    if (result.link) {
      headers.link = result.link;
    }
    if (result.lastModified !== undefined) {
      headers['last-modified'] = new Date(result.lastModified).toUTCString();
    }
    if (isNotModified(req, result.etag, result.lastModified)) {
      res.status(304).set(baseHeaders(res)).set(headers).end();
      return;
    }
    if (countsAgainstQuota) {
      const rejection = chargeQuota(res);
      if (rejection) {
        sendError(res, rejection);
        return;
      }
    }
    res
      .status(200)
      .set(baseHeaders(res))
      .set(headers)
      .set('content-type', JSON_CONTENT_TYPE)
      .send(result.json);
  };

  api.get('/rate_limit', (req, res) => {
    context.stats.recordOperation('rate-limit/get');
    respond(
      req,
      res,
      () => {
        const { caller } = locals(res);
        const core = context.rateLimiter.snapshot(
          caller.key,
          caller.authenticated,
        );
        const untouched = (limit: number) => ({
          limit,
          used: 0,
          remaining: limit,
          reset: core.reset,
        });
        const body = {
          resources: {
            core,
            search: untouched(caller.authenticated ? 30 : 10),
            graphql: untouched(caller.authenticated ? 5000 : 0),
            integration_manifest: untouched(5000),
            code_search: untouched(caller.authenticated ? 10 : 0),
          },
          rate: core,
        };
        const json = JSON.stringify(body);
        return { json, etag: weakEtag(json) };
      },
      false,
    );
  });

  const registerRepositoryOperation = (operation: RepositoryOperation) => {
    api.get(`/repos/:owner/:repo${operation.path}`, (req, res) => {
      context.stats.recordOperation(operation.operationId);
      const { urls } = locals(res);
      const fullName = `${req.params.owner}/${req.params.repo}`;
      const rawQuery = req.originalUrl.includes('?')
        ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1)
        : '';
      respond(
        req,
        res,
        () => {
          const state = context.store.repository(fullName);
          if (!state) {
            throw notFound();
          }
          const cacheKey = `${urls.api}|${req.path}?${rawQuery}`;
          const cached = cache.get(cacheKey, state.currentVersion);
          if (cached) {
            return cached;
          }
          const result = operation.run({
            state,
            params: req.params as Record<string, string>,
            query: flattenQuery(req.query),
            urls,
            now: context.clock.now(),
            githubOrganization: context.store.vocabulary.githubOrganization,
          });
          const json = JSON.stringify(result.body);
          const pathBelowRepository = req.path.replace(
            /^\/repos\/[^/]+\/[^/]+/,
            '',
          );
          const produced = {
            json,
            etag: weakEtag(json),
            lastModified: result.lastModified,
            link: result.page
              ? linkHeader(
                  `${urls.api}/repositories/${state.repository.id}${pathBelowRepository}`,
                  rawQuery,
                  result.page.page,
                  result.page.lastPage,
                )
              : undefined,
          };
          cache.set(cacheKey, state.currentVersion, produced);
          return produced;
        },
        true,
      );
    });
  };
  for (const operation of repositoryOperations) {
    registerRepositoryOperation(operation);
  }

  api.use((req, res) => {
    context.stats.recordOperation('unknown');
    respond(
      req,
      res,
      () => {
        throw notFound();
      },
      true,
    );
  });

  const rewriteRepositoryIds = (
    req: Request,
    _res: Response,
    next: NextFunction,
  ) => {
    const match = /^\/repositories\/(\d+)(\/.*)?$/.exec(req.url);
    if (match) {
      const state = context.store.repositoryById(Number(match[1]));
      if (state) {
        req.url = `/repos/${state.fullName}${match[2] ?? ''}`;
      }
    }
    next();
  };

  app.use('/api/v3', rewriteRepositoryIds, api);
  app.use('/', rewriteRepositoryIds, api);

  app.use(
    (error: unknown, _req: Request, res: Response, _next: NextFunction) => {
      context.logger.error(
        `Unhandled error: ${
          error instanceof Error ? error.stack : String(error)
        }`,
      );
      if (!res.headersSent) {
        res
          .status(500)
          .set('content-type', JSON_CONTENT_TYPE)
          .send(JSON.stringify(serverError(500).body));
      }
    },
  );
  return app;
}
