import { Knex } from 'knex';
import { DirectorySnapshot } from './DirectorySnapshot';

const TABLE = 'pulse_oncall_directory';

interface DirectoryRow {
  ref: string;
  kind: string;
  found: boolean | number;
  members: string;
}

/** All SQL for the directory. */
export class DirectoryStore {
  constructor(private readonly db: Knex) {}

  async load(): Promise<DirectorySnapshot> {
    const rows = await this.db<DirectoryRow>(TABLE).select();
    const groups = new Map<string, string[]>();
    const missing = new Set<string>();
    for (const row of rows) {
      if (!row.found) {
        missing.add(row.ref);
      } else if (row.kind === 'group') {
        groups.set(row.ref, JSON.parse(row.members));
      }
    }
    return new DirectorySnapshot(groups, missing);
  }

  async replace(
    entries: Array<{
      ref: string;
      kind: 'user' | 'group';
      found: boolean;
      members: string[];
    }>,
    now: Date,
  ): Promise<void> {
    await this.db.transaction(async tx => {
      await tx(TABLE).delete();
      const rows = entries.map(entry => ({
        ref: entry.ref,
        kind: entry.kind,
        found: entry.found,
        members: JSON.stringify(entry.members),
        refreshed_at: now,
      }));
      for (let i = 0; i < rows.length; i += 200) {
        await tx(TABLE).insert(rows.slice(i, i + 200));
      }
    });
  }
}
