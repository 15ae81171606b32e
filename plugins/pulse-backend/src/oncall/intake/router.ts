import { HttpAuthService } from '@backstage/backend-plugin-api';
import { InputError, isError } from '@backstage/errors';
import express from 'express';
import Router from 'express-promise-router';
import {
  AlertSignal,
  IncidentIntake,
  IntakeResult,
} from '../incidents/IncidentIntake';
import { createJsonBodyReader, TooManyRequestsError } from './body';
import { IntakeConfig } from './config';
import { parseAlertmanagerWebhook } from './formats/alertmanager';
import { ParsedSignal } from './formats/common';
import { parseGrafanaWebhook } from './formats/grafana';
import { parseJsonAlert } from './formats/json';
import { parsePagerDutyEvent, PagerDutyEventError } from './formats/pagerduty';
import { HeartbeatMonitor } from './heartbeats/HeartbeatMonitor';
import { storableText } from './payload';
import { RateLimiter } from './RateLimiter';
import { ServiceResolver } from './ServiceResolver';

/** Everything the intake routes need. */
export interface IntakeRouterOptions {
  config: IntakeConfig;
  httpAuth: HttpAuthService;
  intake: IncidentIntake;
  services: ServiceResolver;
  heartbeats: HeartbeatMonitor;
  /** Per token subject, across replicas: a `SharedRateLimiter` in production. */
  rateLimiter: RateLimiter;
}

/** One signal's outcome, as answered to Alertmanager, Grafana and the plain JSON form. */
export interface IntakeResultBody {
  dedupKey: string;
  outcome: IntakeResult['outcome'];
  incidentId: string | null;
  reason?: string;
}

function resultBody(result: IntakeResult): IntakeResultBody {
  return {
    dedupKey: result.dedupKey,
    outcome: result.outcome,
    incidentId: result.incidentId,
    ...(result.reason && { reason: result.reason }),
  };
}

function entityRefParam(req: express.Request): string | undefined {
  const value = req.query.entityRef;
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InputError(
      "Query parameter 'entityRef' must be one entity ref, e.g. ?entityRef=component:default/payments-api",
    );
  }
  return storableText(value);
}

