/**
 * Catalog entities as the tests' catalogs hold them, written once for the package: components
 * (tracked through `github.com/project-slug`, owned, annotated), users, groups and systems.
 */
import { Entity } from '@backstage/catalog-model';

const API_VERSION = 'backstage.io/v1alpha1';
const PROJECT_SLUG = 'github.com/project-slug';

/**
 * An owner given as a full ref (`group:default/payments`) also gets the `ownedBy` relation the
 * catalog adds; a short one (`web`) stays in `spec.owner` only, for Pulse to resolve.
 */
function ownership(owner: string | undefined): Pick<Entity, 'relations'> {
  return owner?.includes(':')
    ? { relations: [{ type: 'ownedBy', targetRef: owner }] }
    : {};
}

export function componentEntity(
  name: string,
  options: {
    namespace?: string;
    /** The GitHub repository (`owner/name`): the entity is then tracked by Pulse. */
    projectSlug?: string;
    owner?: string;
    annotations?: Record<string, string>;
    spec?: Record<string, unknown>;
  } = {},
): Entity {
  return {
    apiVersion: API_VERSION,
    kind: 'Component',
    metadata: {
      name,
      namespace: options.namespace ?? 'default',
      annotations: {
        ...(options.projectSlug && { [PROJECT_SLUG]: options.projectSlug }),
        ...options.annotations,
      },
    },
    spec: {
      ...(options.owner && { owner: options.owner }),
      ...options.spec,
    },
    ...ownership(options.owner),
  };
}

export function userEntity(name: string): Entity {
  return {
    apiVersion: API_VERSION,
    kind: 'User',
    metadata: { name, namespace: 'default' },
    spec: {},
  };
}

/** A team; `members` are user refs (`user:default/alice`), as `hasMember` relations. */
export function groupEntity(
  name: string,
  options: { members?: string[] } = {},
): Entity {
  return {
    apiVersion: API_VERSION,
    kind: 'Group',
    metadata: { name, namespace: 'default' },
    spec: { type: 'team', children: [] },
    ...(options.members && {
      relations: options.members.map(targetRef => ({
        type: 'hasMember',
        targetRef,
      })),
    }),
  };
}

export function systemEntity(name: string, options: { owner: string }): Entity {
  return {
    apiVersion: API_VERSION,
    kind: 'System',
    metadata: { name, namespace: 'default' },
    spec: { owner: options.owner },
    ...ownership(options.owner),
  };
}
