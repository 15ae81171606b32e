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
   * The statement that raises each key's version by its count: one multi-row upsert, its rows in
   * one order (so that transactions raising overlapping keys queue instead of deadlocking),
   * returning `subject`, `topic` and `version` after the raise. Each row stays locked until the
   * transaction ends, so versions of one key follow commit order. PostgreSQL callers may run it as
   * part of a larger statement (a data-modifying `WITH`), holding the locks for less time.
   */
  raising(tx: Db, keys: Array<VersionKey & { count: number }>) {
    const rows = [...keys]
      .sort((a, b) => compareKeys(a, b))
      .map(({ subject, topic, count }) => ({ subject, topic, version: count }));
    return tx(TABLE)
      .insert(rows)
      .onConflict(['subject', 'topic'])
      .merge({
        version: tx.raw('?? + excluded.??', [`${TABLE}.version`, 'version']),
      })
      .returning(['subject', 'topic', 'version']);
  }

  /**
   * Raises each key's version by its count inside `tx`, in one statement (see {@link raising});
   * returns each key's version after the raise.
   */
  async raise(
    tx: Db,
    keys: Array<VersionKey & { count: number }>,
  ): Promise<Map<string, number>> {
    const versions = new Map<string, number>();
    if (keys.length === 0) {
      return versions;
    }
    const rows: Array<VersionKey & { version: number | string }> =
      await this.raising(tx, keys);
    for (const row of rows) {
      versions.set(versionKey(row), Number(row.version));
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

  /** Several subjects' versions of one topic (0 for one that never changed), by subject. */
  async versionOfEach(
    subjects: readonly string[],
    topic: string,
  ): Promise<Map<string, number>> {
    const versions = new Map(subjects.map(subject => [subject, 0]));
    for (let i = 0; i < subjects.length; i += 500) {
      const rows = await this.db(TABLE)
        .where({ topic })
        .whereIn('subject', subjects.slice(i, i + 500))
        .select<{ subject: string; version: string | number }[]>(
          'subject',
          'version',
        );
      for (const row of rows) {
        versions.set(row.subject, Number(row.version));
      }
    }
    return versions;
  }
}

function compareKeys(a: VersionKey, b: VersionKey): number {
  return versionKey(a).localeCompare(versionKey(b));
}

export function versionKey(key: VersionKey): string {
  return `${key.subject}\n${key.topic}`;
}
