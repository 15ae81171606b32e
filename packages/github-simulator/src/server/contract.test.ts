import request from 'supertest';
import { OpenApiValidator } from '../__testUtils__/openApiValidator';
import { auth, startTestSimulator } from '../__testUtils__/simulator';
import { GitHubSimulator } from '../GitHubSimulator';
import { RepositoryState } from '../data/RepositoryState';
import { repositoryOperations } from './operations';

/**
 * Every operation the simulator serves, requested over HTTP and checked
 * against the response schema GitHub publishes for it.
 */

const SERVED_OPERATIONS = [
  ...repositoryOperations.map(operation => operation.operationId),
  'rate-limit/get',
];

let validator: OpenApiValidator;
let simulator: GitHubSimulator;
let repo: RepositoryState;
const exercised = new Set<string>();

beforeAll(async () => {
  validator = OpenApiValidator.load();
  simulator = await startTestSimulator({
    repositories: ['acme/web', 'acme/api', 'globex/infra'],
    pullsPerRepo: 60,
    runsPerRepo: 150,
  });
  repo = simulator.store.repository('acme/web')!;
});

afterAll(async () => {
  await simulator.stop();
});

async function get(path: string, headers: Record<string, string> = auth) {
  return request(simulator.url).get(path).set(headers);
}

function expectSchema(
  operationId: string,
  status: number,
  body: unknown,
): void {
  const { path, method } = validator.operation(operationId);
  const errors = validator.validateResponse(path, method, status, body);
  expect({ operationId, status, errors }).toEqual({
    operationId,
    status,
    errors: [],
  });
}

/** Requests `path`, expects 200 and a body valid for `operationId`. */
async function expectValid(operationId: string, path: string) {
  const response = await get(path);
  expect(response.status).toBe(200);
  expect(response.headers['content-type']).toBe(
    'application/json; charset=utf-8',
  );
  expectSchema(operationId, 200, response.body);
  exercised.add(operationId);
  return response;
}

function describePull(pull: RepositoryState['pulls'][number]): string {
  if (pull.mergedAt) {
    return 'merged';
  }
  return pull.draft ? `draft-${pull.state}` : pull.state;
}

