import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { OncallConfig } from '../config';
import { schedulesPagedBy } from '../permissions/scheduleAccess';
import { choosePolicy, ownerGroupRefs } from '../policies';

/**
 * For each schedule, the owners of the entities whose escalation policy pages it: the audience of
 * the `SERVES_OWNED_ENTITY` rule. Each entity follows the policy {@link choosePolicy} picks for it
 * (annotation, owning group, default), as its incidents would.
 */
export function scheduleAudience(
  config: Pick<OncallConfig, 'policies' | 'groupPolicies' | 'defaultPolicyId'>,
  entities: Entity[],
): Map<string, string[]> {
  const pages = new Map(
    config.policies.map(policy => [policy.id, schedulesPagedBy(policy)]),
  );
  const audience = new Map<string, Set<string>>();
  for (const entity of entities) {
    const { policy } = choosePolicy(config, stringifyEntityRef(entity), entity);
    if (!policy) continue;
    const owners = ownerGroupRefs(entity);
    for (const scheduleId of pages.get(policy.id) ?? []) {
      const set = audience.get(scheduleId) ?? new Set<string>();
      owners.forEach(owner => set.add(owner));
      audience.set(scheduleId, set);
    }
  }
  return new Map([...audience].map(([id, owners]) => [id, [...owners].sort()]));
}
