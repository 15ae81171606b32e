import { InputError } from '@backstage/errors';
import { IncidentSeverity } from '@pulse-oss/plugin-pulse-common';
import { z } from 'zod';
import { AlertmanagerGrouping } from '../config';
import {
  boundedDedupKey,
  boundedTitle,
  EntityHint,
  inputErrorFromZod,
  labelsFingerprint,
  entityRefFromHint,
  optionalTime,
  ParsedSignal,
  severityFromWord,
  stringMap,
} from './common';

const alertSchema = z
  .object({
    status: z.enum(['firing', 'resolved']),
    labels: stringMap,
    annotations: stringMap.optional(),
    startsAt: z.string().optional(),
    endsAt: z.string().optional(),
    generatorURL: z.string().optional(),
    fingerprint: z.string().min(1).optional(),
  })
  .passthrough();

/**
 * Alertmanager's webhook body (version 4). Grafana's unified alerting sends the same shape with
 * a few extra fields (`orgId`, per-alert `values`, `valueString`, `silenceURL`, `dashboardURL`,
 * `panelURL`, ...), which pass through untouched.
 */
export const alertmanagerPayloadSchema = z
  .object({
    version: z.string().optional(),
    groupKey: z.string().optional(),
    truncatedAlerts: z.number().optional(),
    status: z.enum(['firing', 'resolved']).optional(),
    receiver: z.string().optional(),
    groupLabels: stringMap.optional(),
    commonLabels: stringMap.optional(),
    commonAnnotations: stringMap.optional(),
    externalURL: z.string().optional(),
    alerts: z.array(alertSchema).min(1, 'must hold at least one alert'),
  })
  .passthrough();

export type AlertmanagerPayload = z.infer<typeof alertmanagerPayloadSchema>;
type AlertmanagerAlert = AlertmanagerPayload['alerts'][number];

/** How a delivery is turned into signals. */
export interface AlertmanagerParseOptions {
  grouping: AlertmanagerGrouping;
  /** The request's `?entityRef=`: the service for alerts without an `entity_ref` label. */
  entityRefParam?: string;
}

/** Settings that differ between Alertmanager and Grafana's Alertmanager-like webhook. */
export interface AlertmanagerFlavour {
  source: 'alertmanager' | 'grafana';
  /** Shown in error messages, e.g. `Alertmanager payload`. */
  what: string;
  /** Put in front of every dedup key, so that keys of different senders never meet. */
  keyPrefix: string;
}

const SEVERITY_RANK: Record<IncidentSeverity, number> = {
  critical: 3,
  error: 2,
  warning: 1,
  info: 0,
};

/**
 * The service an alert is about, in this order: its `entity_ref` label (written for Backstage,
 * so it wins), the webhook URL's `?entityRef=` (the receiver's service), its `service` label
 * (`payments-api` meaning `component:default/payments-api`).
 */
export function alertEntityHint(
  labels: Record<string, string>,
  entityRefParam: string | undefined,
  labelWord = 'label',
): EntityHint | undefined {
  if (labels.entity_ref?.trim()) {
    return { ref: labels.entity_ref, from: `${labelWord} 'entity_ref'` };
  }
  if (entityRefParam?.trim()) {
    return { ref: entityRefParam, from: "query parameter 'entityRef'" };
  }
  if (labels.service?.trim()) {
    return { ref: labels.service, from: `${labelWord} 'service'` };
  }
  return undefined;
}

function requireEntityHint(
  labels: Record<string, string>,
  options: AlertmanagerParseOptions,
  where: string,
): EntityHint {
  const hint = alertEntityHint(labels, options.entityRefParam);
  if (!hint) {
    throw new InputError(
      `${where}: no service named: set the label 'entity_ref' (or 'service'), or '?entityRef=' on the webhook URL`,
    );
  }
  // Fail early on a malformed ref, naming where it came from.
  entityRefFromHint(hint);
  return hint;
}

function alertTitle(
  labels: Record<string, string>,
  annotations: Record<string, string>,
  fallback: string,
): string {
  const name = labels.alertname?.trim();
  const summary = (annotations.summary ?? annotations.description)?.trim();
  if (name && summary) {
    return boundedTitle(`${name}: ${summary}`);
  }
  return boundedTitle(summary || name || fallback);
}

function withoutAlerts(payload: AlertmanagerPayload) {
  const { alerts: _alerts, ...rest } = payload;
  return rest;
}

function fingerprintOf(alert: AlertmanagerAlert): string {
  return alert.fingerprint ?? labelsFingerprint(alert.labels);
}

