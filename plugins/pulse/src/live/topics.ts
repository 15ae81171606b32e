/**
 * What a live view follows (pure): the channels Pulse's backend sends hints on, the topics of each,
 * and how a hint maps to the version of one piece of data.
 *
 * A hint is an invalidation, never data: `{ entityRef | scheduleId, topic, version }`. A view keeps,
 * per version key (subject and topic), the version of the data it shows, and refetches through the
 * REST API when a hint announces a higher one.
 */

/** One kind of change to an entity's (or a schedule's) Pulse data. */
export type LiveTopic =
  | 'pull-requests'
  | 'workflow-runs'
  | 'deployments'
  | 'sync'
  | 'oncall'
  | 'incidents'
  | 'activity'
  | 'metrics';

/** The broadcast channel of the incident lists: every incident change, as the entity it belongs to. */
export const INCIDENTS_CHANNEL = 'pulse:incidents';
/** Incident changes sent only to the incidents' assignees. */
export const ASSIGNED_INCIDENTS_CHANNEL = 'pulse:incidents:assigned';

/** What a view follows: an entity's or a schedule's topics, or an incident list's channel. */
export type LiveSubject =
  | { kind: 'entity'; entityRef: string; topics: LiveTopic[] }
  | { kind: 'schedule'; scheduleId: string; topics: LiveTopic[] }
  | {
      kind: 'incidents';
      channel: typeof INCIDENTS_CHANNEL | typeof ASSIGNED_INCIDENTS_CHANNEL;
      /** Only hints about these entities; every hint when absent. */
      entityRefs?: string[];
    };

/** Pulse compares entity refs in lower case, as the backend names their channels. */
function normalizeRef(entityRef: string): string {
  return entityRef.toLocaleLowerCase('en-US');
}

/** An entity's topics. */
export function entitySubject(
  entityRef: string,
  topics: LiveTopic[],
): LiveSubject {
  return { kind: 'entity', entityRef: normalizeRef(entityRef), topics };
}

/** A schedule's topics (handoffs and overrides). */
export function scheduleSubject(
  scheduleId: string,
  topics: LiveTopic[],
): LiveSubject {
  return { kind: 'schedule', scheduleId, topics };
}

/** An incident list's channel, optionally narrowed to hints about some entities. */
export function incidentsSubject(
  channel: typeof INCIDENTS_CHANNEL | typeof ASSIGNED_INCIDENTS_CHANNEL,
  entityRefs?: string[],
): LiveSubject {
  return {
    kind: 'incidents',
    channel,
    ...(entityRefs && {
      entityRefs: [...new Set(entityRefs.map(normalizeRef))],
    }),
  };
}

/** The key of one version: an entity's or a schedule's topic. */
export function entityVersionKey(entityRef: string, topic: LiveTopic): string {
  return `entity:${normalizeRef(entityRef)}#${topic}`;
}

/** The key of one version of a schedule's topic. */
export function scheduleVersionKey(
  scheduleId: string,
  topic: LiveTopic,
): string {
  return `schedule:${scheduleId}#${topic}`;
}

/** The signals channel a subject's hints arrive on. */
export function channelOf(subject: LiveSubject): string {
  switch (subject.kind) {
    case 'entity':
      return `pulse:entity:${subject.entityRef}`;
    case 'schedule':
      return `pulse:schedule:${subject.scheduleId}`;
    default:
      return subject.channel;
  }
}

/** The version keys a subject's data has, where they are known before any hint (not for incident lists). */
export function versionKeysOf(subject: LiveSubject): string[] {
  switch (subject.kind) {
    case 'entity':
      return subject.topics.map(topic =>
        entityVersionKey(subject.entityRef, topic),
      );
    case 'schedule':
      return subject.topics.map(topic =>
        scheduleVersionKey(subject.scheduleId, topic),
      );
    default:
      return [];
  }
}

/** What a hint announces: that the data of this key has reached this version. */
export interface HintVersion {
  key: string;
  version: number;
}

function isVersion(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/**
 * Reads a message that arrived on a subject's channel: the version it announces for data the view
 * shows, or undefined when it is malformed, about another subject, or about a topic the view does
 * not show. Anyone may send on a signals channel, so nothing in a message is trusted beyond this.
 */
export function readHint(
  subject: LiveSubject,
  message: unknown,
): HintVersion | undefined {
  if (typeof message !== 'object' || message === null) {
    return undefined;
  }
  const { entityRef, scheduleId, topic, version } = message as Record<
    string,
    unknown
  >;
  if (!isVersion(version) || typeof topic !== 'string') {
    return undefined;
  }
  switch (subject.kind) {
    case 'entity':
      if (
        typeof entityRef !== 'string' ||
        normalizeRef(entityRef) !== subject.entityRef ||
        !subject.topics.includes(topic as LiveTopic)
      ) {
        return undefined;
      }
      return { key: entityVersionKey(entityRef, topic as LiveTopic), version };
    case 'schedule':
      if (
        scheduleId !== subject.scheduleId ||
        !subject.topics.includes(topic as LiveTopic)
      ) {
        return undefined;
      }
      return {
        key: scheduleVersionKey(subject.scheduleId, topic as LiveTopic),
        version,
      };
    default:
      if (topic !== 'incidents' || typeof entityRef !== 'string') {
        return undefined;
      }
      if (
        subject.entityRefs &&
        !subject.entityRefs.includes(normalizeRef(entityRef))
      ) {
        return undefined;
      }
      return { key: entityVersionKey(entityRef, 'incidents'), version };
  }
}

/** A stable text for a list of subjects, so that a view re-subscribes only when they change. */
export function subjectsSignature(subjects: LiveSubject[]): string {
  return subjects
    .map(subject => {
      switch (subject.kind) {
        case 'entity':
          return `${channelOf(subject)}#${[...subject.topics]
            .sort()
            .join(',')}`;
        case 'schedule':
          return `${channelOf(subject)}#${[...subject.topics]
            .sort()
            .join(',')}`;
        default:
          return `${subject.channel}#${
            subject.entityRefs ? [...subject.entityRefs].sort().join(',') : '*'
          }`;
      }
    })
    .sort()
    .join('\n');
}
