import { Knex } from 'knex';

const TABLE = 'pulse_live_versions';

type Db = Knex | Knex.Transaction;

/** A subject and topic whose version a change raises. */
export interface VersionKey {
  subject: string;
  topic: string;
}

/** All SQL for live versions. */
export class VersionStore {
  constructor(private readonly db: Knex) {}

  /**
   * Raises each key's version by its count, inside `tx`, in one order (so that transactions raising
   * overlapping keys queue instead of deadlocking); returns each key's version after the raise. The
   * row stays locked until `tx` ends, so versions of one key follow commit order.
   */
  async raise(
    tx: Db,
    keys: Array<VersionKey & { count: number }>,
  ): Promise<Map<string, number>> {
    const sorted = [...keys].sort((a, b) =>
      `${a.subject}\n${a.topic}`.localeCompare(`${b.subject}\n${b.topic}`),
    );
    const versions = new Map<string, number>();
    for (const { subject, topic, count } of sorted) {
      const [row] = await tx(TABLE)
        .insert({ subject, topic, version: count })
        .onConflict(['subject', 'topic'])
        .merge({ version: tx.raw('?? + ?', [`${TABLE}.version`, count]) })
        .returning('version');
      versions.set(versionKey({ subject, topic }), Number(row.version));
    }
    return versions;
  }

  /** The versions of one subject's topics (0 for a topic that never changed). */
  async versionsOf(subject: string): Promise<Record<string, number>> {
    const rows = await this.db(TABLE)
      .where({ subject })
      .select<{ topic: string; version: string | number }[]>(
        'topic',
        'version',
      );
    return Object.fromEntries(rows.map(r => [r.topic, Number(r.version)]));
  }

  /** One subject's version of one topic (0 if it never changed). */
  async versionOf(subject: string, topic: string): Promise<number> {
    const row = await this.db(TABLE).where({ subject, topic }).first('version');
    return row ? Number(row.version) : 0;
  }
}

export function versionKey(key: VersionKey): string {
  return `${key.subject}\n${key.topic}`;
}
