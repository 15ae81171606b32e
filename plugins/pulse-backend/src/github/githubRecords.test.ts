import {
  earlierSuccess,
  firstSuccessAt,
  latestDeploymentStatus,
  MalformedItemError,
  namesItsWorkflow,
  parseCheck,
  parseCombinedStatus,
  parseCommit,
  parsePullRequest,
  parsePullRequestHeader,
  parseReview,
  parseTimelineEvent,
  parseWorkflowRun,
} from './githubRecords';

const pull = {
  id: 11,
  number: 7,
  title: 'Add retries',
  user: { login: 'ann', avatar_url: 'https://avatars.example/ann' },
  draft: false,
  state: 'closed',
  labels: [{ name: 'bug' }, { name: 'backend' }],
  created_at: '2026-01-01T10:00:00Z',
  updated_at: '2026-01-02T10:00:00Z',
  closed_at: '2026-01-02T10:00:00Z',
  merged_at: '2026-01-02T10:00:00Z',
  merge_commit_sha: 'm'.repeat(40),
  head: { sha: 'a'.repeat(40), ref: 'feature/retries' },
  base: { ref: 'main' },
  html_url: 'https://github.com/acme/web/pull/7',
  additions: 10,
  deletions: 2,
  changed_files: 3,
};

describe('pull requests', () => {
  it('reads a merged pull request', () => {
    expect(parsePullRequest(pull)).toEqual({
      number: 7,
      githubId: 11,
      title: 'Add retries',
      authorLogin: 'ann',
      authorAvatarUrl: 'https://avatars.example/ann',
      draft: false,
      state: 'merged',
      labels: ['bug', 'backend'],
      additions: 10,
      deletions: 2,
      changedFiles: 3,
      createdAt: new Date('2026-01-01T10:00:00Z'),
      updatedAt: new Date('2026-01-02T10:00:00Z'),
      mergedAt: new Date('2026-01-02T10:00:00Z'),
      mergeCommitSha: 'm'.repeat(40),
      closedAt: new Date('2026-01-02T10:00:00Z'),
      headSha: 'a'.repeat(40),
      headRef: 'feature/retries',
      baseRef: 'main',
      htmlUrl: 'https://github.com/acme/web/pull/7',
    });
  });

  it('tells closed from merged and open', () => {
    expect(parsePullRequestHeader({ ...pull, merged_at: null }).state).toBe(
      'closed',
    );
    expect(
      parsePullRequestHeader({
        ...pull,
        state: 'open',
        merged_at: null,
        closed_at: null,
      }).state,
    ).toBe('open');
  });

  it('keeps the merge commit only of a merged pull request', () => {
    // Before the merge GitHub names a test merge commit that never lands on the base branch.
    expect(
      parsePullRequest({ ...pull, merged_at: null, state: 'open' })
        .mergeCommitSha,
    ).toBeNull();
    expect(
      parsePullRequest({ ...pull, merge_commit_sha: null }).mergeCommitSha,
    ).toBeNull();
  });

  it('reads a deleted author as ghost', () => {
    expect(parsePullRequest({ ...pull, user: null }).authorLogin).toBe('ghost');
  });

  it('rejects malformed items naming the field', () => {
    expect(() => parsePullRequest({ ...pull, title: null })).toThrow(
      MalformedItemError,
    );
    expect(() =>
      parsePullRequest({ ...pull, updated_at: 'yesterday' }),
    ).toThrow(/Malformed pull request: updated_at not a timestamp/);
    expect(() => parsePullRequestHeader('not an object')).toThrow(
      MalformedItemError,
    );
  });
});

describe('commits and timeline events', () => {
  it('reads a commit with its parents and dates', () => {
    expect(
      parseCommit({
        sha: 'c'.repeat(40),
        commit: {
          author: { date: '2026-01-01T09:00:00Z' },
          committer: { date: '2026-01-01T09:30:00Z' },
        },
        parents: [{ sha: 'p'.repeat(40) }],
      }),
    ).toEqual({
      sha: 'c'.repeat(40),
      parentShas: ['p'.repeat(40)],
      authoredAt: new Date('2026-01-01T09:00:00Z'),
      committedAt: new Date('2026-01-01T09:30:00Z'),
    });
    expect(
      parseCommit({
        sha: 'c'.repeat(40),
        commit: { author: null },
        parents: [],
      }).authoredAt,
    ).toBeNull();
    expect(() => parseCommit({ sha: 'c'.repeat(40), commit: {} })).toThrow(
      MalformedItemError,
    );
  });

  it('reads a timeline item as its kind and time', () => {
    expect(
      parseTimelineEvent({
        event: 'ready_for_review',
        created_at: '2026-01-01T12:00:00Z',
        actor: { login: 'ann' },
      }),
    ).toEqual({
      event: 'ready_for_review',
      createdAt: new Date('2026-01-01T12:00:00Z'),
    });
    // Committed items carry no created_at.
    expect(parseTimelineEvent({ event: 'committed', sha: 'x' })).toEqual({
      event: 'committed',
      createdAt: null,
    });
    expect(() =>
      parseTimelineEvent({ event: 'labeled', created_at: 'soon' }),
    ).toThrow(MalformedItemError);
  });
});

