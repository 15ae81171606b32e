import type {
  Incident,
  PullRequestPage,
  WorkflowSummaryList,
} from '@pulse-oss/plugin-pulse-common';
import {
  entityOnCallFixture,
  pullRequestFixture,
  syncStatusFixture,
  workflowRunFixture,
} from '../../__testUtils__/fixtures';
import { ciLine, incidentsLine, pullRequestsLine } from './overview';

function page(
  items: PullRequestPage['items'],
  nextCursor: string | null = null,
): PullRequestPage {
  return { version: 1, items, nextCursor, lastSyncedAt: null };
}

function summary(
  runs: Array<Parameters<typeof workflowRunFixture>[0] | null>,
): WorkflowSummaryList {
  return {
    version: 1,
    defaultBranch: 'main',
    items: runs.map((run, index) => ({
      workflowId: index + 1,
      workflowName: run?.workflowName ?? `W${index + 1}`,
      latestRun: run ? workflowRunFixture(run) : null,
      successRate: null,
      medianDurationSeconds: null,
      sampleSize: 0,
    })),
    lastSyncedAt: null,
    sync: syncStatusFixture(),
  };
}

const incident = (overrides: Partial<Incident>): Incident =>
  ({
    id: 'i',
    title: 't',
    entityRef: 'component:default/payments-api',
    severity: 'error',
    status: 'acknowledged',
    ...overrides,
  } as Incident);

describe('overview lines', () => {
  it('count open pull requests and those waiting for a first review, drafts aside', () => {
    expect(pullRequestsLine(page([]))).toEqual({
      kind: 'ok',
      text: 'No open pull requests',
    });
    expect(
      pullRequestsLine(
        page([
          pullRequestFixture({ number: 1 }),
          pullRequestFixture({ number: 2, draft: true }),
          pullRequestFixture({
            number: 3,
            firstReviewAt: '2026-12-01T00:00:00Z',
          }),
        ]),
      ),
    ).toEqual({
      kind: 'warning',
      text: '3 open, 1 waiting for a first review',
    });
    expect(
      pullRequestsLine(
        page(
          [pullRequestFixture({ firstReviewAt: '2026-12-01T00:00:00Z' })],
          'more',
        ),
      ),
    ).toEqual({ kind: 'ok', text: '1+ open, none waiting for a first review' });
  });

  it('say the default branch is red when a workflow’s latest run failed, naming it', () => {
    expect(
      ciLine(
        summary([
          { workflowName: 'CI' },
          { workflowName: 'Deploy', conclusion: 'failure' },
          { workflowName: 'Nightly', conclusion: 'timed_out' },
        ]),
      ),
    ).toEqual({ kind: 'error', text: 'main is red: Deploy, Nightly' });
    expect(ciLine(summary([{ workflowName: 'CI' }]))).toEqual({
      kind: 'ok',
      text: 'main is green',
    });
    expect(
      ciLine(
        summary([
          { workflowName: 'CI' },
          { status: 'in_progress', conclusion: null },
        ]),
      ),
    ).toEqual({ kind: 'running', text: 'main: runs in progress' });
    expect(ciLine(summary([null]))).toEqual({
      kind: 'pending',
      text: 'No runs on main yet',
    });
    // A cancelled run neither turns the branch red nor green by itself.
    expect(ciLine(summary([{ conclusion: 'cancelled' }])).kind).toBe('ok');
  });

  it('count open incidents by severity, most severe first, and those not acknowledged', () => {
    expect(incidentsLine(entityOnCallFixture())).toEqual({
      kind: 'ok',
      text: 'No open incidents',
    });
    expect(
      incidentsLine(
        entityOnCallFixture({
          openIncidents: [
            incident({ id: 'a', severity: 'warning' }),
            incident({ id: 'b', severity: 'critical', status: 'triggered' }),
            incident({ id: 'c', severity: 'warning' }),
          ],
        }),
      ),
    ).toEqual({
      kind: 'error',
      text: '3 open (1 critical, 2 warning), 1 not acknowledged',
    });
    expect(
      incidentsLine(
        entityOnCallFixture({
          openIncidents: [incident({ severity: 'warning' })],
        }),
      ).kind,
    ).toBe('warning');
  });
});
