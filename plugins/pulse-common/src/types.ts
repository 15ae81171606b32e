/**
 * The GitHub repository a tracked entity is linked to.
 *
 * @public
 */
export interface LinkedRepository {
  /** `owner/repo`, as written in the annotation. */
  slug: string;
  owner: string;
  name: string;
  /** The GitHub host, `github.com` or a GitHub Enterprise host from `integrations.github`. */
  host: string;
  /** The repository's page on that host. */
  htmlUrl: string;
}

/**
 * How Pulse sees one catalog entity: served by `GET /api/pulse/v1/entities/{kind}/{namespace}/{name}`.
 *
 * @public
 */
export interface TrackedEntity {
  /** The full entity ref, e.g. `component:default/payments-api`. */
  entityRef: string;
  kind: string;
  namespace: string;
  name: string;
  /** The repository parsed from the annotation; `null` when the annotation cannot be parsed. */
  repository: LinkedRepository | null;
  /** True when the repository is well-formed and its host is configured in `integrations.github`. */
  valid: boolean;
  /** Why the link is not valid, in words an admin can act on; empty when valid. */
  problems: string[];
  /** When Pulse last refreshed this entity from the catalog (ISO 8601). */
  refreshedAt: string;
}

/**
 * Response of `GET /api/pulse/v1/entities`.
 *
 * @public
 */
export interface TrackedEntityList {
  items: TrackedEntity[];
}

/**
 * The JSON body of every Pulse error response (Backstage's standard error shape).
 *
 * @public
 */
export interface PulseErrorBody {
  error: { name: string; message: string };
  response: { statusCode: number };
}
