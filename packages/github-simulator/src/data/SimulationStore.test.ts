import { DAY } from './factories';
import { RepositoryState } from './RepositoryState';
import { SimulationStore, StoreOptions } from './SimulationStore';

const ANCHOR = Date.parse('2025-06-02T12:00:00Z');

function createStore(overrides: Partial<StoreOptions> = {}) {
  return new SimulationStore({
    seed: 7,
    owners: ['acme', 'globex'],
    repoCount: 4,
    pullsPerRepo: 60,
    runsPerRepo: 200,
    anchor: ANCHOR,
    ...overrides,
  });
}

/** Everything generated for a repository, as comparable plain data. */
function snapshot(state: RepositoryState) {
  return JSON.parse(
    JSON.stringify({
      repository: state.repository,
      pulls: state.pulls,
      reviews: [...state.reviews],
      statuses: [...state.statusesBySha],
      workflows: state.workflows,
      runs: state.runs,
      deployments: state.deployments,
      branches: [...state.branches],
    }),
  );
}

describe('SimulationStore', () => {
  it('generates identical data for the same seed and options', () => {
    const first = createStore();
    const second = createStore();
    expect(first.repositoryNames).toEqual(second.repositoryNames);
    expect(first.vocabulary.authors).toEqual(second.vocabulary.authors);
    for (const name of first.repositoryNames) {
      expect(snapshot(second.repository(name)!)).toEqual(
        snapshot(first.repository(name)!),
      );
    }
  });

  it('generates different data for a different seed', () => {
    const first = createStore();
    const other = createStore({ seed: 8 });
    expect(other.repositoryNames).not.toEqual(first.repositoryNames);
    const explicit = { repositories: ['acme/web'] };
    const a = createStore(explicit).repository('acme/web')!;
    const b = createStore({ ...explicit, seed: 8 }).repository('acme/web')!;
    expect(b.pulls.map(pull => pull.headSha)).not.toEqual(
      a.pulls.map(pull => pull.headSha),
    );
    expect(b.pulls.map(pull => pull.title)).not.toEqual(
      a.pulls.map(pull => pull.title),
    );
  });

  it('does not depend on the order repositories are generated in', () => {
    const forward = createStore();
    const backward = createStore();
    const names = forward.repositoryNames;
    const forwardSnapshots = names.map(name =>
      snapshot(forward.repository(name)!),
    );
    const backwardSnapshots = [...names]
      .reverse()
      .map(name => snapshot(backward.repository(name)!))
      .reverse();
    expect(backwardSnapshots).toEqual(forwardSnapshots);
  });

  it('uses explicit repositories and looks them up case-insensitively', () => {
    const store = createStore({ repositories: ['Acme/Web', 'globex/infra'] });
    expect(store.repositoryNames).toEqual(['Acme/Web', 'globex/infra']);
    expect(store.repository('acme/web')?.fullName).toBe('Acme/Web');
    expect(store.repository('acme/other')).toBeUndefined();
    const infra = store.repository('globex/infra')!;
    expect(store.repositoryById(infra.repository.id)).toBe(infra);
    expect(() =>
      createStore({ repositories: ['acme/web', 'ACME/WEB'] }),
    ).toThrow(/Duplicate repository/);
  });

  it('spreads generated repositories over the owners', () => {
    const store = createStore({ repoCount: 6 });
    const owners = store.repositoryNames.map(name => name.split('/')[0]);
    expect(owners).toEqual([
      'acme',
      'globex',
      'acme',
      'globex',
      'acme',
      'globex',
    ]);
    expect(new Set(store.repositoryNames).size).toBe(6);
  });

  it('generates repositories lazily', () => {
    const started = Date.now();
    const store = createStore({
      repoCount: 200,
      pullsPerRepo: 300,
      runsPerRepo: 1000,
    });
    expect(store.repositoryCount).toBe(200);
    expect(store.generatedRepositories()).toHaveLength(0);
    const state = store.repositoryAt(137);
    expect(state.pulls).toHaveLength(300);
    expect(state.runs).toHaveLength(1000);
    expect(store.generatedRepositories()).toEqual([state]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  describe('distributions', () => {
    const store = createStore({
      repoCount: 6,
      pullsPerRepo: 300,
      runsPerRepo: 1000,
    });
    const repositories = store.allRepositories();
    const pulls = repositories.flatMap(state => state.pulls);
    const runs = repositories.flatMap(state => state.runs);

    it('spreads activity over the history window', () => {
      for (const item of [...pulls, ...runs]) {
        expect(item.createdAt).toBeGreaterThan(ANCHOR - 121 * DAY);
        expect(item.createdAt).toBeLessThan(ANCHOR);
      }
    });

    it('keeps recent pull requests open more often than old ones', () => {
      const openShare = (minDays: number, maxDays: number) => {
        const window = pulls.filter(
          pull =>
            pull.createdAt <= ANCHOR - minDays * DAY &&
            pull.createdAt > ANCHOR - maxDays * DAY,
        );
        return (
          window.filter(pull => pull.state === 'open').length / window.length
        );
      };
      expect(openShare(0, 3)).toBeGreaterThan(0.6);
      expect(openShare(60, 120)).toBeLessThan(0.15);
      const closed = pulls.filter(pull => pull.state === 'closed');
      const mergedShare =
        closed.filter(pull => pull.mergedAt !== null).length / closed.length;
      expect(mergedShare).toBeGreaterThan(0.7);
      expect(mergedShare).toBeLessThan(0.92);
      const open = pulls.filter(pull => pull.state === 'open');
      expect(open.filter(pull => pull.draft).length).toBeGreaterThan(0);
      expect(pulls.some(pull => pull.author.type === 'Bot')).toBe(true);
    });

    it('draws pull request sizes from a long-tailed distribution', () => {
      const additions = pulls.map(pull => pull.additions).sort((a, b) => a - b);
      const median = additions[Math.floor(additions.length / 2)];
      const p99 = additions[Math.floor(additions.length * 0.99)];
      expect(median).toBeGreaterThan(10);
      expect(median).toBeLessThan(120);
      expect(p99).toBeGreaterThan(median * 10);
    });

    it('uses about 20 authors, a few of them much more active', () => {
      const byAuthor = new Map<string, number>();
      for (const pull of pulls) {
        if (pull.author.type === 'User') {
          byAuthor.set(
            pull.author.login,
            (byAuthor.get(pull.author.login) ?? 0) + 1,
          );
        }
      }
      expect(byAuthor.size).toBe(20);
      const counts = [...byAuthor.values()].sort((a, b) => b - a);
      expect(counts[0]).toBeGreaterThan(counts[19] * 3);
      for (const author of store.vocabulary.authors) {
        expect(author.login).toMatch(/^[a-z0-9-]+$/);
      }
    });

    it('mixes review states and completes most runs successfully', () => {
      const reviewStates = new Set(
        repositories.flatMap(state =>
          [...state.reviews.values()].flat().map(review => review.state),
        ),
      );
      expect([...reviewStates].sort()).toEqual([
        'APPROVED',
        'CHANGES_REQUESTED',
        'COMMENTED',
      ]);
      const completed = runs.filter(run => run.status === 'completed');
      const successShare =
        completed.filter(run => run.conclusion === 'success').length /
        completed.length;
      expect(successShare).toBeGreaterThan(0.8);
      expect(successShare).toBeLessThan(0.9);
      expect(new Set(completed.map(run => run.conclusion))).toEqual(
        new Set(['success', 'failure', 'cancelled']),
      );
      for (const run of completed) {
        const minutes = (run.completedAt! - run.runStartedAt) / 60000;
        expect(minutes).toBeGreaterThanOrEqual(0.5);
        expect(minutes).toBeLessThan(240);
      }
      expect(new Set(runs.map(run => run.workflow.name))).toEqual(
        new Set(['CI', 'Deploy', 'Nightly']),
      );
    });

    it('creates deployments to staging and production with statuses', () => {
      const deployments = repositories.flatMap(state => state.deployments);
      expect(new Set(deployments.map(d => d.environment))).toEqual(
        new Set(['staging', 'production']),
      );
      const states = new Set(
        deployments.flatMap(d => d.statuses.map(s => s.state)),
      );
      expect(states).toEqual(
        new Set(['in_progress', 'success', 'failure', 'error', 'inactive']),
      );
      for (const state of repositories) {
        for (const environment of ['staging', 'production']) {
          const active = state.deployments.filter(
            d =>
              d.environment === environment &&
              d.statuses[d.statuses.length - 1]?.state === 'success',
          );
          expect(active.length).toBeLessThanOrEqual(1);
        }
      }
    });

    it('links check runs and statuses to pull request head commits', () => {
      const state = repositories[0];
      const withRuns = state.pulls.filter(pull =>
        state.runsByHeadSha.has(pull.headSha),
      );
      expect(withRuns.length).toBeGreaterThan(state.pulls.length / 2);
      const withStatuses = repositories.find(
        repo => repo.statusContexts.length > 0,
      )!;
      for (const pull of withStatuses.pulls) {
        expect(
          withStatuses.statusesBySha.get(pull.headSha)?.length,
        ).toBeGreaterThan(0);
      }
    });
  });
});
