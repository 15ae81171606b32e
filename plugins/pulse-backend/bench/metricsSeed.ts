/**
 * Seeding shared by the delivery metrics benchmarks (`metrics-aggregation.ts`,
 * `metrics-endpoint.ts`): one repository per entity (component `svc-<n>`, repository
 * `acme/svc-<n>`) with a history of merged pull requests (each squash-merged onto the default
 * branch, with a first commit, a ready-for-review time and one review), workflow runs (some
 * re-run), one production deployment a day (every tenth failed) and 5 resolved incidents per
 * entity. Deterministic: the same options seed the same rows.
 */
import { Knex } from 'knex';
import { MetricsTarget } from '../src/metrics/MetricsAggregation';

export const HOUR = 3_600_000;

export const silentLogger: any = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  child() {
    return silentLogger;
  },
};

/** A small deterministic generator (mulberry32), so that every run seeds the same data. */
export function generator(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sha = (repo: number, n: number) =>
  `${repo.toString(16).padStart(6, '0')}x${n
    .toString(16)
    .padStart(8, '0')}`.padEnd(40, '0');

class Batches {
  private readonly rows = new Map<string, object[]>();
  inserted = 0;

  constructor(private readonly knex: Knex) {}

  async add(table: string, row: object) {
    const list = this.rows.get(table) ?? [];
    list.push(row);
    this.rows.set(table, list);
    if (list.length >= 1000) {
      await this.flush(table);
    }
  }

  async flush(table?: string) {
    for (const name of table ? [table] : [...this.rows.keys()]) {
      const list = this.rows.get(name) ?? [];
      if (list.length > 0) {
        await this.knex(name).insert(list);
        this.inserted += list.length;
        this.rows.set(name, []);
      }
    }
  }
}

/** Per repository: the next pull request number, run id and commit. */
export interface RepositoryState {
  id: number;
  /** `svc-<n>`: the component's name and the repository's (`acme/svc-<n>`). */
  name: string;
  entityRef: string;
  nextNumber: number;
  nextCommit: number;
  head: string | null;
}

export interface SeedRates {
  pullsPerDay: number;
  runsPerDay: number;
}

/** The tables the seed fills, for the benchmarks' reports. */
export const SEEDED_TABLES = [
  'pulse_github_pull_requests',
  'pulse_github_workflow_runs',
  'pulse_github_deployments',
  'pulse_github_branch_commits',
  'pulse_incidents',
] as const;

export class MetricsSeeder {
  /** The seed's random numbers; a benchmark that draws from it too stays deterministic. */
  readonly random = generator(7);
  private readonly batches: Batches;
  private nextRunId = 1;
  private nextDeploymentId = 1;
  private nextReviewId = 1;

  constructor(private readonly knex: Knex, private readonly rates: SeedRates) {
    this.batches = new Batches(knex);
  }

  /** `count` repositories `acme/svc-1` … `acme/svc-<count>`, one per component `svc-<n>`. */
  async repositories(
    count: number,
    createdAt: Date,
  ): Promise<RepositoryState[]> {
    const repositories: RepositoryState[] = [];
    for (let i = 1; i <= count; i++) {
      const [row] = await this.knex('pulse_github_repositories')
        .insert({
          host: 'github.com',
          slug: `acme/svc-${i}`,
          default_branch: 'main',
          state: 'idle',
          backfill_complete: true,
          created_at: createdAt,
        })
        .returning('id');
      repositories.push({
        id: Number(row.id ?? row),
        name: `svc-${i}`,
        entityRef: `component:default/svc-${i}`,
        nextNumber: 1,
        nextCommit: 1,
        head: null,
      });
    }
    return repositories;
  }

  /**
   * Every repository's history from `start` to an hour before `now` and its entity's 5 resolved
   * incidents, written and analysed.
   */
  async history(
    repositories: RepositoryState[],
    start: number,
    now: number,
  ): Promise<void> {
    const { random } = this;
    for (const repo of repositories) {
      await this.activity(repo, start, now - HOUR);
      for (let i = 0; i < 5; i++) {
        const triggered = start + random() * (now - start - 2 * HOUR);
        const id = `00000000-0000-4000-${String(repo.id % 10000).padStart(
          4,
          '0',
        )}-${String(i).padStart(12, '0')}`;
        await this.batches.add('pulse_incidents', {
          id,
          title: 'Latency high',
          entity_ref: repo.entityRef,
          severity: random() < 0.5 ? 'critical' : 'warning',
          status: 'resolved',
          dedup_key: id,
          source: 'manual',
          alert_count: 1,
          created_at: new Date(triggered),
          updated_at: new Date(triggered + HOUR),
          resolved_at: new Date(triggered + random() * 4 * HOUR),
          escalation_policy_id: 'policy',
          escalation_state: '{}',
        });
      }
    }
    await this.flush();
    await this.knex.raw('ANALYZE');
  }

  /** Writes what is still buffered. */
  async flush(): Promise<void> {
    await this.batches.flush();
  }

  /** Rows per seeded table. */
  async counts(): Promise<Record<string, number>> {
    return Object.fromEntries(
      await Promise.all(
        SEEDED_TABLES.map(async table => [
          table,
          Number((await this.knex(table).count({ n: '*' }))[0].n),
        ]),
      ),
    );
  }

  /**
   * The repository's activity from `from` to `to` at the seed's rates (buffered: call `flush`);
   * whether it had any.
   */
  async activity(
    repo: RepositoryState,
    from: number,
    to: number,
  ): Promise<boolean> {
    const { random, batches, rates } = this;
    const span = to - from;
    let touched = false;
    const events = (perDay: number) => {
      const expected = (perDay * span) / (24 * HOUR);
      let count = Math.floor(expected);
      if (random() < expected - count) {
        count += 1;
      }
      return Array.from({ length: count }, () => from + random() * span).sort(
        (a, b) => a - b,
      );
    };
    for (const mergedAt of events(rates.pullsPerDay)) {
      touched = true;
      const number = repo.nextNumber++;
      const commit = sha(repo.id, repo.nextCommit++);
      const created = mergedAt - (2 + random() * 40) * HOUR;
      await batches.add('pulse_github_branch_commits', {
        repository_id: repo.id,
        sha: commit,
        parent_shas: JSON.stringify(repo.head ? [repo.head] : []),
        authored_at: new Date(mergedAt),
        committed_at: new Date(mergedAt),
      });
      repo.head = commit;
      await batches.add('pulse_github_pull_requests', {
        repository_id: repo.id,
        number,
        github_id: repo.id * 1_000_000 + number,
        title: `Change ${number}`,
        author_login:
          random() < 0.1
            ? 'dependabot[bot]'
            : `dev-${Math.floor(random() * 8)}`,
        draft: false,
        state: 'closed',
        labels: '[]',
        additions: Math.floor(random() * 600),
        deletions: Math.floor(random() * 200),
        changed_files: 3,
        created_at: new Date(created),
        updated_at: new Date(mergedAt),
        merged_at: new Date(mergedAt),
        closed_at: new Date(mergedAt),
        head_sha: sha(repo.id, 900_000 + number),
        head_ref: `feature-${number}`,
        base_ref: 'main',
        ci_state: 'success',
        html_url: `https://github.com/acme/svc-${repo.id}/pull/${number}`,
        merge_commit_sha: commit,
        ready_for_review_at: new Date(created),
        first_commit_at: new Date(created - random() * 20 * HOUR),
        flow_synced: true,
      });
      await batches.add('pulse_github_reviews', {
        repository_id: repo.id,
        id: this.nextReviewId++,
        pull_number: number,
        reviewer_login: `dev-${Math.floor(random() * 8) + 10}`,
        state: random() < 0.8 ? 'APPROVED' : 'COMMENTED',
        submitted_at: new Date(created + random() * (mergedAt - created)),
      });
    }
    for (const createdAt of events(rates.runsPerDay)) {
      touched = true;
      const id = this.nextRunId++;
      const attempt = random() < 0.05 ? 2 : 1;
      const started = createdAt + random() * 60_000;
      const conclusion = random() < 0.85 ? 'success' : 'failure';
      const head = repo.head ?? sha(repo.id, 0);
      await batches.add('pulse_github_workflow_runs', {
        repository_id: repo.id,
        id,
        workflow_id: random() < 0.7 ? 1 : 2,
        workflow_name: 'CI',
        name: 'CI',
        branch: random() < 0.5 ? 'main' : `feature-${repo.nextNumber}`,
        event: 'push',
        status: 'completed',
        conclusion,
        run_attempt: attempt,
        head_sha: head,
        created_at: new Date(createdAt),
        started_at: new Date(started),
        completed_at: new Date(started + random() * 600_000),
        updated_at: new Date(started + 600_000),
        html_url: `https://github.com/acme/svc-${repo.id}/actions/runs/${id}`,
      });
      if (attempt === 2) {
        await batches.add('pulse_github_workflow_run_attempts', {
          repository_id: repo.id,
          run_id: id,
          attempt: 1,
          workflow_id: 1,
          head_sha: head,
          status: 'completed',
          conclusion: conclusion === 'success' ? 'failure' : 'success',
          started_at: new Date(started),
          completed_at: new Date(started + 300_000),
          updated_at: new Date(started + 300_000),
        });
      }
    }
    for (const at of events(1)) {
      if (!repo.head) {
        continue;
      }
      touched = true;
      const failed = random() < 0.1;
      await batches.add('pulse_github_deployments', {
        repository_id: repo.id,
        id: this.nextDeploymentId++,
        environment: 'production',
        sha: repo.head,
        ref: 'main',
        state: failed ? 'failure' : 'inactive',
        created_at: new Date(at - 60_000),
        updated_at: new Date(at),
        status_id: this.nextDeploymentId,
        status_at: new Date(at),
        succeeded_at: failed ? null : new Date(at),
      });
    }
    return touched;
  }
}

/** The aggregation's targets: each repository with its one entity. */
export function metricsTargets(
  repositories: RepositoryState[],
): MetricsTarget[] {
  return repositories.map(repo => ({
    repositoryId: repo.id,
    defaultBranch: 'main',
    entityRefs: [repo.entityRef],
  }));
}
