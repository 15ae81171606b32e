import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';

/**
 * An entity ref in Pulse's one normal form: kind, namespace and name as
 * `stringifyEntityRef` writes them, lower case. The catalog compares refs case-insensitively;
 * Pulse stores and compares them in this form. Undefined when `value` is not an entity ref (or is
 * not of one of `kinds`, given in lower case).
 */
export function normalizeEntityRef(
  value: string,
  options: { defaultKind?: string; kinds?: string[] } = {},
): string | undefined {
  try {
    const ref = parseEntityRef(value, {
      defaultKind: options.defaultKind,
      defaultNamespace: 'default',
    });
    const kind = ref.kind.toLocaleLowerCase('en-US');
    if (options.kinds && !options.kinds.includes(kind)) {
      return undefined;
    }
    return stringifyEntityRef(ref).toLocaleLowerCase('en-US');
  } catch {
    return undefined;
  }
}

/**
 * The normalised ref of the entity a route's path names (`/entities/{kind}/{namespace}/{name}`);
 * the OpenAPI description has already checked each part.
 */
export function entityRefFromPath(params: {
  kind: string;
  namespace: string;
  name: string;
}): string {
  return stringifyEntityRef(params).toLocaleLowerCase('en-US');
}
