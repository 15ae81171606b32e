/**
 * One change Pulse made, as published to the event log and carried by the live stream.
 * `entityRef` is the catalog entity the change belongs to, or null for changes that belong to none
 * (e.g. a schedule handoff).
 *
 * @public
 */
export interface PulseDomainEvent<
  TType extends string = string,
  TPayload = unknown,
> {
  id: string;
  /** Monotonic position in the event log; later events have larger sequences. */
  sequence: number;
  entityRef: string | null;
  type: TType;
  payload: TPayload;
  /** ISO 8601. */
  occurredAt: string;
}

/**
 * What a domain hands to the publisher; the log assigns `id`, `sequence` and, if absent, `occurredAt`.
 *
 * @public
 */
export interface NewPulseDomainEvent<
  TType extends string = string,
  TPayload = unknown,
> {
  entityRef: string | null;
  type: TType;
  payload: TPayload;
  occurredAt?: Date;
}

/**
 * One entry of an activity feed: a change to an entity's Pulse data, newest first.
 *
 * @public
 */
export interface ActivityItem {
  id: string;
  /** The domain event type, e.g. `github.pull_request.updated`, `incident.acknowledged`. */
  type: string;
  /** The entity it belongs to (lower case). */
  entityRef: string;
  occurredAt: string;
  /**
   * What changed, as the REST API serves it: a pull request, workflow run or deployment for GitHub
   * events; `{ incident, actor, details? }` for incident events; `{ override, actor }` and
   * `{ scheduleId, scheduleName, from, to, at }` for on-call events.
   */
  payload: unknown;
}

/**
 * `GET /entities/{kind}/{namespace}/{name}/activity`
 *
 * @public
 */
export interface ActivityPage {
  items: ActivityItem[];
  /** Pass back as `before` for older items; null on the last page. */
  nextCursor: string | null;
  /** The entity's `activity` version when the page was read (0 for a group's feed). */
  version: number;
}

/**
 * `GET /entities/{kind}/{namespace}/{name}/versions`: the live version of each topic.
 *
 * @public
 */
export interface EntityVersions {
  entityRef: string;
  /** Topic to version; a topic that never changed is absent (version 0). */
  versions: Record<string, number>;
}
