import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';

/** A user typed as `jane.doe`, `default/jane.doe` or a full ref, as a full user entity ref; undefined if it is none. */
export function normalizeUserRef(value: string): string | undefined {
  if (!value.trim()) {
    return undefined;
  }
  try {
    return stringifyEntityRef(
      parseEntityRef(value.trim(), {
        defaultKind: 'user',
        defaultNamespace: 'default',
      }),
    );
  } catch {
    return undefined;
  }
}

/** The name part of an entity ref, for places too small for a link. */
export function shortName(entityRef: string): string {
  try {
    return parseEntityRef(entityRef).name;
  } catch {
    return entityRef;
  }
}
