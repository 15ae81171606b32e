import { Knex } from 'knex';
import { CommitRecord } from '../githubRecords';
import {
  BATCH,
  DbDate,
  fromJson,
  READ_BATCH,
  TABLES,
  toDate,
  toJson,
} from './rows';

interface BranchCommitRow {
  sha: string;
  parent_shas: string;
  authored_at: DbDate | null;
  committed_at: DbDate | null;
}

/** The commits of each repository's default branch, with their parents. */
export class BranchCommitStore {
  constructor(private readonly db: Knex) {}

  /** Which of `shas` are stored for the repository. */
  async knownShas(repositoryId: number, shas: string[]): Promise<Set<string>> {
    const known = new Set<string>();
    const unique = [...new Set(shas)];
    for (let i = 0; i < unique.length; i += READ_BATCH) {
      const rows = await this.db(TABLES.branchCommits)
        .where({ repository_id: repositoryId })
        .whereIn('sha', unique.slice(i, i + READ_BATCH))
        .pluck('sha');
      for (const sha of rows) {
        known.add(sha);
      }
    }
    return known;
  }

  async hasCommits(repositoryId: number): Promise<boolean> {
    const row = await this.db(TABLES.branchCommits)
      .where({ repository_id: repositoryId })
      .first('sha');
    return row !== undefined;
  }

  /** Stores commits; a commit is immutable, so one already stored is left as it is. */
  async addCommits(
    repositoryId: number,
    commits: CommitRecord[],
  ): Promise<void> {
    const rows = commits.map(commit => ({
      repository_id: repositoryId,
      sha: commit.sha,
      parent_shas: toJson(commit.parentShas),
      authored_at: commit.authoredAt,
      committed_at: commit.committedAt,
    }));
    for (let i = 0; i < rows.length; i += BATCH) {
      await this.db(TABLES.branchCommits)
        .insert(rows.slice(i, i + BATCH))
        .onConflict(['repository_id', 'sha'])
        .ignore();
    }
  }

  /** The stored commits committed at or after `since` (all when absent), newest first. */
  async listCommits(
    repositoryId: number,
    since?: Date,
  ): Promise<CommitRecord[]> {
    const query = this.db(TABLES.branchCommits).where({
      repository_id: repositoryId,
    });
    if (since) {
      query.andWhere('committed_at', '>=', since);
    }
    const rows: BranchCommitRow[] = await query.orderBy([
      { column: 'committed_at', order: 'desc' },
      { column: 'sha', order: 'asc' },
    ]);
    return rows.map(row => ({
      sha: row.sha,
      parentShas: fromJson<string[]>(row.parent_shas),
      authoredAt: toDate(row.authored_at),
      committedAt: toDate(row.committed_at),
    }));
  }

  /** Deletes commits committed before `before`; returns how many. */
  async deleteExpired(before: Date): Promise<number> {
    return this.db(TABLES.branchCommits)
      .where('committed_at', '<', before)
      .delete();
  }
}
