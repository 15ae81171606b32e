import { Knex } from 'knex';

const TABLE = 'pulse_events';

/** A feed row as stored. */
export interface ActivityRecord {
  id: string;
  sequence: number;
  feedPosition: number | null;
  entityRef: string;
  type: string;
  payload: unknown;
  occurredAt: Date;
}

interface Row {
  id: string;
  sequence: number | string;
  feed_position: number | string | null;
  entity_ref: string;
  type: string;
  payload: string;
  occurred_at: Date | string;
}

function fromRow(row: Row): ActivityRecord {
  return {
    id: row.id,
    sequence: Number(row.sequence),
    feedPosition: row.feed_position === null ? null : Number(row.feed_position),
    entityRef: row.entity_ref,
    type: row.type,
    payload: JSON.parse(row.payload),
    occurredAt: new Date(row.occurred_at),
  };
}

/** What a feed leaves out. */
export interface FeedFilter {
  /** Entities whose incident events the caller may not read. */
  withoutIncidentsOf?: string[];
}

/** All SQL for activity feeds, read from the domain event log. */
export class ActivityStore {
  constructor(private readonly db: Knex) {}

  /**
   * An entity's feed, newest first, by feed position: positions follow commit order, so a change
   * committed after a page was read always sorts above it and is never skipped.
   */
  async entityFeed(
    entityRef: string,
    options: {
      beforePosition?: number;
      limit: number;
      withoutIncidents?: boolean;
    },
  ): Promise<ActivityRecord[]> {
    const query = this.db<Row>(TABLE)
      .where({ entity_ref: entityRef })
      .whereNotNull('feed_position')
      .orderBy('feed_position', 'desc')
      .limit(options.limit);
    if (options.beforePosition !== undefined) {
      query.where('feed_position', '<', options.beforePosition);
    }
    if (options.withoutIncidents) {
      query.whereNot('type', 'like', 'incident.%');
    }
    return (await query).map(fromRow);
  }

  /** The feed of several entities (a team's), newest first by sequence. */
  async entitiesFeed(
    entityRefs: string[],
    options: { beforeSequence?: number; limit: number } & FeedFilter,
  ): Promise<ActivityRecord[]> {
    if (entityRefs.length === 0) {
      return [];
    }
    const query = this.db<Row>(TABLE)
      .whereIn('entity_ref', entityRefs)
      .whereNotNull('feed_position')
      .orderBy('sequence', 'desc')
      .limit(options.limit);
    if (options.beforeSequence !== undefined) {
      query.where('sequence', '<', options.beforeSequence);
    }
    if (options.withoutIncidentsOf?.length) {
      query.whereNot(inner =>
        inner
          .where('type', 'like', 'incident.%')
          .whereIn('entity_ref', options.withoutIncidentsOf!),
      );
    }
    return (await query).map(fromRow);
  }
}
