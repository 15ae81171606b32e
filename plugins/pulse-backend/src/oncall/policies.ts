import {
  Entity,
  parseEntityRef,
  RELATION_OWNED_BY,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { ESCALATION_POLICY_ANNOTATION } from '@pulse-oss/plugin-pulse-common';
import { OncallConfig } from './config';
import { EscalationPolicy } from './escalation';

/** Which escalation policy an entity's incidents follow, and why. */
export interface PolicyChoice {
  policy: EscalationPolicy | null;
  chosenBy: 'annotation' | 'owner-group' | 'default' | null;
  /** Set when something is wrong: an annotation naming an unknown policy, or no policy at all. */
  problem: string | null;
}

/** Where the incident service gets escalation policies from. */
export interface EscalationPolicySource {
  policyFor(entityRef: string): Promise<PolicyChoice>;
  policy(policyId: string): EscalationPolicy | undefined;
}

/** A source with no policies: incidents open but nobody is paged (used in intake tests). */
export const noEscalationPolicies: EscalationPolicySource = {
  async policyFor(entityRef) {
    return {
      policy: null,
      chosenBy: null,
      problem: `No escalation policy applies to ${entityRef}`,
    };
  },
  policy: () => undefined,
};

/** The groups (or users) that own an entity, lower case: its ownedBy relations, else `spec.owner`. */
export function ownerGroupRefs(entity: Entity): string[] {
  const fromRelations = (entity.relations ?? [])
    .filter(r => r.type === RELATION_OWNED_BY)
    .map(r => r.targetRef.toLocaleLowerCase('en-US'));
  if (fromRelations.length > 0) {
    return fromRelations;
  }
  const owner = (entity.spec as { owner?: unknown } | undefined)?.owner;
  if (typeof owner !== 'string') {
    return [];
  }
  try {
    return [
      stringifyEntityRef(
        parseEntityRef(owner, {
          defaultKind: 'group',
          defaultNamespace: entity.metadata.namespace ?? 'default',
        }),
      ).toLocaleLowerCase('en-US'),
    ];
  } catch {
    return [];
  }
}

/**
 * The policy rule: the entity's `pulse.dev/escalation-policy` annotation, else its owning group's
 * default, else the global default. An annotation naming an unknown policy is reported as a
 * problem, and the next rule still applies so that someone is paged.
 */
export function choosePolicy(
  config: Pick<OncallConfig, 'policies' | 'groupPolicies' | 'defaultPolicyId'>,
  entityRef: string,
  entity: Entity | undefined,
): PolicyChoice {
  const byId = (id: string) => config.policies.find(p => p.id === id);
  let problem: string | null = null;
  const annotation =
    entity?.metadata.annotations?.[ESCALATION_POLICY_ANNOTATION]?.trim();
  if (annotation) {
    const policy = byId(annotation);
    if (policy) {
      return { policy, chosenBy: 'annotation', problem: null };
    }
    problem = `The ${ESCALATION_POLICY_ANNOTATION} annotation of ${entityRef} names an unknown escalation policy "${annotation}"`;
  }
  for (const group of entity ? ownerGroupRefs(entity) : []) {
    const policyId = config.groupPolicies.get(group);
    if (policyId) {
      return { policy: byId(policyId)!, chosenBy: 'owner-group', problem };
    }
  }
  if (config.defaultPolicyId) {
    return {
      policy: byId(config.defaultPolicyId)!,
      chosenBy: 'default',
      problem,
    };
  }
  return {
    policy: null,
    chosenBy: null,
    problem:
      problem ??
      `No escalation policy applies to ${entityRef}: it has no ${ESCALATION_POLICY_ANNOTATION} annotation, its owner has no policy and there is no default`,
  };
}
