import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  boundedDedupKey,
  boundedTitle,
  inputErrorFromZod,
  entityRefFromHint,
  optionalTime,
  ParsedSignal,
} from './common';

const nonBlank = z.string().trim().min(1, 'must not be blank');

/**
 * Pulse's own plain alert form, for scripts and tools with a generic webhook:
 *
 * ```json
 * {
 *   "entityRef": "component:default/payments-api",
 *   "title": "Checkout error rate above 5%",
 *   "severity": "critical",
 *   "dedupKey": "checkout-error-rate",
 *   "action": "trigger",
 *   "details": { "errorRate": 0.07 },
 *   "occurredAt": "2026-11-22T10:00:00Z"
 * }
 * ```
 *
 * `entityRef` is always required (`payments-api` is short for `component:default/payments-api`).
 * `action` defaults to `trigger`, which needs `title` and `severity` (`critical`, `error`,
 * `warning` or `info`); `acknowledge` and `resolve` need `dedupKey`. A trigger without `dedupKey`
 * always opens a new incident; its generated key is returned.
 */
export const jsonAlertSchema = z
  .object({
    entityRef: nonBlank,
    action: z
      .enum(['trigger', 'acknowledge', 'resolve'], {
        errorMap: () => ({
          message: "must be 'trigger', 'acknowledge' or 'resolve'",
        }),
      })
      .default('trigger'),
    title: nonBlank.optional(),
    severity: z
      .enum(['critical', 'error', 'warning', 'info'], {
        errorMap: () => ({
          message: "must be 'critical', 'error', 'warning' or 'info'",
        }),
      })
      .optional(),
    dedupKey: nonBlank.optional(),
    details: z.record(z.unknown()).optional(),
    occurredAt: z
      .string()
      .refine(
        value => !Number.isNaN(Date.parse(value)),
        'must be an ISO 8601 time',
      )
      .optional(),
  })
  .strict()
  .superRefine((alert, ctx) => {
    if (alert.action === 'trigger') {
      if (alert.title === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['title'],
          message: 'is required to trigger',
        });
      }
      if (alert.severity === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['severity'],
          message: 'is required to trigger',
        });
      }
    } else if (alert.dedupKey === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['dedupKey'],
        message: `is required to ${alert.action}`,
      });
    }
  });

/** A parsed plain alert and the dedup key to answer with (as sent, or generated). */
export interface JsonAlert {
  signal: ParsedSignal;
  dedupKey: string;
}

/** Parses {@link jsonAlertSchema}; throws `InputError` naming the fields that are wrong. */
export function parseJsonAlert(
  body: unknown,
  options: { generateKey?: () => string } = {},
): JsonAlert {
  const parsed = jsonAlertSchema.safeParse(body);
  if (!parsed.success) {
    throw inputErrorFromZod('alert', parsed.error);
  }
  const alert = parsed.data;
  const entity = { ref: alert.entityRef, from: "field 'entityRef'" };
  entityRefFromHint(entity);
  const dedupKey = alert.dedupKey ?? (options.generateKey ?? randomUUID)();
  return {
    dedupKey,
    signal: {
      action: alert.action,
      dedupKey: boundedDedupKey(dedupKey),
      entity,
      title: boundedTitle(alert.title ?? `${alert.action} ${dedupKey}`),
      severity: alert.severity ?? 'critical',
      source: 'json',
      integrationKey: 'json',
      rawPayload: { ...alert, dedupKey },
      occurredAt: optionalTime(alert.occurredAt),
    },
  };
}