function perAlertSignals(
  payload: AlertmanagerPayload,
  options: AlertmanagerParseOptions,
  flavour: AlertmanagerFlavour,
): ParsedSignal[] {
  const envelope = withoutAlerts(payload);
  return payload.alerts.map((alert, index) => {
    const entity = requireEntityHint(alert.labels, options, `alerts[${index}]`);
    const firing = alert.status === 'firing';
    return {
      action: firing ? 'trigger' : 'resolve',
      dedupKey: boundedDedupKey(fingerprintOf(alert), flavour.keyPrefix),
      entity,
      title: alertTitle(
        alert.labels,
        alert.annotations ?? {},
        `Alert from ${flavour.source}`,
      ),
      severity: severityFromWord(
        alert.labels.severity ?? alert.labels.priority,
      ),
      source: flavour.source,
      integrationKey: flavour.source,
      // One alert per signal, in the sender's own shape, so each incident keeps only its alert.
      rawPayload: { ...envelope, alerts: [alert] },
      occurredAt: optionalTime(firing ? alert.startsAt : alert.endsAt),
    };
  });
}

function groupTitle(payload: AlertmanagerPayload, what: string): string {
  const common = payload.commonLabels ?? {};
  if (common.alertname) {
    return alertTitle(common, payload.commonAnnotations ?? {}, what);
  }
  const groupLabels = Object.entries(payload.groupLabels ?? {})
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
  return boundedTitle(
    `${payload.alerts.length} alerts${
      groupLabels ? ` for ${groupLabels}` : ''
    }`,
  );
}

function groupSignal(
  payload: AlertmanagerPayload,
  options: AlertmanagerParseOptions,
  flavour: AlertmanagerFlavour,
): ParsedSignal {
  if (!payload.groupKey) {
    throw new InputError(
      `Invalid ${flavour.what}: groupKey: is required (alerts are grouped by groupKey)`,
    );
  }
  const hints = payload.alerts.map((alert, index) =>
    requireEntityHint(alert.labels, options, `alerts[${index}]`),
  );
  const refs = new Set(hints.map(entityRefFromHint));
  if (refs.size > 1) {
    throw new InputError(
      `The alerts of group ${payload.groupKey} name different services (${[
        ...refs,
      ].join(
        ', ',
      )}); one incident per group needs one service: group by 'entity_ref' in Alertmanager's route, or set '?entityRef=' on the webhook URL`,
    );
  }
  const firing = payload.alerts.filter(alert => alert.status === 'firing');
  // The group stays open while any alert in it fires; it resolves when all have resolved.
  const action = firing.length > 0 ? 'trigger' : 'resolve';
  const considered = firing.length > 0 ? firing : payload.alerts;
  const severity = considered
    .map(alert =>
      severityFromWord(alert.labels.severity ?? alert.labels.priority),
    )
    .reduce((worst, next) =>
      SEVERITY_RANK[next] > SEVERITY_RANK[worst] ? next : worst,
    );
  const times = considered
    .map(alert =>
      optionalTime(action === 'trigger' ? alert.startsAt : alert.endsAt),
    )
    .filter((time): time is Date => time !== undefined)
    .map(time => time.getTime());
  let occurredAt: Date | undefined;
  if (times.length > 0) {
    // A reduce, not Math.min(...times): a group of many thousand alerts is not an argument list.
    occurredAt = new Date(
      times.reduce((a, b) =>
        action === 'trigger' ? Math.min(a, b) : Math.max(a, b),
      ),
    );
  }
  return {
    action,
    dedupKey: boundedDedupKey(payload.groupKey, `${flavour.keyPrefix}group:`),
    entity: hints[0],
    title: groupTitle(payload, `Alert group from ${flavour.source}`),
    severity,
    source: flavour.source,
    integrationKey: flavour.source,
    rawPayload: payload,
    occurredAt,
  };
}

/** Turns a validated Alertmanager-shaped payload into signals, per the grouping. */
export function signalsFromAlertmanagerPayload(
  payload: AlertmanagerPayload,
  options: AlertmanagerParseOptions,
  flavour: AlertmanagerFlavour,
): ParsedSignal[] {
  return options.grouping === 'groupKey'
    ? [groupSignal(payload, options, flavour)]
    : perAlertSignals(payload, options, flavour);
}

/**
 * Parses Prometheus Alertmanager's webhook body.
 *
 * - `fingerprint` grouping (default): one signal per alert, dedup key
 *   `alertmanager:<fingerprint>` (a digest of the labels when an old Alertmanager sends no
 *   fingerprint); `firing` triggers, `resolved` resolves.
 * - `groupKey` grouping: one signal per delivery, dedup key `alertmanager:group:<groupKey>`; it
 *   triggers while any alert of the group fires (a partly resolved group stays open) and
 *   resolves when all have resolved.
 *
 * Throws `InputError` naming the field for a body that is not such a payload.
 */
export function parseAlertmanagerWebhook(
  body: unknown,
  options: AlertmanagerParseOptions,
): ParsedSignal[] {
  const parsed = alertmanagerPayloadSchema.safeParse(body);
  if (!parsed.success) {
    throw inputErrorFromZod('Alertmanager payload', parsed.error);
  }
  return signalsFromAlertmanagerPayload(parsed.data, options, {
    source: 'alertmanager',
    what: 'Alertmanager payload',
    keyPrefix: 'alertmanager:',
  });
}
