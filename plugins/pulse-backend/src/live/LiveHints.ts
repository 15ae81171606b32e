import { LoggerService } from '@backstage/backend-plugin-api';
import { SignalsService } from '@backstage/plugin-signals-node';
import { PulseDomainEvent } from '@pulse-oss/plugin-pulse-common';
import {
  DomainEventPublisher,
  LiveVersion,
} from '../events/DomainEventPublisher';
import { HintCoalescer, LiveHint, Schedule } from './HintCoalescer';

/** The channel of an entity's cards. */
export const entityChannel = (entityRef: string) =>
  `pulse:entity:${entityRef.toLocaleLowerCase('en-US')}`;
/** The channel of a schedule's views (handoffs, overrides). */
export const scheduleChannel = (scheduleId: string) =>
  `pulse:schedule:${scheduleId}`;
/** The incident lists: every incident change, as the entity it belongs to. */
export const INCIDENTS_CHANNEL = 'pulse:incidents';
/** Incidents assigned to the receiving user. */
export const ASSIGNED_INCIDENTS_CHANNEL = 'pulse:incidents:assigned';

const SCHEDULE_PREFIX = 'pulse-schedule:';

/**
 * Turns committed changes into live hints over Backstage signals. A hint is an invalidation, never
 * data: `{ entityRef | scheduleId, topic, version }`. Signals has no permission check on channels,
 * so what a hint reveals to anyone who subscribes is only that this entity's (or schedule's) data
 * of this topic changed, and a counter; the card fetches the data itself through the REST API,
 * which applies the catalog's visibility. Hints are throttled per subject and topic (an isolated
 * change's hint at once, then at most one per 250 ms carrying the newest version: see
 * `HintCoalescer`); a hint that is lost is caught by the client's version check.
 */
export class LiveHints {
  private readonly coalescer: HintCoalescer;

  constructor(
    private readonly options: {
      signals: SignalsService;
      logger: LoggerService;
      windowMs?: number;
      schedule?: Schedule;
    },
  ) {
    this.coalescer = new HintCoalescer(
      hint => this.send(hint),
      options.windowMs ?? 250,
      options.schedule,
    );
  }

  /** Listens to the publisher's commits. */
  attach(publisher: DomainEventPublisher): () => void {
    return publisher.subscribe((events, versions) =>
      this.onCommit(events, versions),
    );
  }

  onCommit(events: PulseDomainEvent[], versions: LiveVersion[]) {
    for (const version of versions) {
      this.coalescer.add(version);
    }
    // The incident lists and the assignees' own lists: one hint per entity and per assignee set.
    for (const event of events) {
      if (!event.type.startsWith('incident.') || !event.entityRef) continue;
      const subject = event.entityRef.toLocaleLowerCase('en-US');
      const version =
        versions.find(v => v.subject === subject && v.topic === 'incidents')
          ?.version ?? 0;
      this.coalescer.add({
        subject: INCIDENTS_CHANNEL,
        topic: subject,
        version,
      });
      const assignees = (
        event.payload as { incident?: { assignees?: string[] } } | null
      )?.incident?.assignees;
      if (assignees?.length) {
        this.coalescer.add({
          subject: ASSIGNED_INCIDENTS_CHANNEL,
          topic: subject,
          version,
          recipients: assignees,
        });
      }
    }
  }

  /** Sends what waits (at shutdown). */
  flush() {
    this.coalescer.flush();
  }

  private send(hint: LiveHint) {
    const { signals, logger } = this.options;
    let channel: string;
    let message: Record<string, string | number>;
    if (
      hint.subject === INCIDENTS_CHANNEL ||
      hint.subject === ASSIGNED_INCIDENTS_CHANNEL
    ) {
      channel = hint.subject;
      message = {
        entityRef: hint.topic,
        topic: 'incidents',
        version: hint.version,
      };
    } else if (hint.subject.startsWith(SCHEDULE_PREFIX)) {
      const scheduleId = hint.subject.slice(SCHEDULE_PREFIX.length);
      channel = scheduleChannel(scheduleId);
      message = { scheduleId, topic: hint.topic, version: hint.version };
    } else {
      channel = entityChannel(hint.subject);
      message = {
        entityRef: hint.subject,
        topic: hint.topic,
        version: hint.version,
      };
    }
    signals
      .publish({
        recipients: hint.recipients
          ? { type: 'user', entityRef: hint.recipients }
          : { type: 'broadcast' },
        channel,
        message,
      })
      .catch(error =>
        logger.warn(`Could not send a live hint on ${channel}: ${error}`),
      );
  }
}
