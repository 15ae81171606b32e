import {
  ANNOTATION_SOURCE_LOCATION,
  Entity,
  parseLocationRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  GITHUB_PROJECT_SLUG_ANNOTATION,
  TrackedEntity,
} from '@pulse-oss/plugin-pulse-common';

/** The GitHub hosts configured in `integrations.github`, by host name. */
export interface GithubHosts {
  /** The base URL of repository pages on a configured host, or undefined if not configured. */
  htmlBaseUrl(host: string): string | undefined;
}

const DEFAULT_HOST = 'github.com';
const SLUG_PART = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,99})$/;

function hostFromSourceLocation(entity: Entity): string | undefined {
  const sourceLocation =
    entity.metadata.annotations?.[ANNOTATION_SOURCE_LOCATION];
  if (!sourceLocation) {
    return undefined;
  }
  try {
    const { type, target } = parseLocationRef(sourceLocation);
    if (type !== 'url') {
      return undefined;
    }
    return new URL(target).host;
  } catch {
    return undefined;
  }
}

function parseSlug(slug: string): { owner: string; name: string } | undefined {
  const parts = slug.trim().split('/');
  if (parts.length !== 2) {
    return undefined;
  }
  const [owner, name] = parts;
  if (!SLUG_PART.test(owner) || !SLUG_PART.test(name)) {
    return undefined;
  }
  if (name === '.' || name === '..') {
    return undefined;
  }
  return { owner, name };
}

/**
 * How Pulse tracks an entity: the linked repository, its host, and whether the link can be used.
 * Returns undefined for entities without the `github.com/project-slug` annotation.
 *
 * The host is the one of the entity's source location when that host is a configured GitHub
 * integration (GitHub Enterprise), and `github.com` otherwise.
 */
export function describeTracking(
  entity: Entity,
  hosts: GithubHosts,
  refreshedAt: Date,
): TrackedEntity | undefined {
  const slug = entity.metadata.annotations?.[GITHUB_PROJECT_SLUG_ANNOTATION];
  if (slug === undefined) {
    return undefined;
  }
  const kind = entity.kind.toLocaleLowerCase('en-US');
  const namespace = entity.metadata.namespace ?? 'default';
  const base = {
    entityRef: stringifyEntityRef(entity),
    kind,
    namespace,
    name: entity.metadata.name,
    refreshedAt: refreshedAt.toISOString(),
  };

  const parsed = parseSlug(slug);
  if (!parsed) {
    return {
      ...base,
      repository: null,
      valid: false,
      problems: [
        `The annotation ${GITHUB_PROJECT_SLUG_ANNOTATION} is "${slug}"; it must be "owner/repository".`,
      ],
    };
  }

  const sourceHost = hostFromSourceLocation(entity);
  const host =
    sourceHost && hosts.htmlBaseUrl(sourceHost) ? sourceHost : DEFAULT_HOST;
  const htmlBaseUrl = hosts.htmlBaseUrl(host);
  const problems: string[] = [];
  if (!htmlBaseUrl) {
    problems.push(
      `The GitHub host ${host} is not configured in integrations.github.`,
    );
  }
  return {
    ...base,
    repository: {
      slug: `${parsed.owner}/${parsed.name}`,
      owner: parsed.owner,
      name: parsed.name,
      host,
      htmlUrl: `${htmlBaseUrl ?? `https://${host}`}/${parsed.owner}/${
        parsed.name
      }`,
    },
    valid: problems.length === 0,
    problems,
  };
}
