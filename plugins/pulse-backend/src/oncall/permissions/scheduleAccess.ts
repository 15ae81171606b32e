import {
  createConditionExports,
  createPermissionResourceRef,
  createPermissionRule,
} from '@backstage/plugin-permission-node';
import { RESOURCE_TYPE_PULSE_SCHEDULE } from '@pulse-oss/plugin-pulse-common';
import type {
  StandardJSONSchemaV1,
  StandardSchemaV1,
} from '@standard-schema/spec';
import { EscalationPolicy } from '../escalation';
import { Schedule } from '../schedule';

/**
 * A schedule as permission rules see it: who is in it, and who owns the services it pages for.
 * Refs are lower case.
 *
 * @public
 */
export interface ScheduleResource {
  id: string;
  /** The users and groups its layers name. */
  memberRefs: string[];
  /** Owners of the catalog entities whose escalation policy pages this schedule. */
  ownerRefs: string[];
}

/**
 * A schedule filter; rules are only ever applied to loaded schedules.
 *
 * @public
 */
export type ScheduleQuery = (schedule: ScheduleResource) => boolean;

/** The `pulse-schedule` resource type; its conditions are evaluated by the Pulse backend. */
export const pulseScheduleResourceRef = createPermissionResourceRef<
  ScheduleResource,
  ScheduleQuery
>().with({ pluginId: 'pulse', resourceType: RESOURCE_TYPE_PULSE_SCHEDULE });

/**
 * The parameters of both rules.
 *
 * @public
 */
export type ClaimsParams = { claims: string[] };

const CLAIMS_JSON_SCHEMA = {
  type: 'object',
  required: ['claims'],
  additionalProperties: false,
  properties: {
    claims: {
      type: 'array',
      items: { type: 'string' },
      description:
        "The caller's ownership refs: `user.info.ownershipEntityRefs` in a policy",
    },
  },
};

/** `{ claims: string[] }` as a Standard Schema, which permission rules take for their parameters. */
const claimsSchema: StandardSchemaV1<ClaimsParams> &
  StandardJSONSchemaV1<ClaimsParams> = {
  '~standard': {
    version: 1,
    vendor: 'pulse',
    validate(value) {
      const claims = (value as { claims?: unknown } | null)?.claims;
      if (
        !Array.isArray(claims) ||
        !claims.every(claim => typeof claim === 'string')
      ) {
        return {
          issues: [{ message: 'claims must be a list of entity refs' }],
        };
      }
      return { value: { claims } };
    },
    jsonSchema: {
      input: () => CLAIMS_JSON_SCHEMA,
      output: () => CLAIMS_JSON_SCHEMA,
    },
  },
};

function intersects(refs: string[], claims: string[]): boolean {
  const lower = new Set(claims.map(claim => claim.toLocaleLowerCase('en-US')));
  return refs.some(ref => lower.has(ref));
}

/** The caller (or one of their groups) is named in one of the schedule's layers. */
export const isScheduleMember = createPermissionRule({
  name: 'IS_SCHEDULE_MEMBER',
  description:
    'Allow callers named in a layer of the schedule, directly or through a group they belong to',
  resourceRef: pulseScheduleResourceRef,
  paramsSchema: claimsSchema,
  apply: (schedule, { claims }) => intersects(schedule.memberRefs, claims),
  toQuery:
    ({ claims }) =>
    schedule =>
      intersects(schedule.memberRefs, claims),
});

/** The caller (or one of their groups) owns a service whose escalation policy pages the schedule. */
export const servesOwnedEntity = createPermissionRule({
  name: 'SERVES_OWNED_ENTITY',
  description:
    'Allow owners of catalog entities whose escalation policy pages the schedule',
  resourceRef: pulseScheduleResourceRef,
  paramsSchema: claimsSchema,
  apply: (schedule, { claims }) => intersects(schedule.ownerRefs, claims),
  toQuery:
    ({ claims }) =>
    schedule =>
      intersects(schedule.ownerRefs, claims),
});

/** The rules of the `pulse-schedule` resource type. */
export const scheduleRules = { isScheduleMember, servesOwnedEntity };

const exported = createConditionExports({
  resourceRef: pulseScheduleResourceRef,
  rules: scheduleRules,
});

/**
 * Conditions on schedules for permission policies, e.g.
 * `pulseScheduleConditions.isScheduleMember({ claims: user.info.ownershipEntityRefs })`.
 *
 * @public
 */
export const pulseScheduleConditions = exported.conditions;

/**
 * A conditional decision on a schedule permission (`pulse.oncall.read`,
 * `pulse.oncall.override.create`, `pulse.oncall.override.delete`).
 *
 * @public
 */
export const createPulseScheduleConditionalDecision =
  exported.createConditionalDecision;

/** The users and groups a schedule's layers name, lower case. */
export function scheduleMemberRefs(schedule: Schedule): string[] {
  const refs = new Set<string>();
  for (const layer of schedule.layers) {
    for (const member of layer.members) {
      if (member) refs.add(member.toLocaleLowerCase('en-US'));
    }
  }
  return [...refs].sort();
}

/** The schedules a policy's steps page. */
export function schedulesPagedBy(policy: EscalationPolicy): string[] {
  const ids = new Set<string>();
  for (const step of policy.steps) {
    for (const target of step.targets) {
      if (target.type === 'schedule') ids.add(target.scheduleId);
    }
  }
  return [...ids];
}
