import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { Config, ConfigReader } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { normalizeEntityRef } from '../service/entityRefs';
import {
  EscalationPolicy,
  EscalationTarget,
  validateEscalationPolicy,
} from './escalation';
import { IsoWeekday } from './localTime';
import {
  Restriction,
  RotationLength,
  Schedule,
  validateSchedule,
} from './schedule';

/** A configured outbound webhook: the policy snapshot holds its URL, config its name and headers. */
export interface WebhookConfig {
  name: string;
  url: string;
  headers: Record<string, string>;
}

/**
 * `pulse.oncall` (schedules, policies, escalation), read once at start-up and validated; alert
 * intake reads its own keys (`routingKeys`, `heartbeats`, `intake`). Schedule layer members may still be group
 * refs here; they are expanded to users from the catalog when a schedule is computed.
 */
export interface OncallConfig {
  schedules: Schedule[];
  policies: EscalationPolicy[];
  /** Webhook targets by URL. */
  webhooks: Map<string, WebhookConfig>;
  defaultPolicyId: string | null;
  /** Default policy per owning group ref. */
  groupPolicies: Map<string, string>;
  escalation: {
    schedule: SchedulerServiceTaskScheduleDefinition;
    leaseSeconds: number;
    watchdogGraceMinutes: number;
  };
  /** App path of an incident; `{id}` is replaced with its id. */
  incidentLinkPath: string;
}

export const DEFAULT_ESCALATION_SCHEDULE: SchedulerServiceTaskScheduleDefinition =
  {
    frequency: { seconds: 15 },
    timeout: { minutes: 2 },
    initialDelay: { seconds: 5 },
    scope: 'global',
  };

const PREFIX = 'pulse.oncall';

/** A config key and what is wrong at it. */
interface Problem {
  key: string;
  message: string;
}

function refProblem(
  value: string,
  kinds: string[],
  key: string,
): { ref?: string; problem?: Problem } {
  const hasKind = /^[^:/]+:/.test(value);
  const ref = hasKind ? normalizeEntityRef(value, { kinds }) : undefined;
  if (!ref) {
    return {
      problem: {
        key,
        message: `"${value}" is not a ${kinds.join(' or ')} entity ref (e.g. ${
          kinds[0]
        }:default/name)`,
      },
    };
  }
  return { ref };
}

/**
 * A map whose keys are not config keys (entity refs, header names), read as a plain object
 * because config keys may not contain `:` or `/`.
 */
function readStringMap(
  value: unknown,
  key: string,
  problems: Problem[],
): Record<string, string> {
  if (value === undefined) {
    return {};
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push({ key, message: 'must be a map of strings' });
    return {};
  }
  const result: Record<string, string> = {};
  for (const [name, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') {
      problems.push({ key: `${key}["${name}"]`, message: 'must be a string' });
    } else {
      result[name] = entry;
    }
  }
  return result;
}

function readRotation(
  layer: Config,
  key: string,
  problems: Problem[],
): RotationLength {
  const value = layer.getOptional('rotation');
  if (value === 'daily' || value === 'weekly') {
    return { unit: value };
  }
  if (
    value &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    typeof (value as { hours?: unknown }).hours === 'number'
  ) {
    return { unit: 'hours', hours: (value as { hours: number }).hours };
  }
  problems.push({
    key: `${key}.rotation`,
    message: 'must be "daily", "weekly" or { hours: <number> }',
  });
  return { unit: 'daily' };
}

function readRestriction(
  config: Config,
  key: string,
  problems: Problem[],
): Restriction {
  const type = config.getString('type');
  const startTime = config.getString('startTime');
  const endTime = config.getString('endTime');
  if (type === 'weekly') {
    return {
      kind: 'weekly',
      startDay: config.getOptionalNumber('startDay') as IsoWeekday,
      startTime,
      endDay: config.getOptionalNumber('endDay') as IsoWeekday,
      endTime,
    };
  }
  if (type !== 'daily') {
    problems.push({
      key: `${key}.type`,
      message: 'must be "daily" or "weekly"',
    });
  }
  return { kind: 'daily', startTime, endTime };
}