describe('reviews, checks and statuses', () => {
  it('upper-cases webhook review states', () => {
    expect(
      parseReview(
        {
          id: 1,
          user: { login: 'bob' },
          state: 'approved',
          submitted_at: '2026-01-01T00:00:00Z',
        },
        7,
      ),
    ).toMatchObject({ pullNumber: 7, reviewerLogin: 'bob', state: 'APPROVED' });
  });

  it('reads a check run', () => {
    expect(
      parseCheck(
        {
          id: 5,
          head_sha: 'b'.repeat(40),
          status: 'completed',
          conclusion: 'timed_out',
          started_at: '2026-01-01T00:00:00Z',
          completed_at: '2026-01-01T00:05:00Z',
        },
        'check_run',
      ),
    ).toEqual({
      sha: 'b'.repeat(40),
      kind: 'check_run',
      key: '5',
      state: 'failure',
      rank: 2,
      observedAt: new Date('2026-01-01T00:05:00Z'),
    });
  });

  it('reads the latest status per context', () => {
    expect(
      parseCombinedStatus(
        {
          state: 'pending',
          statuses: [
            {
              context: 'ci/lint',
              state: 'success',
              updated_at: '2026-01-01T00:00:00Z',
            },
            { context: 'ci/e2e', state: 'pending', updated_at: null },
          ],
        },
        'c'.repeat(40),
      ).map(s => [s.key, s.state]),
    ).toEqual([
      ['ci/lint', 'success'],
      ['ci/e2e', 'pending'],
    ]);
  });
});

describe('workflow runs', () => {
  const run = {
    id: 99,
    workflow_id: 3,
    name: 'CI',
    display_title: 'Add retries',
    head_branch: 'main',
    head_sha: 'd'.repeat(40),
    event: 'push',
    status: 'completed',
    conclusion: 'startup_failure',
    run_attempt: 2,
    created_at: '2026-01-01T10:00:00Z',
    updated_at: '2026-01-01T10:07:00Z',
    run_started_at: '2026-01-01T10:01:00Z',
    html_url: 'https://github.com/acme/web/actions/runs/99',
  };

  it('takes the completion time from the last update of a completed run', () => {
    expect(parseWorkflowRun(run)).toMatchObject({
      workflowName: 'CI',
      name: 'Add retries',
      conclusion: 'failure',
      runAttempt: 2,
      startedAt: new Date('2026-01-01T10:01:00Z'),
      completedAt: new Date('2026-01-01T10:07:00Z'),
    });
    expect(
      parseWorkflowRun({ ...run, status: 'in_progress', conclusion: null })
        .completedAt,
    ).toBeNull();
  });

  it("shows the workflow's name when the run has an empty one", () => {
    for (const name of ['', '  ', null, undefined]) {
      expect(
        parseWorkflowRun({ ...run, name, display_title: '' }, 'Deploy'),
      ).toMatchObject({ workflowName: 'Deploy', name: 'Deploy' });
      expect(parseWorkflowRun({ ...run, name }, '')).toMatchObject({
        workflowName: 'workflow 3',
        name: 'Add retries',
      });
    }
    expect(parseWorkflowRun(run, 'Deploy').workflowName).toBe('CI');
    expect(namesItsWorkflow({ ...run, name: '' })).toBe(false);
    expect(namesItsWorkflow(run)).toBe(true);
  });

  it('rejects unknown statuses', () => {
    expect(() => parseWorkflowRun({ ...run, status: 'exploded' })).toThrow(
      /Malformed workflow run: status/,
    );
  });
});

describe('latestDeploymentStatus', () => {
  it('picks the newest status whatever the order', () => {
    const statuses = [
      { id: 1, state: 'queued', createdAt: new Date('2026-01-01T10:00:00Z') },
      { id: 3, state: 'success', createdAt: new Date('2026-01-01T10:05:00Z') },
      {
        id: 2,
        state: 'in_progress',
        createdAt: new Date('2026-01-01T10:05:00Z'),
      },
    ];
    expect(latestDeploymentStatus(statuses)?.state).toBe('success');
    expect(latestDeploymentStatus([])).toBeUndefined();
  });
});

describe('firstSuccessAt', () => {
  it('keeps when a deployment first succeeded, after GitHub made it inactive', () => {
    const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 10, minute));
    expect(
      firstSuccessAt([
        { id: 4, state: 'inactive', createdAt: at(30) },
        { id: 2, state: 'success', createdAt: at(5) },
        { id: 1, state: 'in_progress', createdAt: at(1) },
      ]),
    ).toEqual(at(5));
    expect(
      firstSuccessAt([{ id: 1, state: 'failure', createdAt: at(1) }]),
    ).toBeNull();
    expect(earlierSuccess(null, at(2))).toEqual(at(2));
    expect(earlierSuccess(at(1), at(2))).toEqual(at(1));
    expect(earlierSuccess(at(3), null)).toEqual(at(3));
  });
});
