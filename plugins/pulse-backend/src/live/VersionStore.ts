import { Knex } from 'knex';

const TABLE = 'pulse_live_versions';
/** Keys raised per statement (three bound values each). */
const RAISE_BATCH = 500;

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
    // One statement per batch: its rows are inserted, and locked, in the sorted order.
    for (let i = 0; i < sorted.length; i += RAISE_BATCH) {
      const rows: Array<{ subject: string; topic: string; version: unknown }> =
        await tx(TABLE)
          .insert(
            sorted
              .slice(i, i + RAISE_BATCH)
              .map(({ subject, topic, count }) => ({
                subject,
                topic,
                version: count,
              })),
          )
          .onConflict(['subject', 'topic'])
          .merge({
            version: tx.raw('?? + ??', [
              `${TABLE}.version`,
              'excluded.version',
            ]),
          })
          .returning(['subject', 'topic', 'version']);
      for (const row of rows) {
        versions.set(versionKey(row), Number(row.version));
      }
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