function readSchedules(config: Config, problems: Problem[]): Schedule[] {
  const schedules = config.getOptionalConfigArray('schedules') ?? [];
  const seen = new Set<string>();
  return schedules.map((scheduleConfig, index) => {
    const key = `${PREFIX}.schedules[${index}]`;
    const schedule: Schedule = {
      id: scheduleConfig.getString('id'),
      name: scheduleConfig.getString('name'),
      timeZone: scheduleConfig.getString('timeZone'),
      layers: scheduleConfig.getConfigArray('layers').map((layer, l) => {
        const layerKey = `${key}.layers[${l}]`;
        const members = layer.getStringArray('members').map((member, m) => {
          const { ref, problem } = refProblem(
            member,
            ['user', 'group'],
            `${layerKey}.members[${m}]`,
          );
          if (problem) {
            problems.push(problem);
          }
          return ref ?? member;
        });
        return {
          id: layer.getOptionalString('id') ?? `layer-${l + 1}`,
          members,
          rotation: readRotation(layer, layerKey, problems),
          handoffTime: layer.getOptionalString('handoffTime') ?? '09:00',
          start: layer.getString('start'),
          restrictions: (
            layer.getOptionalConfigArray('restrictions') ?? []
          ).map((restriction, r) =>
            readRestriction(
              restriction,
              `${layerKey}.restrictions[${r}]`,
              problems,
            ),
          ),
        };
      }),
    };
    if (seen.has(schedule.id)) {
      problems.push({
        key: `${key}.id`,
        message: `duplicate schedule id "${schedule.id}"`,
      });
    }
    seen.add(schedule.id);
    for (const problem of validateSchedule(schedule)) {
      problems.push({
        key: `${key}.${problem.path}`,
        message: problem.message,
      });
    }
    return schedule;
  });
}

function readTarget(
  target: Config,
  key: string,
  scheduleIds: Set<string>,
  webhooks: Map<string, WebhookConfig>,
  problems: Problem[],
): EscalationTarget | undefined {
  const kinds = ['schedule', 'user', 'group', 'webhook'].filter(kind =>
    target.has(kind),
  );
  if (kinds.length !== 1) {
    problems.push({
      key,
      message:
        'must have exactly one of "schedule", "user", "group" or "webhook"',
    });
    return undefined;
  }
  switch (kinds[0]) {
    case 'schedule': {
      const scheduleId = target.getString('schedule');
      if (!scheduleIds.has(scheduleId)) {
        problems.push({
          key: `${key}.schedule`,
          message: `unknown schedule "${scheduleId}"`,
        });
      }
      return { type: 'schedule', scheduleId };
    }
    case 'user':
    case 'group': {
      const kind = kinds[0];
      const { ref, problem } = refProblem(
        target.getString(kind),
        [kind],
        `${key}.${kind}`,
      );
      if (problem) {
        problems.push(problem);
        return undefined;
      }
      return kind === 'user'
        ? { type: 'user', userRef: ref! }
        : { type: 'group', groupRef: ref! };
    }
    default: {
      const url = target.getString('webhook.url');
      const headers = readStringMap(
        target.getOptional('webhook.headers'),
        `${key}.webhook.headers`,
        problems,
      );
      const webhook: WebhookConfig = {
        name:
          target.getOptionalString('webhook.name') ??
          new URL(url, 'http://invalid').host,
        url,
        headers,
      };
      const existing = webhooks.get(url);
      if (
        existing &&
        JSON.stringify(existing.headers) !== JSON.stringify(webhook.headers)
      ) {
        problems.push({
          key: `${key}.webhook.headers`,
          message:
            'the same webhook URL is configured elsewhere with other headers; use one set of headers per URL',
        });
      }
      webhooks.set(url, existing ?? webhook);
      return { type: 'webhook', url };
    }
  }
}

function readPolicies(
  config: Config,
  scheduleIds: Set<string>,
  webhooks: Map<string, WebhookConfig>,
  problems: Problem[],
): EscalationPolicy[] {
  const policies = config.getOptionalConfigArray('escalationPolicies') ?? [];
  const seen = new Set<string>();
  return policies.map((policyConfig, index) => {
    const key = `${PREFIX}.escalationPolicies[${index}]`;
    const ackTimeoutMinutes =
      policyConfig.getOptionalNumber('ackTimeoutMinutes');
    const stepsConfig = policyConfig.getOptionalConfigArray('steps') ?? [];
    const policy: EscalationPolicy = {
      id: policyConfig.getString('id'),
      name: policyConfig.getString('name'),
      repeat: policyConfig.getOptionalNumber('repeat') ?? 0,
      ...(ackTimeoutMinutes !== undefined && { ackTimeoutMinutes }),
      steps: stepsConfig.map((step, s) => {
        const stepKey = `${key}.steps[${s}]`;
        const targets = (step.getOptionalConfigArray('targets') ?? []).flatMap(
          (target, t) => {
            const read = readTarget(
              target,
              `${stepKey}.targets[${t}]`,
              scheduleIds,
              webhooks,
              problems,
            );
            return read ? [read] : [];
          },
        );
        const roundRobin = step.getOptionalBoolean('roundRobin') ?? false;
        return {
          delayMinutes: step.getNumber('delayMinutes'),
          targets,
          ...(roundRobin && { roundRobin }),
        };
      }),
    };
    if (seen.has(policy.id)) {
      problems.push({
        key: `${key}.id`,
        message: `duplicate escalation policy id "${policy.id}"`,
      });
    }
    seen.add(policy.id);
    for (const problem of validateEscalationPolicy(policy)) {
      // A target already reported above (bad ref) is left out of `targets`; report the step only
      // when it truly has none configured.
      if (
        problem.path.endsWith('.targets') &&
        problems.some(p => p.key.startsWith(`${key}.${problem.path}[`))
      ) {
        continue;
      }
      problems.push({
        key: `${key}.${problem.path}`,
        message: problem.message,
      });
    }
    return policy;
  });
}