describe('successful responses match the OpenAPI description', () => {
  it('repos/get', async () => {
    for (const fullName of simulator.store.repositoryNames) {
      await expectValid('repos/get', `/repos/${fullName}`);
    }
  });

  it('pulls/list in every state', async () => {
    for (const state of ['open', 'closed', 'all']) {
      const response = await expectValid(
        'pulls/list',
        `/repos/acme/web/pulls?state=${state}&per_page=100`,
      );
      expect(response.body.length).toBeGreaterThan(0);
    }
  });

  it('pulls/get for every pull request (open, draft, closed, merged)', async () => {
    const kinds = new Set<string>();
    for (const pull of repo.pulls) {
      kinds.add(describePull(pull));
      await expectValid('pulls/get', `/repos/acme/web/pulls/${pull.number}`);
    }
    expect([...kinds]).toEqual(
      expect.arrayContaining(['open', 'closed', 'merged', 'draft-open']),
    );
  });

  it('pulls/list-reviews', async () => {
    const reviewed = repo.pulls.filter(
      pull => (repo.reviews.get(pull.number) ?? []).length > 0,
    );
    expect(reviewed.length).toBeGreaterThan(0);
    for (const pull of reviewed.slice(0, 15)) {
      await expectValid(
        'pulls/list-reviews',
        `/repos/acme/web/pulls/${pull.number}/reviews`,
      );
    }
  });

  it('repos/list-commits: default-branch history holding every merge commit, in merge order', async () => {
    const response = await expectValid(
      'repos/list-commits',
      `/repos/acme/web/commits?sha=${repo.repository.defaultBranch}&per_page=100`,
    );
    expect(response.body.length).toBeGreaterThan(0);
    const tipOrder = new Map(
      repo.defaultBranchCommits.map((commit, index) => [commit.sha, index]),
    );
    const merged = repo.pulls
      .filter(pull => pull.mergedAt !== null)
      .sort((a, b) => a.mergedAt! - b.mergedAt!);
    const positions = merged.map(pull => tipOrder.get(pull.mergeCommitSha!));
    expect(positions.every(position => position !== undefined)).toBe(true);
    expect([...positions].sort((a, b) => a! - b!)).toEqual(positions);
    const methods = new Set(merged.map(pull => pull.mergeMethod));
    expect([...methods].sort()).toEqual(['merge', 'rebase', 'squash']);
    for (const deployment of repo.deployments) {
      expect(repo.commitsBySha.has(deployment.sha)).toBe(true);
    }
  });

  it('pulls/list-commits and issues/list-events-for-timeline', async () => {
    const merged = repo.pulls.find(pull => pull.mergedAt !== null)!;
    const commits = await expectValid(
      'pulls/list-commits',
      `/repos/acme/web/pulls/${merged.number}/commits`,
    );
    expect(commits.body[commits.body.length - 1].sha).toBe(merged.headSha);
    const wasDraft = repo.pulls.find(pull => pull.draftEvents.length > 0)!;
    expect(wasDraft).toBeDefined();
    const timeline = await expectValid(
      'issues/list-events-for-timeline',
      `/repos/acme/web/issues/${wasDraft.number}/timeline`,
    );
    expect(
      timeline.body.map((event: { event: string }) => event.event),
    ).toEqual(['ready_for_review']);
  });

  it('actions/get-workflow-run-attempt for re-run runs', async () => {
    const rerun = simulator.store.repositoryNames
      .flatMap(name => simulator.store.repository(name)!.runs)
      .find(run => run.runAttempt > 1)!;
    expect(rerun).toBeDefined();
    const owner = simulator.store.repositoryNames.find(name =>
      simulator.store.repository(name)!.runsById.has(rerun.id),
    );
    const first = await expectValid(
      'actions/get-workflow-run-attempt',
      `/repos/${owner}/actions/runs/${rerun.id}/attempts/1`,
    );
    expect(first.body.run_attempt).toBe(1);
    expect(first.body.conclusion).toBe(rerun.previousAttempts[0].conclusion);
    await expectValid(
      'actions/get-workflow-run-attempt',
      `/repos/${owner}/actions/runs/${rerun.id}/attempts/${rerun.runAttempt}`,
    );
  });

  it('commit statuses and combined status', async () => {
    const withStatuses = simulator.store.repositoryNames
      .map(name => simulator.store.repository(name)!)
      .find(state => state.statusesBySha.size > 0)!;
    expect(withStatuses).toBeDefined();
    const sha = [...withStatuses.statusesBySha.keys()][0];
    await expectValid(
      'repos/get-combined-status-for-ref',
      `/repos/${withStatuses.fullName}/commits/${sha}/status`,
    );
    await expectValid(
      'repos/list-commit-statuses-for-ref',
      `/repos/${withStatuses.fullName}/commits/${sha}/statuses`,
    );
    const withoutStatuses = repo.runs.find(
      run => !repo.statusesBySha.has(run.headSha),
    )!;
    const empty = await expectValid(
      'repos/get-combined-status-for-ref',
      `/repos/acme/web/commits/${withoutStatuses.headSha}/status`,
    );
    expect(empty.body).toMatchObject({ state: 'pending', total_count: 0 });
  });

  it('checks/list-for-ref, by SHA and by branch name', async () => {
    const openWithRun = repo.pulls.find(
      pull => pull.state === 'open' && repo.runsByHeadSha.has(pull.headSha),
    )!;
    const bySha = await expectValid(
      'checks/list-for-ref',
      `/repos/acme/web/commits/${openWithRun.headSha}/check-runs?filter=all`,
    );
    expect(bySha.body.total_count).toBeGreaterThan(0);
    const byBranch = await expectValid(
      'checks/list-for-ref',
      `/repos/acme/web/commits/${openWithRun.headRef}/check-runs`,
    );
    expect(byBranch.body.check_runs.map((c: { id: number }) => c.id)).toEqual(
      bySha.body.check_runs.map((c: { id: number }) => c.id),
    );
  });

  it('actions/list-repo-workflows', async () => {
    const response = await expectValid(
      'actions/list-repo-workflows',
      '/repos/acme/web/actions/workflows',
    );
    expect(
      response.body.workflows.map((w: { name: string }) => w.name),
    ).toEqual(['CI', 'Deploy', 'Nightly']);
  });

  it('actions/list-workflow-runs-for-repo and actions/list-workflow-runs', async () => {
    await expectValid(
      'actions/list-workflow-runs-for-repo',
      '/repos/acme/web/actions/runs?per_page=100',
    );
    await expectValid(
      'actions/list-workflow-runs-for-repo',
      '/repos/acme/web/actions/runs?per_page=100&page=2',
    );
    for (const workflow of repo.workflows) {
      await expectValid(
        'actions/list-workflow-runs',
        `/repos/acme/web/actions/workflows/${workflow.id}/runs?per_page=50`,
      );
    }
    await expectValid(
      'actions/list-workflow-runs',
      '/repos/acme/web/actions/workflows/ci.yml/runs',
    );
  });

  it('actions/get-workflow-run', async () => {
    const withPull = repo.runs.find(run => run.pullNumbers.length > 0)!;
    for (const run of [
      repo.runs[0],
      withPull,
      repo.runs[repo.runs.length - 1],
    ]) {
      await expectValid(
        'actions/get-workflow-run',
        `/repos/acme/web/actions/runs/${run.id}`,
      );
    }
  });

  it('repos/list-deployments and repos/list-deployment-statuses', async () => {
    await expectValid(
      'repos/list-deployments',
      '/repos/acme/web/deployments?per_page=100',
    );
    for (const deployment of repo.deployments.slice(-10)) {
      await expectValid(
        'repos/list-deployment-statuses',
        `/repos/acme/web/deployments/${deployment.id}/statuses`,
      );
    }
  });

  it('rate-limit/get', async () => {
    await expectValid('rate-limit/get', '/rate_limit');
  });

  it('responses stay valid for data created by activity', async () => {
    for (let i = 0; i < 12; i++) {
      simulator.tick();
    }
    const live = repo.runs.filter(run => run.status !== 'completed');
    for (const run of live) {
      await expectValid(
        'actions/get-workflow-run',
        `/repos/acme/web/actions/runs/${run.id}`,
      );
      await expectValid(
        'checks/list-for-ref',
        `/repos/acme/web/commits/${run.headSha}/check-runs`,
      );
    }
    for (const name of simulator.store.repositoryNames) {
      await expectValid(
        'pulls/list',
        `/repos/${name}/pulls?state=all&sort=updated&direction=desc`,
      );
      await expectValid(
        'actions/list-workflow-runs-for-repo',
        `/repos/${name}/actions/runs`,
      );
      await expectValid('repos/list-deployments', `/repos/${name}/deployments`);
    }
  });

  it('every served operation was checked', () => {
    expect([...exercised].sort()).toEqual([...SERVED_OPERATIONS].sort());
  });
});

