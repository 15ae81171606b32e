/**
 * What part of an entity's page a domain event changes, for live hints (pure).
 *
 * A card subscribes to its entity's channel and refetches when a hint for one of its topics
 * carries a newer version than the one it rendered. Topics are coarse on purpose: a hint says
 * "something you show changed", never what.
 */
export const LIVE_TOPICS = [
  'pull-requests',
  'workflow-runs',
  'deployments',
  'sync',
  'oncall',
  'incidents',
  'activity',
  'metrics',
] as const;

/** One kind of change to an entity's (or a schedule's) Pulse data. */
export type LiveTopic = (typeof LIVE_TOPICS)[number];

/** The subject of a version: an entity ref, or a schedule as `pulse-schedule:<id>`. */
export function scheduleSubject(scheduleId: string): string {
  return `pulse-schedule:${scheduleId}`;
}

/**
 * The topics an event of `type` changes. Every event that belongs to an entity also changes its
 * activity feed, except sync progress, which the feed does not show.
 */
export function topicsOf(type: string): LiveTopic[] {
  const [domain, subject] = type.split('.');
  if (domain === 'github') {
    switch (subject) {
      case 'pull_request':
        return ['pull-requests', 'activity'];
      case 'workflow_run':
        return ['workflow-runs', 'activity'];
      case 'deployment':
        return ['deployments', 'activity'];
      case 'sync':
        return ['sync'];
      default:
        return ['activity'];
    }
  }
  if (domain === 'incident') {
    // The on-call card lists open incidents; the incident pages list them all.
    return ['incidents', 'oncall', 'activity'];
  }
  if (domain === 'metrics') {
    // Recomputed figures: not something the feed shows.
    return ['metrics'];
  }
  if (domain === 'oncall') {
    return ['oncall', 'activity'];
  }
  return ['activity'];
}
