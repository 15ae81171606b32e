import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { IncidentSeverity } from '@pulse-oss/plugin-pulse-common';
import { normalizeEntityRef } from '../../service/entityRefs';
import {
  DEFAULT_INCIDENT_KINDS,
  IncidentKinds,
  incidentKindProblem,
} from './entityKinds';

/** One incident per Alertmanager alert `fingerprint`, or one per notification `groupKey`. */
export type AlertmanagerGrouping = 'fingerprint' | 'groupKey';

/** A heartbeat monitor: an incident opens when no ping arrives within the interval. */
export interface HeartbeatMonitorConfig {
  id: string;
  entityRef: string;
  intervalSeconds: number;
  title: string;
  severity: IncidentSeverity;
}

/** A simple token bucket per caller: `burst` requests at once, refilled at `requestsPerSecond`. */
export interface IntakeRateLimit {
  requestsPerSecond: number;
  burst: number;
}

/** The alert-intake part of `pulse.oncall`, read once at start-up. */
export interface IntakeConfig extends IncidentKinds {
  /** Bodies above this many bytes are refused with 413. */
  maxBodyBytes: number;
  /** A body not received whole within this many milliseconds is refused with 408. */
  bodyTimeoutMs: number;
  alertmanagerGrouping: AlertmanagerGrouping;
  /** PagerDuty Events API v2 `routing_key` to the entity ref it pages. */
  routingKeys: Map<string, string>;
  heartbeats: HeartbeatMonitorConfig[];
  rateLimit: IntakeRateLimit;
}

/** 512 KB, PagerDuty's own limit for an Events API v2 request. */
export const DEFAULT_MAX_BODY_BYTES = 512 * 1024;

/** 30 s: an alert sender posts a few kilobytes at once; a slower body is a stalled sender. */
export const DEFAULT_BODY_TIMEOUT_SECONDS = 30;

/** Per caller (token), across all replicas: 50 requests a second sustained, bursts of 200. */
export const DEFAULT_RATE_LIMIT: IntakeRateLimit = {
  requestsPerSecond: 50,
  burst: 200,
};

const SEVERITIES: IncidentSeverity[] = ['critical', 'error', 'warning', 'info'];

/** Heartbeat ids appear in URLs and dedup keys. */
const HEARTBEAT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

function configError(key: string, message: string): InputError {
  return new InputError(
    `Invalid Pulse configuration at 'pulse.oncall.${key}': ${message}`,
  );
}

/**
 * An entity ref written by an admin (`component:default/x`, `x` for a component in the default
 * namespace) in Pulse's normal form, naming the key when it is not a ref.
 */
function readEntityRef(
  value: unknown,
  key: string,
  kinds: IncidentKinds,
): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw configError(
      key,
      'must be an entity ref such as component:default/payments-api',
    );
  }
  const ref = normalizeEntityRef(value.trim(), { defaultKind: 'component' });
  if (!ref) {
    throw configError(
      key,
      `'${value}' is not an entity ref ([<kind>:][<namespace>/]<name>)`,
    );
  }
  const problem = incidentKindProblem(ref, kinds);
  if (problem) {
    throw configError(key, problem);
  }
  return ref;
}

/** Kind names as the catalog writes them: a letter, then letters, digits, '-' or '_'. */
const KIND_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

function readEntityKinds(intake: Config | undefined): string[] {
  if (!intake?.has('entityKinds')) {
    return [...DEFAULT_INCIDENT_KINDS];
  }
  const raw = intake.getOptional('entityKinds');
  if (
    !Array.isArray(raw) ||
    raw.length === 0 ||
    raw.some(kind => typeof kind !== 'string' || !KIND_NAME.test(kind))
  ) {
    throw configError(
      'intake.entityKinds',
      'must be a non-empty list of catalog kinds, e.g. [Component, Resource, System]',
    );
  }
  return raw as string[];
}

/** Fractions allowed (tests use a fraction of a second); at most Node's own 300 s. */
function readBodyTimeoutMs(intake: Config | undefined): number {
  if (!intake?.has('bodyTimeoutSeconds')) {
    return DEFAULT_BODY_TIMEOUT_SECONDS * 1000;
  }
  let value: number;
  try {
    value = intake.getNumber('bodyTimeoutSeconds');
  } catch {
    throw configError('intake.bodyTimeoutSeconds', 'must be a number');
  }
  if (!(value >= 0.01 && value <= 300)) {
    throw configError(
      'intake.bodyTimeoutSeconds',
      `must be a number of seconds from 0.01 to 300, got ${value}`,
    );
  }
  return Math.round(value * 1000);
}

function readPositiveInteger(
  config: Config,
  key: string,
  fullKey: string,
  options: { min: number; max?: number },
): number | undefined {
  if (!config.has(key)) {
    return undefined;
  }
  let value: number;
  try {
    value = config.getNumber(key);
  } catch {
    throw configError(fullKey, 'must be a number');
  }
  if (
    !Number.isInteger(value) ||
    value < options.min ||
    (options.max !== undefined && value > options.max)
  ) {
    throw configError(
      fullKey,
      `must be a whole number from ${options.min}${
        options.max !== undefined ? ` to ${options.max}` : ''
      }, got ${value}`,
    );
  }
  return value;
}

