import { InputError } from '@backstage/errors';
import { z } from 'zod';
import {
  alertEntityHint,
  AlertmanagerParseOptions,
  alertmanagerPayloadSchema,
  signalsFromAlertmanagerPayload,
} from './alertmanager';
import {
  boundedDedupKey,
  boundedTitle,
  inputErrorFromZod,
  entityRefFromHint,
  ParsedSignal,
  severityFromWord,
  stringMap,
} from './common';

/** Grafana unified alerting (8+): Alertmanager's body plus `orgId`, `title`, `state`, `message`. */
const unifiedSchema = alertmanagerPayloadSchema.extend({
  orgId: z.number().int().optional(),
});

/** Grafana legacy (dashboard) alerting, before Grafana 11: one rule per request. */
const legacySchema = z
  .object({
    ruleId: z.number().int().optional(),
    ruleName: z.string().optional(),
    ruleUrl: z.string().optional(),
    title: z.string().optional(),
    message: z.string().optional(),
    state: z.enum(['alerting', 'ok', 'no_data', 'paused', 'pending']),
    orgId: z.number().int().optional(),
    dashboardId: z.number().int().optional(),
    panelId: z.number().int().optional(),
    tags: stringMap.optional(),
    evalMatches: z.array(z.unknown()).optional(),
    imageUrl: z.string().optional(),
  })
  .passthrough()
  .refine(body => body.ruleId !== undefined || (body.ruleName ?? '') !== '', {
    message: 'is required (or ruleName)',
    path: ['ruleId'],
  });

function isLegacy(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return false;
  }
  const record = body as Record<string, unknown>;
  return (
    !('alerts' in record) &&
    'state' in record &&
    ('ruleId' in record || 'ruleName' in record)
  );
}

function legacySignals(
  body: unknown,
  options: AlertmanagerParseOptions,
): ParsedSignal[] {
  const parsed = legacySchema.safeParse(body);
  if (!parsed.success) {
    throw inputErrorFromZod('Grafana legacy alert', parsed.error);
  }
  const payload = parsed.data;
  if (payload.state === 'paused' || payload.state === 'pending') {
    // Neither is a change an on-call engineer acts on: accepted, nothing to do.
    return [];
  }
  const tags = payload.tags ?? {};
  const entity = alertEntityHint(tags, options.entityRefParam, 'tag');
  if (!entity) {
    throw new InputError(
      "Grafana alert: no service named: set the rule tag 'entity_ref' (or 'service'), or '?entityRef=' on the webhook URL",
    );
  }
  entityRefFromHint(entity);
  const rule =
    payload.ruleId !== undefined ? String(payload.ruleId) : payload.ruleName!;
  const name = payload.ruleName || payload.title || `Grafana rule ${rule}`;
  return [
    {
      action: payload.state === 'ok' ? 'resolve' : 'trigger',
      dedupKey: boundedDedupKey(rule, `grafana:legacy:${payload.orgId ?? 1}:`),
      entity,
      title: boundedTitle(
        payload.state === 'no_data' ? `${name} (no data)` : name,
      ),
      severity: severityFromWord(tags.severity ?? tags.priority),
      source: 'grafana',
      integrationKey: 'grafana',
      rawPayload: payload,
    },
  ];
}

/**
 * Parses Grafana alerting's webhook body.
 *
 * Unified alerting (Grafana 8 and later) sends Alertmanager's shape; it is read exactly like
 * Alertmanager's (the same `alertmanagerGrouping`), with dedup keys `grafana:<orgId>:<fingerprint>`
 * or `grafana:<orgId>:group:<groupKey>`, and the Grafana extras (`values` or `valueString`,
 * `silenceURL`, `dashboardURL`, `panelURL`, `imageURL`) kept in the raw payload. Legacy dashboard
 * alerting (`ruleId`, `state`) is accepted too: `alerting` and `no_data` trigger, `ok` resolves,
 * `paused` and `pending` change nothing; dedup key `grafana:legacy:<orgId>:<ruleId>`; the service
 * comes from the rule's tags the way it comes from labels.
 */
export function parseGrafanaWebhook(
  body: unknown,
  options: AlertmanagerParseOptions,
): ParsedSignal[] {
  if (isLegacy(body)) {
    return legacySignals(body, options);
  }
  const parsed = unifiedSchema.safeParse(body);
  if (!parsed.success) {
    throw inputErrorFromZod('Grafana alerting payload', parsed.error);
  }
  return signalsFromAlertmanagerPayload(parsed.data, options, {
    source: 'grafana',
    what: 'Grafana alerting payload',
    keyPrefix: `grafana:${parsed.data.orgId ?? 1}:`,
  });
}
