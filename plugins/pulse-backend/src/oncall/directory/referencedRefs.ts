import { OncallConfig } from '../config';

/** Every user and group ref that on-call config names. */
export function referencedRefs(config: OncallConfig): {
  users: string[];
  groups: string[];
} {
  const users = new Set<string>();
  const groups = new Set<string>();
  const add = (ref: string) =>
    (ref.startsWith('group:') ? groups : users).add(ref);
  for (const schedule of config.schedules) {
    for (const layer of schedule.layers) {
      layer.members.forEach(member => member && add(member));
    }
  }
  for (const policy of config.policies) {
    for (const step of policy.steps) {
      for (const target of step.targets) {
        if (target.type === 'user') add(target.userRef);
        if (target.type === 'group') add(target.groupRef);
      }
    }
  }
  return { users: [...users].sort(), groups: [...groups].sort() };
}
