import { InputError } from '@backstage/errors';
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  boundedDedupKey,
  boundedTitle,
  describeZodIssues,
  optionalTime,
  ParsedSignal,
} from './common';

const nonBlank = z.string().trim().min(1, 'is missing or blank');

/** The PagerDuty Events API v2 event (`POST /v2/enqueue`). */
const eventSchema = z
  .object({
    routing_key: nonBlank,
    event_action: z.enum(['trigger', 'acknowledge', 'resolve'], {
      errorMap: () => ({
        message: "must be one of 'trigger', 'acknowledge' or 'resolve'",
      }),
    }),
    dedup_key: z.string().optional(),
    payload: z
      .object({
        summary: nonBlank,
        source: nonBlank,
        severity: z.enum(['critical', 'error', 'warning', 'info'], {
          errorMap: () => ({
            message: "must be one of 'critical', 'error', 'warning' or 'info'",
          }),
        }),
        timestamp: z.string().optional(),
        component: z.string().optional(),
        group: z.string().optional(),
        class: z.string().optional(),
        custom_details: z.unknown().optional(),
      })
      .passthrough()
      .optional(),
    client: z.string().optional(),
    client_url: z.string().optional(),
    links: z.array(z.unknown()).optional(),
    images: z.array(z.unknown()).optional(),
  })
  .passthrough();

/**
 * A PagerDuty-shaped refusal: the route answers 400 with
 * `{ status: 'invalid event', message, errors }`, as PagerDuty does.
 */
export class PagerDutyEventError extends InputError {
  constructor(message: string, readonly errors: string[]) {
    super(message);
  }
}

/** A parsed event: the signal, and the dedup key to answer with (as sent, or generated). */
export interface PagerDutyEvent {
  signal: ParsedSignal;
  dedupKey: string;
}

/** The integration a routing key stands for, without storing the (secret) key itself. */
export function routingKeyIntegration(routingKey: string): string {
  return `pagerduty:${createHash('sha256')
    .update(routingKey)
    .digest('hex')
    .slice(0, 12)}`;
}

function quoted(issue: string): string {
  // `payload.summary: is missing or blank` -> `'payload.summary' is missing or blank`
  const match = /^([^:]+): (.*)$/.exec(issue);
  return match ? `'${match[1]}' ${match[2]}` : issue;
}

/**
 * Parses a PagerDuty Events API v2 event. The `routing_key` picks the service through
 * `pulse.oncall.routingKeys`; acknowledge and resolve need the `dedup_key` of the trigger; a
 * trigger without one gets a generated key, returned to the sender (PagerDuty's behaviour).
 * Keys over 255 characters are stored as their SHA-256 (the sender keeps using its own key).
 * The routing key is removed from the stored raw payload, since it is a secret.
 */
export function parsePagerDutyEvent(
  body: unknown,
  options: {
    routingKeys: ReadonlyMap<string, string>;
    generateKey?: () => string;
  },
): PagerDutyEvent {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new PagerDutyEventError('Event object is invalid', [
      'Event must be a JSON object',
    ]);
  }
  const parsed = eventSchema.safeParse(body);
  const errors = parsed.success
    ? []
    : describeZodIssues(parsed.error).map(quoted);
  const event = parsed.success ? parsed.data : undefined;
  const action = (body as Record<string, unknown>).event_action;
  const dedupKeyValue = (body as Record<string, unknown>).dedup_key;

  if (
    action === 'trigger' &&
    (body as Record<string, unknown>).payload === undefined
  ) {
    errors.push("'payload' is missing");
  }
  if (
    (action === 'acknowledge' || action === 'resolve') &&
    (typeof dedupKeyValue !== 'string' || dedupKeyValue.trim() === '')
  ) {
    errors.push(`'dedup_key' is required to ${action}`);
  }
  if (errors.length > 0 || !event) {
    throw new PagerDutyEventError('Event object is invalid', errors);
  }

  const entityRef = options.routingKeys.get(event.routing_key);
  if (!entityRef) {
    throw new PagerDutyEventError('Event object is invalid', [
      'Invalid routing key: it is not configured in pulse.oncall.routingKeys',
    ]);
  }

  const dedupKey =
    event.dedup_key && event.dedup_key.trim() !== ''
      ? event.dedup_key
      : (options.generateKey ?? (() => randomUUID().replace(/-/g, '')))();
  const { routing_key: _secret, ...stored } = event;
  const payload = event.payload;
  return {
    dedupKey,
    signal: {
      action: event.event_action,
      dedupKey: boundedDedupKey(dedupKey),
      entity: { ref: entityRef, from: 'pulse.oncall.routingKeys' },
      title: boundedTitle(
        payload?.summary ?? `${event.event_action} ${dedupKey}`,
      ),
      severity: payload?.severity ?? 'critical',
      source: 'pagerduty',
      integrationKey: routingKeyIntegration(event.routing_key),
      rawPayload: { ...stored, dedup_key: dedupKey },
      occurredAt: optionalTime(payload?.timestamp),
    },
  };
}