function statusOf(error: unknown): number | undefined {
  if (!isError(error)) {
    return undefined;
  }
  if (error.name === InputError.name) {
    return 400;
  }
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Alert intake, mounted under `/api/pulse/v1`:
 *
 * - `POST /alerts/alertmanager`: Prometheus Alertmanager's webhook (`webhook_configs`).
 * - `POST /alerts/grafana`: Grafana alerting's webhook contact point (unified alerting; legacy
 *   dashboard alerts too).
 * - `POST /alerts/pagerduty`: a PagerDuty Events API v2 event (`/v2/enqueue`), answered as
 *   PagerDuty answers: 202 `{ status: 'success', message: 'Event processed', dedup_key }`, 400
 *   `{ status: 'invalid event', message, errors }`.
 * - `POST /alerts/json`: Pulse's plain form (`entityRef`, `title`, `severity`, `dedupKey?`,
 *   `action?`).
 * - `POST /alerts/heartbeat/:id`: a heartbeat monitor's ping (no body needed).
 *
 * **Who may post.** Only service principals: tools authenticate with a static token from
 * Backstage's external access (`backend.auth.externalAccess`, restricted to `plugin: pulse`),
 * sent as `Authorization: Bearer <token>`; other backend plugins may post with their own service
 * tokens. A user's browser session gets 403: people open incidents through `POST /incidents`, which
 * checks `pulse.incident.create`, and a logged-in page must not be able to forge monitoring alerts.
 * A missing or bad token is 401 (Backstage's own check, before these routes); a token whose
 * `accessRestrictions` name another plugin is 403.
 *
 * **Which service an alert is about.** Alertmanager and Grafana: the alert's `entity_ref` label
 * (any entity ref; `payments-api` is short for `component:default/payments-api`), else the
 * webhook URL's `?entityRef=` (one receiver per service), else its `service` label (read the same
 * way, so `service="payments-api"` is `component:default/payments-api`). PagerDuty: the
 * `routing_key` through `pulse.oncall.routingKeys` (an unknown key is PagerDuty's 400). JSON:
 * `entityRef`. The service must exist in the catalog; an unknown one is a 400 naming it.
 *
 * The service must be of a kind that has incidents (`pulse.oncall.intake.entityKinds`, by
 * default Component, Resource, System); another kind is a 400 that says so.
 *
 * **Guarantees.** A delivery is validated whole (format, fields, every service) before anything
 * is stored, so a 4xx stores nothing. Its signals are then applied by
 * `IncidentIntake.receiveAll` in delivery order (consecutive triggers in one transaction, however
 * many); the 2xx is sent after the last commit. A failure is a 5xx: the sender retries, and
 * signals already applied are absorbed by their open incidents (no second page). Dedup keys hold
 * per service and integration.
 *
 * **Bodies** are read here (the routes are mounted before any JSON parser): over
 * `pulse.oncall.intake.maxBodyBytes` is 413, not received within
 * `pulse.oncall.intake.bodyTimeoutSeconds` is 408; what is kept is bounded in depth and its
 * strings made storable (`payload.ts`). A caller over its rate limit, which holds across
 * replicas, gets 429 with `retry-after`.
 */
export function createIntakeRouter(
  options: IntakeRouterOptions,
): express.Router {
  const { config, httpAuth, intake, services, heartbeats, rateLimiter } =
    options;
  const readJsonBody = createJsonBodyReader(config);
  const router = Router();

  /** The caller's subject, after checking it is a service and within its rate limit. */
  async function admit(
    req: express.Request,
    res: express.Response,
  ): Promise<string> {
    const credentials = await httpAuth.credentials(req, { allow: ['service'] });
    const caller = credentials.principal.subject;
    const decision = await rateLimiter.take(caller);
    if (!decision.allowed) {
      res.setHeader('retry-after', String(decision.retryAfterSeconds));
      throw new TooManyRequestsError(
        `Too many alert requests from '${caller}': retry after ${decision.retryAfterSeconds}s`,
        decision.retryAfterSeconds,
      );
    }
    return caller;
  }

  /**
   * Checks every service first (nothing is stored if one is unknown), then applies the signals
   * of the delivery together; answers once they are committed.
   */
  async function deliver(
    parsed: ParsedSignal[],
    actor: string,
  ): Promise<IntakeResult[]> {
    const entityRefs = await services.resolveAll(parsed.map(s => s.entity));
    const signals: AlertSignal[] = parsed.map(
      ({ entity: _entity, ...signal }, index) => ({
        ...signal,
        entityRef: entityRefs[index],
      }),
    );
    return intake.receiveAll(signals, actor);
  }

  router.post('/alerts/alertmanager', async (req, res) => {
    const caller = await admit(req, res);
    const body = await readJsonBody(req, res);
    const signals = parseAlertmanagerWebhook(body, {
      grouping: config.alertmanagerGrouping,
      entityRefParam: entityRefParam(req),
    });
    const results = await deliver(signals, caller);
    res
      .status(202)
      .json({ status: 'accepted', results: results.map(resultBody) });
  });

  router.post('/alerts/grafana', async (req, res) => {
    const caller = await admit(req, res);
    const body = await readJsonBody(req, res);
    const signals = parseGrafanaWebhook(body, {
      grouping: config.alertmanagerGrouping,
      entityRefParam: entityRefParam(req),
    });
    const results = await deliver(signals, caller);
    res
      .status(202)
      .json({ status: 'accepted', results: results.map(resultBody) });
  });

  router.post('/alerts/pagerduty', async (req, res) => {
    const caller = await admit(req, res).catch(error => {
      if (error instanceof TooManyRequestsError) {
        res.status(429).json({
          status: 'throttle event',
          message: error.message,
          errors: [],
        });
        return undefined;
      }
      throw error;
    });
    if (caller === undefined) {
      return;
    }
    try {
      const body = await readJsonBody(req, res);
      const event = parsePagerDutyEvent(body, {
        routingKeys: config.routingKeys,
      });
      await deliver([event.signal], caller);
      res.status(202).json({
        status: 'success',
        message: 'Event processed',
        dedup_key: event.dedupKey,
      });
    } catch (error) {
      const status = statusOf(error);
      if (status === undefined || status >= 500) {
        throw error;
      }
      const { message } = error as Error;
      res.status(status).json(
        error instanceof PagerDutyEventError
          ? { status: 'invalid event', message, errors: error.errors }
          : {
              status: 'invalid event',
              message: 'Event object is invalid',
              errors: [message],
            },
      );
    }
  });

  router.post('/alerts/json', async (req, res) => {
    const caller = await admit(req, res);
    const body = await readJsonBody(req, res);
    const alert = parseJsonAlert(body);
    const [result] = await deliver([alert.signal], caller);
    res.status(202).json({
      status: 'accepted',
      ...resultBody(result),
      dedupKey: alert.dedupKey,
    });
  });

  router.post('/alerts/heartbeat/:id', async (req, res) => {
    const caller = await admit(req, res);
    const { state, resolved } = await heartbeats.ping(req.params.id, caller);
    res.status(202).json({
      status: 'accepted',
      heartbeat: state.id,
      lastPingAt: state.lastPingAt?.toISOString() ?? null,
      resolved: resolved ? resultBody(resolved) : null,
    });
  });

  return router;
}
