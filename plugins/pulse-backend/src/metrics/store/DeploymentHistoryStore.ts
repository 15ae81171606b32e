import { Knex } from 'knex';
import {
  DbDate,
  READ_BATCH,
  requireDate,
  TABLES,
  toDate,
} from '../../github/store/rows';

/** The most environments a repository's deployments card lists. */
const MAX_ENVIRONMENTS = 20;

/** One deployment as the deployments route shows it. */
export interface DeploymentHistoryRow {
  id: string;
  environment: string;
  sha: string;
  ref: string;
  state: string | null;
  createdAt: Date;
  statusAt: Date | null;
  succeededAt: Date | null;
}

interface Row {
  id: number | string;
  environment: string;
  sha: string;
  ref: string;
  state: string | null;
  created_at: DbDate;
  status_at: DbDate | null;
  succeeded_at: DbDate | null;
}

const COLUMNS = [
  'id',
  'environment',
  'sha',
  'ref',
  'state',
  'created_at',
  'status_at',
  'succeeded_at',
];

function fromRow(row: Row): DeploymentHistoryRow {
  return {
    id: String(row.id),
    environment: row.environment,
    sha: row.sha,
    ref: row.ref,
    state: row.state,
    createdAt: requireDate(row.created_at),
    statusAt: toDate(row.status_at),
    succeededAt: toDate(row.succeeded_at),
  };
}

/** A read-only view of a repository's synced deployments, newest first, for the deployments route. */
export class DeploymentHistoryStore {
  constructor(private readonly db: Knex) {}

  /** Each environment's newest deployment and newest successful one. */
  async environments(repositoryId: number): Promise<
    Array<{
      environment: string;
      latest: DeploymentHistoryRow;
      lastSuccess: DeploymentHistoryRow | null;
    }>
  > {
    const names: string[] = await this.db(TABLES.deployments)
      .where({ repository_id: repositoryId })
      .distinct('environment')
      .orderBy('environment')
      .limit(MAX_ENVIRONMENTS)
      .pluck('environment');
    return Promise.all(
      names.map(async environment => {
        const newest = async (column: 'created_at' | 'succeeded_at') => {
          const query = this.db(TABLES.deployments).where({
            repository_id: repositoryId,
            environment,
          });
          if (column === 'succeeded_at') {
            query.whereNotNull('succeeded_at');
          }
          const row: Row | undefined = await query
            .orderBy([
              { column, order: 'desc' },
              { column: 'id', order: 'desc' },
            ])
            .first(COLUMNS);
          return row;
        };
        const [latest, lastSuccess] = await Promise.all([
          newest('created_at'),
          newest('succeeded_at'),
        ]);
        return {
          environment,
          latest: fromRow(latest!),
          lastSuccess: lastSuccess ? fromRow(lastSuccess) : null,
        };
      }),
    );
  }

  /**
   * A page of deployments, newest first (created, then id), optionally of one environment, after
   * a position of the previous page; one more than `limit` when there are more.
   */
  async history(
    repositoryId: number,
    options: {
      environment?: string;
      after?: { at: number; id: number };
      limit: number;
    },
  ): Promise<DeploymentHistoryRow[]> {
    const query = this.db(TABLES.deployments).where({
      repository_id: repositoryId,
    });
    if (options.environment !== undefined) {
      query.andWhere({ environment: options.environment });
    }
    const { after } = options;
    if (after) {
      const at = new Date(after.at);
      query.andWhere(inner =>
        inner
          .where('created_at', '<', at)
          .orWhere(same =>
            same.where('created_at', '=', at).andWhere('id', '<', after.id),
          ),
      );
    }
    const rows: Row[] = await query
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(options.limit + 1)
      .select(COLUMNS);
    return rows.map(fromRow);
  }

  /** The titles and links of some of a repository's pull requests, by number. */
  async pullRequests(
    repositoryId: number,
    numbers: readonly number[],
  ): Promise<Map<number, { title: string; htmlUrl: string }>> {
    const found = new Map<number, { title: string; htmlUrl: string }>();
    const unique = [...new Set(numbers)];
    for (let i = 0; i < unique.length; i += READ_BATCH) {
      const rows: Array<{ number: number; title: string; html_url: string }> =
        await this.db(TABLES.pulls)
          .where({ repository_id: repositoryId })
          .whereIn('number', unique.slice(i, i + READ_BATCH))
          .select('number', 'title', 'html_url');
      for (const row of rows) {
        found.set(Number(row.number), {
          title: row.title,
          htmlUrl: row.html_url,
        });
      }
    }
    return found;
  }
}
