import { Knex } from 'knex';
import { applyMigrations } from '../../database/migrations';
import {
  CheckRecord,
  PullRequestRecord,
  WorkflowRunRecord,
} from '../githubRecords';
import { StoredDeployment } from '../store';
import { RepositoryStore } from '../store/RepositoryStore';

/** Migrates `knex` and adds one repository; returns its id. */
export async function migratedWithRepository(knex: Knex): Promise<number> {
  await applyMigrations(knex);
  const [repository] = await new RepositoryStore(knex).ensureRepositories(
    [{ host: 'github.com', slug: 'acme/web' }],
    new Date('2026-01-01T00:00:00Z'),
  );
  return repository.id;
}

/** A pull request record; `overrides` win. */
export function pullRecord(
  number: number,
  overrides: Partial<PullRequestRecord> = {},
): PullRequestRecord {
  return {
    number,
    githubId: 1000 + number,
    title: `Pull request ${number}`,
    authorLogin: 'octocat',
    authorAvatarUrl: null,
    draft: false,
    state: 'open',
    labels: ['backend'],
    additions: 10,
    deletions: 2,
    changedFiles: 3,
    createdAt: new Date('2026-01-01T10:00:00Z'),
    updatedAt: new Date('2026-01-02T10:00:00Z'),
    mergedAt: null,
    mergeCommitSha: null,
    closedAt: null,
    headSha: `sha-${number}`,
    headRef: `feature-${number}`,
    baseRef: 'main',
    htmlUrl: `https://github.com/acme/web/pull/${number}`,
    ...overrides,
  };
}

/** A workflow run record; `overrides` win. */
export function runRecord(
  id: number,
  overrides: Partial<WorkflowRunRecord> = {},
): WorkflowRunRecord {
  return {
    id,
    workflowId: 7,
    workflowName: 'CI',
    name: 'CI',
    branch: 'main',
    event: 'push',
    status: 'completed',
    conclusion: 'success',
    runAttempt: 1,
    headSha: `sha-run-${id}`,
    createdAt: new Date('2026-01-01T10:00:00Z'),
    startedAt: new Date('2026-01-01T10:00:05Z'),
    completedAt: new Date('2026-01-01T10:05:05Z'),
    updatedAt: new Date('2026-01-01T10:05:05Z'),
    htmlUrl: `https://github.com/acme/web/actions/runs/${id}`,
    ...overrides,
  };
}

/** A check run record; `overrides` win. */
export function checkRecord(
  sha: string,
  overrides: Partial<CheckRecord> = {},
): CheckRecord {
  return {
    sha,
    kind: 'check_run',
    key: 'build',
    state: 'success',
    rank: 2,
    observedAt: new Date('2026-01-02T10:00:00Z'),
    ...overrides,
  };
}

/** A stored deployment; `overrides` win. */
export function storedDeployment(
  id: number,
  overrides: Partial<StoredDeployment> = {},
): StoredDeployment {
  const state = overrides.state === undefined ? 'success' : overrides.state;
  const statusAt =
    overrides.statusAt === undefined
      ? new Date('2026-01-01T10:01:00Z')
      : overrides.statusAt;
  return {
    id,
    environment: 'production',
    sha: `sha-deploy-${id}`,
    ref: 'main',
    createdAt: new Date('2026-01-01T10:00:00Z'),
    updatedAt: new Date('2026-01-01T10:00:00Z'),
    state: 'success',
    statusId: 500 + id,
    statusAt: new Date('2026-01-01T10:01:00Z'),
    succeededAt: state === 'success' ? statusAt : null,
    statusesEtag: '"etag"',
    ...overrides,
  };
}