function readEscalationSchedule(
  config: Config,
): SchedulerServiceTaskScheduleDefinition {
  if (!config.has('escalation.schedule')) {
    return DEFAULT_ESCALATION_SCHEDULE;
  }
  try {
    return {
      ...readSchedulerServiceTaskScheduleDefinitionFromConfig(
        config.getConfig('escalation.schedule'),
      ),
      scope: 'global',
    };
  } catch (error) {
    throw new InputError(
      `Invalid Pulse configuration at '${PREFIX}.escalation.schedule': ${
        (error as Error).message
      }`,
    );
  }
}

/**
 * Reads and validates `pulse.oncall`. Every problem is collected; start-up fails with all of them,
 * each naming its key, e.g. `pulse.oncall.escalationPolicies[1].steps[0].targets`.
 */
export function readOncallConfig(rootConfig: Config): OncallConfig {
  const config = rootConfig.getOptionalConfig(PREFIX) ?? new ConfigReader({});
  const problems: Problem[] = [];
  const webhooks = new Map<string, WebhookConfig>();

  const schedules = readSchedules(config, problems);
  const scheduleIds = new Set(schedules.map(s => s.id));
  const policies = readPolicies(config, scheduleIds, webhooks, problems);
  const policyIds = new Set(policies.map(p => p.id));

  const defaultPolicyId =
    config.getOptionalString('defaultEscalationPolicy') ?? null;
  if (defaultPolicyId !== null && !policyIds.has(defaultPolicyId)) {
    problems.push({
      key: `${PREFIX}.defaultEscalationPolicy`,
      message: `unknown escalation policy "${defaultPolicyId}"`,
    });
  }

  const groupPolicies = new Map<string, string>();
  const groupPoliciesKey = `${PREFIX}.groupEscalationPolicies`;
  const groupPolicyIds = readStringMap(
    config.getOptional('groupEscalationPolicies'),
    groupPoliciesKey,
    problems,
  );
  for (const [group, policyId] of Object.entries(groupPolicyIds)) {
    const key = `${groupPoliciesKey}["${group}"]`;
    const { ref, problem } = refProblem(group, ['group'], key);
    if (problem) {
      problems.push(problem);
    } else if (!policyIds.has(policyId)) {
      problems.push({
        key,
        message: `unknown escalation policy "${policyId}"`,
      });
    } else {
      groupPolicies.set(ref!, policyId);
    }
  }

  const leaseSeconds =
    config.getOptionalNumber('escalation.leaseSeconds') ?? 60;
  if (!(leaseSeconds >= 5)) {
    problems.push({
      key: `${PREFIX}.escalation.leaseSeconds`,
      message: 'must be at least 5',
    });
  }
  const watchdogGraceMinutes =
    config.getOptionalNumber('escalation.watchdogGraceMinutes') ?? 3;
  if (!(watchdogGraceMinutes > 0)) {
    problems.push({
      key: `${PREFIX}.escalation.watchdogGraceMinutes`,
      message: 'must be a positive number',
    });
  }

  const incidentLinkPath =
    config.getOptionalString('incidentLinkPath') ?? '/pulse/incidents/{id}';
  if (!incidentLinkPath.includes('{id}')) {
    problems.push({
      key: `${PREFIX}.incidentLinkPath`,
      message: 'must contain "{id}"',
    });
  }

  if (problems.length > 0) {
    const lines = problems.map(p => `'${p.key}': ${p.message}`);
    throw new InputError(
      `Invalid Pulse configuration at ${lines.join('; at ')}`,
    );
  }

  return {
    schedules,
    policies,
    webhooks,
    defaultPolicyId,
    groupPolicies,
    escalation: {
      schedule: readEscalationSchedule(config),
      leaseSeconds,
      watchdogGraceMinutes,
    },
    incidentLinkPath,
  };
}
