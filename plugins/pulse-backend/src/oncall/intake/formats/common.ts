import { InputError } from '@backstage/errors';
import { IncidentSeverity } from '@pulse-oss/plugin-pulse-common';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { normalizeEntityRef } from '../../../service/entityRefs';
import { AlertSignal } from '../../incidents/IncidentIntake';

/** The longest dedup key stored as is (PagerDuty's limit); longer keys are hashed. */
export const MAX_DEDUP_KEY_LENGTH = 255;

/** Incident titles longer than this are cut (with an ellipsis), as PagerDuty cuts `summary`. */
export const MAX_TITLE_LENGTH = 1024;

/**
 * Where the service an alert is about was named, for error messages: `label entity_ref`,
 * `query entityRef`, `label service`, `routing_key`, `field entityRef`, ...
 */
export interface EntityHint {
  /** The entity ref as written (not yet checked against the catalog). */
  ref: string;
  from: string;
}

/**
 * A signal parsed from one alert of a delivery, before its service is checked against the
 * catalog: `entity` says which service it names and where.
 */
export interface ParsedSignal extends Omit<AlertSignal, 'entityRef'> {
  entity: EntityHint;
}

/**
 * A dedup key no longer than 255 characters: short keys are kept as they are, longer ones are
 * replaced by `<prefix>sha256:<64 hex digits>` of the whole key, so the same long key always maps
 * to the same stored key (oncall scenario 43).
 */
export function boundedDedupKey(key: string, prefix = ''): string {
  const full = `${prefix}${key}`;
  if (full.length <= MAX_DEDUP_KEY_LENGTH) {
    return full;
  }
  return `${prefix}sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/** Cuts a title to {@link MAX_TITLE_LENGTH} characters, never between the halves of a surrogate pair. */
export function boundedTitle(title: string): string {
  const oneLine = title.replace(/\s+/g, ' ').trim();
  if (oneLine.length <= MAX_TITLE_LENGTH) {
    return oneLine;
  }
  let end = MAX_TITLE_LENGTH - 1;
  const last = oneLine.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) {
    end -= 1;
  }
  return `${oneLine.slice(0, end)}…`;
}

const SEVERITY_WORDS: Record<string, IncidentSeverity> = {
  critical: 'critical',
  crit: 'critical',
  fatal: 'critical',
  emergency: 'critical',
  page: 'critical',
  high: 'critical',
  p1: 'critical',
  sev1: 'critical',
  error: 'error',
  err: 'error',
  major: 'error',
  p2: 'error',
  sev2: 'error',
  warning: 'warning',
  warn: 'warning',
  minor: 'warning',
  medium: 'warning',
  p3: 'warning',
  sev3: 'warning',
  info: 'info',
  informational: 'info',
  notice: 'info',
  low: 'info',
  none: 'info',
  p4: 'info',
  p5: 'info',
  sev4: 'info',
  sev5: 'info',
};

/**
 * Maps a monitoring tool's severity word (a `severity` label, a priority) onto PagerDuty's scale.
 * A missing or unknown word pages as `critical`, as PagerDuty's own Alertmanager integration does:
 * an alert routed to the pager is assumed to deserve it.
 */
export function severityFromWord(word: string | undefined): IncidentSeverity {
  if (!word) {
    return 'critical';
  }
  const key = word.trim().toLowerCase();
  // Own keys only: `constructor` or `toString` is an unknown word, not Object's method.
  return Object.hasOwn(SEVERITY_WORDS, key) ? SEVERITY_WORDS[key] : 'critical';
}

/**
 * The entity ref an alert names, in Pulse's normal form: senders write `component:default/x`,
 * `default/x`, or a bare `x` for a component in the default namespace, so this is
 * {@link normalizeEntityRef} with `component` as the default kind. A value that is not an entity
 * ref is an `InputError` naming where the alert named it.
 */
export function entityRefFromHint(hint: EntityHint): string {
  const ref = normalizeEntityRef(hint.ref.trim(), { defaultKind: 'component' });
  if (!ref) {
    throw new InputError(
      `Invalid entity ref '${hint.ref}' in ${hint.from}: expected [<kind>:][<namespace>/]<name>`,
    );
  }
  return ref;
}

/** An RFC 3339 time, or undefined for a missing, invalid or zero (`0001-01-01`) time. */
export function optionalTime(value: unknown): Date | undefined {
  if (typeof value !== 'string' || value === '') {
    return undefined;
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || new Date(ms).getUTCFullYear() <= 1) {
    return undefined;
  }
  return new Date(ms);
}

/** A short stable digest of a label set, for alerts that arrive without a fingerprint. */
export function labelsFingerprint(labels: Record<string, string>): string {
  const canonical = JSON.stringify(
    Object.keys(labels)
      .sort()
      .map(name => [name, labels[name]]),
  );
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/**
 * Turns zod issues into an {@link InputError} that names each offending field, e.g.
 * `Invalid Alertmanager payload: alerts[0].status: expected 'firing' or 'resolved'`.
 */
export function inputErrorFromZod(
  what: string,
  error: z.ZodError,
): InputError & { fieldErrors: string[] } {
  const fieldErrors = describeZodIssues(error);
  const result = new InputError(
    `Invalid ${what}: ${fieldErrors.join('; ')}`,
  ) as InputError & { fieldErrors: string[] };
  result.fieldErrors = fieldErrors;
  return result;
}

/** One message per zod issue, each starting with the field's path. */
export function describeZodIssues(error: z.ZodError): string[] {
  return error.issues.map(issue => {
    const path = issue.path.reduce<string>((acc, part) => {
      if (typeof part === 'number') {
        return `${acc}[${part}]`;
      }
      return acc ? `${acc}.${part}` : part;
    }, '');
    const message =
      issue.code === 'invalid_type' && issue.received === 'undefined'
        ? 'is required'
        : issue.message;
    return path ? `${path}: ${message}` : message;
  });
}

/** Label and annotation maps: string values; other values are refused by field. */
export const stringMap = z.record(z.string());
