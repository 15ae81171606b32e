import { Entity } from '@backstage/catalog-model';

/**
 * The annotation that links a catalog entity to its GitHub repository, as `owner/repo`.
 *
 * @public
 */
export const GITHUB_PROJECT_SLUG_ANNOTATION = 'github.com/project-slug';

/**
 * The annotation that names the escalation policy an entity's incidents follow.
 *
 * @public
 */
export const ESCALATION_POLICY_ANNOTATION = 'pulse.dev/escalation-policy';

/**
 * Whether an entity carries the annotation Pulse needs to track it; for `EntitySwitch` and card filters.
 *
 * @public
 */
export function isPulseAvailable(entity: Entity): boolean {
  return Boolean(entity.metadata.annotations?.[GITHUB_PROJECT_SLUG_ANNOTATION]);
}
