import { IncidentSeverity } from '@pulse-oss/plugin-pulse-common';
import { Knex } from 'knex';
import {
  DbDate,
  fromJson,
  READ_BATCH,
  requireDate,
  TABLES,
  toDate,
} from '../../github/store/rows';
import { WorkflowRunFact } from '../ciHealth';
import { CommitFact } from '../commitRanges';
import { IncidentFact } from '../changeFailure';
import { PullRequestFact } from '../pullRequestFlow';

const INCIDENTS = 'pulse_incidents';

function pullState(
  state: string,
  mergedAt: Date | null,
): PullRequestFact['state'] {
  if (state === 'open') {
    return 'open';
  }
  return mergedAt ? 'merged' : 'closed';
}
const VERSIONS = 'pulse_live_versions';

/** A deployment to a production environment with its latest status. */
export interface DeploymentStatusFact {
  id: string;
  environment: string;
  sha: string;
  /** The latest status: `success`, `inactive`, `failure`, `error`, or one still in progress. */
  state: string | null;
  statusAt: Date | null;
  /** When it first succeeded (kept once a newer deployment makes it `inactive`). */
  succeededAt: Date | null;
  createdAt: Date;
}

export interface MergedPullRequestSource extends PullRequestFact {
  mergeCommitSha: string | null;
  title: string;
  htmlUrl: string;
}

/** Everything a repository contributes to its entities' metrics. */
export interface RepositoryMetricsSource {
  deployments: DeploymentStatusFact[];
  pulls: MergedPullRequestSource[];
  commits: CommitFact[];
  runs: WorkflowRunFact[];
}

export interface IncidentSource extends IncidentFact {
  title: string;
}

/**
 * The metrics domain's read-only view of the data other domains store (GitHub's tables, the
 * incidents, the live versions): the SQL the aggregation reads its inputs with, in one place.
 */
export class MetricsSourceStore {
  constructor(private readonly db: Knex) {}

  /**
   * A repository's metric inputs: every production deployment kept (an environment's previous
   * deployment may be older than the window), the pull requests merged since `since` or open
   * now with their reviews, the default branch's history, and the workflow runs created since
   * `since` with their earlier attempts' conclusions.
   */
  async repositorySource(
    repositoryId: number,
    since: Date,
    productionEnvironments: readonly string[],
  ): Promise<RepositoryMetricsSource> {
    const [deployments, pulls, commits, runs] = await Promise.all([
      this.deployments(repositoryId, productionEnvironments),
      this.pulls(repositoryId, since),
      this.commits(repositoryId),
      this.runs(repositoryId, since),
    ]);
    return { deployments, pulls, commits, runs };
  }

  async incidents(entityRef: string, since: Date): Promise<IncidentSource[]> {
    const rows: Array<{
      id: string;
      title: string;
      severity: IncidentSeverity;
      created_at: DbDate;
      resolved_at: DbDate | null;
    }> = await this.db(INCIDENTS)
      .where({ entity_ref: entityRef })
      .andWhere('created_at', '>=', since)
      .select('id', 'title', 'severity', 'created_at', 'resolved_at');
    return rows.map(row => ({
      id: row.id,
      title: row.title,
      severity: row.severity,
      triggeredAt: requireDate(row.created_at),
      resolvedAt: toDate(row.resolved_at),
    }));
  }

  /** The sum of each subject's versions of `topics`: it grows whenever one of them changes. */
  async versionSums(topics: readonly string[]): Promise<Map<string, number>> {
    const rows: Array<{ subject: string; total: number | string }> =
      await this.db(VERSIONS)
        .whereIn('topic', topics)
        .groupBy('subject')
        .select('subject')
        .sum({ total: 'version' });
    return new Map(rows.map(row => [row.subject, Number(row.total)]));
  }

  /**
   * How many default-branch commits each repository has and the newest commit time: commits
   * arrive without a domain event, and a deployment's range needs them.
   */
  async commitCounts(): Promise<Map<number, string>> {
    const rows: Array<{
      repository_id: number;
      count: number | string;
      newest: DbDate | null;
    }> = await this.db(TABLES.branchCommits)
      .groupBy('repository_id')
      .select('repository_id')
      .count({ count: '*' })
      .max({ newest: 'committed_at' });
    return new Map(
      rows.map(row => [
        Number(row.repository_id),
        `${Number(row.count)}@${toDate(row.newest)?.toISOString() ?? ''}`,
      ]),
    );
  }

  private async deployments(
    repositoryId: number,
    environments: readonly string[],
  ): Promise<DeploymentStatusFact[]> {
    const rows: Array<{
      id: number | string;
      environment: string;
      sha: string;
      state: string | null;
      status_at: DbDate | null;
      succeeded_at: DbDate | null;
      created_at: DbDate;
    }> = await this.db(TABLES.deployments)
      .where({ repository_id: repositoryId })
      .whereRaw(
        `lower(environment) in (${environments.map(() => '?').join(', ')})`,
        environments.map(environment => environment.toLowerCase()),
      )
      .select(
        'id',
        'environment',
        'sha',
        'state',
        'status_at',
        'succeeded_at',
        'created_at',
      );
    return rows.map(row => ({
      id: String(row.id),
      environment: row.environment,
      sha: row.sha,
      state: row.state,
      statusAt: toDate(row.status_at),
      succeededAt: toDate(row.succeeded_at),
      createdAt: requireDate(row.created_at),
    }));
  }