describe('error responses match the OpenAPI description', () => {
  it('404 for an unknown repository, pull request, run, ref or path', async () => {
    const notFoundBody = {
      message: 'Not Found',
      documentation_url: 'https://docs.github.com/rest',
      status: '404',
    };
    for (const [operationId, path] of [
      ['repos/get', '/repos/acme/does-not-exist'],
      ['pulls/get', '/repos/acme/web/pulls/99999'],
      [
        'repos/get-combined-status-for-ref',
        '/repos/acme/web/commits/0000000000/status',
      ],
      [
        'repos/list-deployment-statuses',
        '/repos/acme/web/deployments/1/statuses',
      ],
    ]) {
      const response = await get(path);
      expect(response.status).toBe(404);
      expect(response.body).toEqual(notFoundBody);
      expectSchema(operationId, 404, response.body);
    }
    const unknownRoute = await get('/repos/acme/web/branches');
    expect(unknownRoute.status).toBe(404);
    expect(
      validator.validateComponent('basic-error', unknownRoute.body),
    ).toEqual([]);
  });

  it('422 for invalid parameters', async () => {
    const response = await get('/repos/acme/web/pulls?state=merged');
    expect(response.status).toBe(422);
    expect(response.body).toEqual({
      message: 'Validation Failed',
      errors: [
        {
          resource: 'PullRequest',
          field: 'state',
          code: 'invalid',
          value: 'merged',
        },
      ],
      documentation_url:
        'https://docs.github.com/rest/pulls/pulls#list-pull-requests',
      status: '422',
    });
    expectSchema('pulls/list', 422, response.body);
    const runs = await get('/repos/acme/web/actions/runs?created=yesterday');
    expect(runs.status).toBe(422);
    expect(validator.validateComponent('validation-error', runs.body)).toEqual(
      [],
    );
  });

  it('304 has no body', async () => {
    const first = await get('/repos/acme/web/pulls/1');
    const second = await get('/repos/acme/web/pulls/1', {
      ...auth,
      'if-none-match': first.headers.etag,
    });
    expect(second.status).toBe(304);
    expect(second.text).toBe('');
    const { path, method } = validator.operation('pulls/get');
    expect(validator.declares(path, method, 304)).toBe(true);
  });

  it('401 for bad credentials', async () => {
    const strict = await startTestSimulator({ tokens: ['good-token'] });
    try {
      const response = await request(strict.url)
        .get('/repos/acme/web')
        .set('authorization', 'Bearer wrong-token');
      expect(response.status).toBe(401);
      expect(response.body).toEqual({
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
        status: '401',
      });
      expect(validator.validateComponent('basic-error', response.body)).toEqual(
        [],
      );
      const accepted = await request(strict.url)
        .get('/repos/acme/web')
        .set('authorization', 'token good-token');
      expect(accepted.status).toBe(200);
    } finally {
      await strict.stop();
    }
  });

  it('403 when the primary rate limit is exhausted', async () => {
    const limited = await startTestSimulator({ rateLimit: { limit: 1 } });
    try {
      await request(limited.url).get('/repos/acme/web').set(auth);
      const response = await request(limited.url)
        .get('/repos/acme/web')
        .set(auth);
      expect(response.status).toBe(403);
      expectSchema('repos/get', 403, response.body);
    } finally {
      await limited.stop();
    }
  });

  it('403 and 429 for secondary rate limits', async () => {
    for (const status of [403, 429] as const) {
      simulator.triggerSecondaryRateLimit({
        count: 1,
        status,
        retryAfterSeconds: 30,
      });
      const response = await get('/repos/acme/web/pulls');
      expect(response.status).toBe(status);
      expect(validator.validateComponent('basic-error', response.body)).toEqual(
        [],
      );
    }
  });

  it('injected 5xx errors carry GitHub-like bodies', async () => {
    simulator.setFaults({ errorRate: 1, errorStatuses: [503] });
    const unavailable = await get('/repos/acme/web/pulls/1');
    expect(unavailable.status).toBe(503);
    expectSchema('pulls/get', 503, unavailable.body);

    simulator.setFaults({ errorRate: 1, errorStatuses: [502] });
    const badGateway = await get('/repos/acme/web/pulls/1');
    expect(badGateway.status).toBe(502);
    expect(validator.validateComponent('basic-error', badGateway.body)).toEqual(
      [],
    );
    simulator.setFaults({});
  });
});