/**
 * Routing keys are read as a raw object: PagerDuty keys are often 32 hex characters starting
 * with a digit, which Backstage's config reader refuses as a key name in `getString`.
 */
function readRoutingKeys(
  oncall: Config,
  kinds: IncidentKinds,
): Map<string, string> {
  const routingKeys = new Map<string, string>();
  const raw = oncall.getOptional('routingKeys');
  if (raw === undefined) {
    return routingKeys;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw configError(
      'routingKeys',
      'must be an object mapping each routing key to an entity ref',
    );
  }
  for (const [routingKey, entityRef] of Object.entries(raw)) {
    if (!/^\S{1,255}$/.test(routingKey)) {
      throw configError(
        'routingKeys',
        'a routing key must be 1 to 255 characters without spaces',
      );
    }
    // The key itself is a secret: name the entry by position, not by its value.
    const position = routingKeys.size + 1;
    routingKeys.set(
      routingKey,
      readEntityRef(entityRef, `routingKeys (entry ${position})`, kinds),
    );
  }
  return routingKeys;
}

function readHeartbeats(
  oncall: Config,
  kinds: IncidentKinds,
): HeartbeatMonitorConfig[] {
  if (!oncall.has('heartbeats')) {
    return [];
  }
  let entries: Config[];
  try {
    entries = oncall.getConfigArray('heartbeats');
  } catch {
    throw configError('heartbeats', 'must be a list of heartbeat monitors');
  }
  const seen = new Set<string>();
  return entries.map((entry, index) => {
    const key = `heartbeats[${index}]`;
    const id = entry.getOptional('id');
    if (typeof id !== 'string' || !HEARTBEAT_ID.test(id)) {
      throw configError(
        `${key}.id`,
        "must be 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit",
      );
    }
    if (seen.has(id)) {
      throw configError(`${key}.id`, `duplicate heartbeat id '${id}'`);
    }
    seen.add(id);
    const intervalSeconds = readPositiveInteger(
      entry,
      'intervalSeconds',
      `${key}.intervalSeconds`,
      { min: 1, max: 31 * 24 * 3600 },
    );
    if (intervalSeconds === undefined) {
      throw configError(`${key}.intervalSeconds`, 'is required');
    }
    const title = entry.getOptional('title');
    if (title !== undefined && (typeof title !== 'string' || !title.trim())) {
      throw configError(`${key}.title`, 'must be a non-empty string');
    }
    const severity = entry.getOptional('severity') ?? 'critical';
    if (!SEVERITIES.includes(severity as IncidentSeverity)) {
      throw configError(
        `${key}.severity`,
        `must be one of ${SEVERITIES.join(', ')}, got '${String(severity)}'`,
      );
    }
    return {
      id,
      entityRef: readEntityRef(
        entry.getOptional('entityRef'),
        `${key}.entityRef`,
        kinds,
      ),
      intervalSeconds,
      title: (title as string | undefined)?.trim() ?? `Heartbeat ${id} missed`,
      severity: severity as IncidentSeverity,
    };
  });
}

/**
 * Reads and validates the alert-intake settings under `pulse.oncall`: `intake.*`, `routingKeys`
 * and `heartbeats`. A mistake fails start-up with a message that names the key; so does a routing
 * key or heartbeat naming an entity of a kind that cannot have incidents.
 */
export function readIntakeConfig(rootConfig: Config): IntakeConfig {
  const oncall = rootConfig.getOptionalConfig('pulse.oncall');
  const intake = oncall?.getOptionalConfig('intake');
  const kinds: IncidentKinds = { entityKinds: readEntityKinds(intake) };

  const maxBodyBytes =
    (intake &&
      readPositiveInteger(intake, 'maxBodyBytes', 'intake.maxBodyBytes', {
        min: 1024,
        max: 64 * 1024 * 1024,
      })) ??
    DEFAULT_MAX_BODY_BYTES;

  const grouping = intake?.getOptional('alertmanagerGrouping') ?? 'fingerprint';
  if (grouping !== 'fingerprint' && grouping !== 'groupKey') {
    throw configError(
      'intake.alertmanagerGrouping',
      `must be 'fingerprint' or 'groupKey', got '${String(grouping)}'`,
    );
  }

  const rateLimitConfig = intake?.getOptionalConfig('rateLimit');
  const rateLimit: IntakeRateLimit = {
    requestsPerSecond:
      (rateLimitConfig &&
        readPositiveInteger(
          rateLimitConfig,
          'requestsPerSecond',
          'intake.rateLimit.requestsPerSecond',
          { min: 1 },
        )) ??
      DEFAULT_RATE_LIMIT.requestsPerSecond,
    burst:
      (rateLimitConfig &&
        readPositiveInteger(
          rateLimitConfig,
          'burst',
          'intake.rateLimit.burst',
          {
            min: 1,
          },
        )) ??
      DEFAULT_RATE_LIMIT.burst,
  };

  return {
    maxBodyBytes,
    bodyTimeoutMs: readBodyTimeoutMs(intake),
    alertmanagerGrouping: grouping,
    entityKinds: kinds.entityKinds,
    routingKeys: oncall ? readRoutingKeys(oncall, kinds) : new Map(),
    heartbeats: oncall ? readHeartbeats(oncall, kinds) : [],
    rateLimit,
  };
}