  private async pulls(
    repositoryId: number,
    since: Date,
  ): Promise<MergedPullRequestSource[]> {
    const rows: Array<{
      number: number;
      title: string;
      html_url: string;
      author_login: string;
      state: 'open' | 'closed';
      created_at: DbDate;
      merged_at: DbDate | null;
      ready_for_review_at: DbDate | null;
      first_commit_at: DbDate | null;
      merge_commit_sha: string | null;
      additions: number;
      deletions: number;
    }> = await this.db(TABLES.pulls)
      .where({ repository_id: repositoryId })
      .andWhere(inner =>
        inner.where('merged_at', '>=', since).orWhere({ state: 'open' }),
      )
      .select(
        'number',
        'title',
        'html_url',
        'author_login',
        'state',
        'created_at',
        'merged_at',
        'ready_for_review_at',
        'first_commit_at',
        'merge_commit_sha',
        'additions',
        'deletions',
      );
    const reviews = new Map<number, PullRequestFact['reviews'][number][]>();
    const numbers = rows.map(row => row.number);
    for (let i = 0; i < numbers.length; i += READ_BATCH) {
      const reviewRows: Array<{
        pull_number: number;
        reviewer_login: string;
        state: string;
        submitted_at: DbDate | null;
      }> = await this.db(TABLES.reviews)
        .where({ repository_id: repositoryId })
        .whereIn('pull_number', numbers.slice(i, i + READ_BATCH))
        .select('pull_number', 'reviewer_login', 'state', 'submitted_at');
      for (const review of reviewRows) {
        const list = reviews.get(review.pull_number) ?? [];
        list.push({
          reviewerLogin: review.reviewer_login,
          state: review.state,
          submittedAt: toDate(review.submitted_at),
        });
        reviews.set(review.pull_number, list);
      }
    }
    return rows.map(row => {
      const mergedAt = toDate(row.merged_at);
      return {
        number: row.number,
        title: row.title,
        htmlUrl: row.html_url,
        authorLogin: row.author_login,
        state: pullState(row.state, mergedAt),
        createdAt: requireDate(row.created_at),
        readyForReviewAt: toDate(row.ready_for_review_at),
        firstCommitAt: toDate(row.first_commit_at),
        mergedAt,
        mergeCommitSha: row.merge_commit_sha,
        additions: row.additions,
        deletions: row.deletions,
        reviews: reviews.get(row.number) ?? [],
      };
    });
  }

  private async commits(repositoryId: number): Promise<CommitFact[]> {
    const rows: Array<{ sha: string; parent_shas: string }> = await this.db(
      TABLES.branchCommits,
    )
      .where({ repository_id: repositoryId })
      .select('sha', 'parent_shas');
    return rows.map(row => ({
      sha: row.sha,
      parents: fromJson<string[]>(row.parent_shas),
    }));
  }

  private async runs(
    repositoryId: number,
    since: Date,
  ): Promise<WorkflowRunFact[]> {
    const [rows, attempts] = await Promise.all([
      this.db(TABLES.runs)
        .where({ repository_id: repositoryId })
        .andWhere('created_at', '>=', since)
        .select(
          'id',
          'workflow_id',
          'workflow_name',
          'branch',
          'head_sha',
          'status',
          'conclusion',
          'run_attempt',
          'created_at',
          'started_at',
          'completed_at',
          'html_url',
        ) as Promise<
        Array<{
          id: number | string;
          workflow_id: number | string;
          workflow_name: string;
          branch: string;
          head_sha: string;
          status: string;
          conclusion: string | null;
          run_attempt: number;
          created_at: DbDate;
          started_at: DbDate | null;
          completed_at: DbDate | null;
          html_url: string;
        }>
      >,
      this.db(`${TABLES.runAttempts} as a`)
        .join(`${TABLES.runs} as r`, join =>
          join
            .on('r.repository_id', 'a.repository_id')
            .andOn('r.id', 'a.run_id'),
        )
        .where('a.repository_id', repositoryId)
        .andWhere('r.created_at', '>=', since)
        .andWhereRaw('a.attempt < r.run_attempt')
        .select('a.run_id', 'a.conclusion') as Promise<
        Array<{ run_id: number | string; conclusion: string | null }>
      >,
    ]);
    const earlier = new Map<number, Array<string | null>>();
    for (const attempt of attempts) {
      const id = Number(attempt.run_id);
      const list = earlier.get(id) ?? [];
      list.push(attempt.conclusion);
      earlier.set(id, list);
    }
    return rows.map(row => ({
      id: Number(row.id),
      workflowId: Number(row.workflow_id),
      workflowName: row.workflow_name,
      branch: row.branch,
      headSha: row.head_sha,
      status: row.status,
      conclusion: row.conclusion,
      runAttempt: row.run_attempt,
      createdAt: requireDate(row.created_at),
      startedAt: toDate(row.started_at),
      completedAt: toDate(row.completed_at),
      htmlUrl: row.html_url,
      earlierConclusions: earlier.get(Number(row.id)) ?? [],
    }));
  }
}
