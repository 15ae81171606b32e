/**
 * A small delivery history of one service (`component:default/web`, repository `acme/web`),
 * with every figure the metrics API must give for it worked out by hand below. The test
 * (`../router.test.ts`) seeds it through the GitHub and incident stores, runs the
 * aggregation at NOW and compares the API's answers with these tables.
 *
 * NOW = 2026-11-30 12:00 UTC; zone UTC; production environments: production; failure window
 * 24 h at severity error; minimum sample 2. 7-day window: Nov 24–30; 30-day: Nov 1–30.
 *
 * Default branch (oldest first): c0 ← c1 (merge of #1) ← c2 (squash of #2) ← c3 (merge of #3,
 * parents c2 and branch commit f3) ← c4 (squash of #4, dependabot) ← c5 (squash of #5).
 *
 * Deployments (production unless said; 100 and 101 are `inactive` now, as GitHub marks a
 * successful deployment once the next one succeeds, and count as of their success):
 * | id  | sha | status  | at          | ships                              |
 * | 100 | c1  | success | Nov 21 10:00 | first of production: baseline (#1) |
 * | 101 | c3  | success | Nov 27 10:00 | c2, f3, c3 → #2, #3                |
 * | 102 | c4  | failure | Nov 28 09:00 | (failed; blames 101, 23 h after)   |
 * | 103 | c4  | success | Nov 28 12:00 | c4 → #4                            |
 * | 200 | c5  | success | Nov 29 11:00 | staging: not a deployment here     |
 *
 * Incidents: I1 critical Nov 27 14:00–16:00 (blames 101, 4 h after it); I2 warning
 * Nov 28 13:00–13:30 (below the failure severity); I3 error Nov 10 10:00–11:00 (no deployment
 * in the 24 h before it: blames none).
 *
 * Pull requests (coding = first commit → opened; pickup = ready → first non-author, non-bot
 * review; review = that review → merged; deploy = merged → production; lead = first commit →
 * production):
 * | #  | author          | size      | coding | pickup | review | deploy | lead   | note                         |
 * | 1  | alice           | S (12)    | 24 h   | 6 h    | 19 h   | —      | —      | merged Nov 20: baselined     |
 * | 2  | alice           | S (80)    | 2 h    | 4 h    | 20 h   | 48 h   | 74 h   | own comment is no pickup     |
 * | 3  | carol           | L (500)   | 2 h    | 3 h    | 15 h   | 25 h   | 51 h   | draft; a bot's review skipped|
 * | 4  | dependabot[bot] | S         | —      | —      | —      | —      | 49 h   | bot: lead time only          |
 * | 5  | alice           | XL (900)  | 1 h    | —      | —      | —      | —      | unapproved; waiting          |
 * | 6  | erin            | open, opened Nov 29 12:00: 24 h old                                       |
 * | 7  | alice           | closed without merging: nowhere                                           |
 *
 * Expected, 7-day window:
 * | deployment frequency | 2 deployments: 2 / week (high), 2/7 per day, median 2 deployment days per week |
 * | lead time            | #2, #3, #4 → [49, 51, 74] h: p50 51 h (high), p90 74 h; waiting 1 (#5), baselined 0 |
 * | change failure rate  | 101 failed (I1, 102), 103 did not: 1 / 2 = 0.5 (low)                |
 * | time to restore      | I1 2 h, I2 30 min: p50 30 min (elite), p90 2 h; recovery of 102: 3 h |
 * | PR flow              | merged 3 (#2, #3, #5), bots 1; coding p50/p75/p90 2/2/2 h; pickup 3/4/4 h; review 15/20/20 h; deploy 25/48/48 h; sizes S1 M0 L1 XL1; unapproved 1; open 1 (24 h) |
 * | CI (CI on main)      | runs R1–R4: 2 succeeded, 2 failed (0.5); duration [10, 10, 8, 6] min: p50 8 min, p95 10 min; queue (first attempts R1, R2, R4) [1, 2, 1] min: p50 1 min, p95 2 min |
 * | CI (feature-6)       | 1 run, success 1.0, duration 5 min, queue 1 min                     |
 * | flaky                | CI at c4: R2 failed, R3 failed then passed on re-run                |
 * | main red             | R2 Nov 28 08:00 → R3 Nov 28 11:00 (3 h) + R4 Nov 29 10:00 → now (26 h) = 29 h; red now |
 *
 * Expected, 30-day window (what changes):
 * | deployment frequency | 3 deployments: 0.7 / week (medium); weeks Nov 3–9, 10–16, 17–23, 24–30 have 0, 0, 1, 2 days: median 0 |
 * | lead time            | the same three; waiting 1, baselined 1 (#1)                          |
 * | change failure rate  | 100, 101, 103: 1 / 3                                                  |
 * | time to restore      | + I3 1 h: [30 min, 1 h, 2 h]: p50 1 h (high: elite is below 1 h), p90 2 h |
 * | PR flow              | + #1: merged 4; coding [24, 2, 2, 1] h: p50 2 h, p75 2 h, p90 24 h   |
 */
import { Knex } from 'knex';
import {
  migratedWithRepository,
  pullRecord,
  runRecord,
  storedDeployment,
} from '../../github/__testUtils__/records';
import { GithubStore } from '../../github/store';
import { startEscalation } from '../../oncall/escalation';
import {
  IncidentStore,
  NewStoredIncident,
} from '../../oncall/incidents/IncidentStore';

export const NOW = new Date('2026-11-30T12:00:00Z');
export const ENTITY_REF = 'component:default/web';

export const at = (day: number, time: string) =>
  new Date(`2026-11-${String(day).padStart(2, '0')}T${time}:00Z`);
export const sha = (name: string) => name.padEnd(40, '0');
const HOUR = 3600;

export const EXPECTED = {
  hour: HOUR,
  mainRedSeconds: 29 * HOUR,
};

const POLICY = {
  id: 'web-policy',
  name: 'Web',
  repeat: 0,
  steps: [
    {
      delayMinutes: 5,
      targets: [{ type: 'user' as const, userRef: 'user:default/alice' }],
    },
  ],
};

function incident(
  id: string,
  severity: NewStoredIncident['severity'],
  triggeredAt: Date,
  resolvedAt: Date,
): NewStoredIncident {
  return {
    id,
    title: `Incident ${id}`,
    entityRef: ENTITY_REF,
    severity,
    status: 'resolved',
    dedupKey: `fixture-${id}`,
    integrationKey: null,
    source: 'manual',
    rawPayload: null,
    alertCount: 1,
    createdAt: triggeredAt,
    acknowledgedAt: null,
    resolvedAt,
    timeToAcknowledgeSeconds: null,
    timeToResolveSeconds: (resolvedAt.getTime() - triggeredAt.getTime()) / 1000,
    escalationPolicyId: POLICY.id,
    escalation: startEscalation(id, POLICY, triggeredAt),
    flagged: false,
  };
}

export const INCIDENT_IDS = {
  i1: '00000000-0000-4000-8000-000000000001',
  i2: '00000000-0000-4000-8000-000000000002',
  i3: '00000000-0000-4000-8000-000000000003',
};

const DERIVED = {
  firstReviewAt: null,
  reviewDecision: null,
  ciState: 'none' as const,
};

/** Migrates `knex` and stores the fixture; returns the repository's id. */
export async function seedDeliveryFixture(knex: Knex): Promise<number> {
  const repositoryId = await migratedWithRepository(knex);
  const store = new GithubStore(knex);
  await store.repositories.updateRepository(repositoryId, {
    defaultBranch: 'main',
  });

  await store.branchCommits.addCommits(repositoryId, [
    {
      sha: sha('c0'),
      parentShas: [],
      authoredAt: at(1, '00:00'),
      committedAt: at(1, '00:00'),
    },
    {
      sha: sha('c1'),
      parentShas: [sha('c0')],
      authoredAt: at(20, '10:00'),
      committedAt: at(20, '10:00'),
    },
    {
      sha: sha('c2'),
      parentShas: [sha('c1')],
      authoredAt: at(25, '10:00'),
      committedAt: at(25, '10:00'),
    },
    {
      sha: sha('f3'),
      parentShas: [sha('c2')],
      authoredAt: at(25, '07:00'),
      committedAt: at(25, '07:00'),
    },
    {
      sha: sha('c3'),
      parentShas: [sha('c2'), sha('f3')],
      authoredAt: at(26, '09:00'),
      committedAt: at(26, '09:00'),
    },
    {
      sha: sha('c4'),
      parentShas: [sha('c3')],
      authoredAt: at(26, '12:00'),
      committedAt: at(26, '12:00'),
    },
    {
      sha: sha('c5'),
      parentShas: [sha('c4')],
      authoredAt: at(29, '10:00'),
      committedAt: at(29, '10:00'),
    },
  ]);

  const merged = (
    number: number,
    author: string,
    createdAt: Date,
    mergedAt: Date,
    mergeCommit: string,
    lines: [number, number],
  ) =>
    pullRecord(number, {
      authorLogin: author,
      state: 'merged',
      createdAt,
      updatedAt: mergedAt,
      mergedAt,
      closedAt: mergedAt,
      mergeCommitSha: sha(mergeCommit),
      additions: lines[0],
      deletions: lines[1],
    });
  await store.pullRequests.upsertPulls(repositoryId, [
    {
      pull: merged(1, 'alice', at(19, '09:00'), at(20, '10:00'), 'c1', [10, 2]),
      derived: DERIVED,
    },
    {
      pull: merged(
        2,
        'alice',
        at(24, '10:00'),
        at(25, '10:00'),
        'c2',
        [50, 30],
      ),
      derived: DERIVED,
    },
    {
      pull: merged(
        3,
        'carol',
        at(25, '09:00'),
        at(26, '09:00'),
        'c3',
        [300, 200],
      ),
      derived: DERIVED,
    },
    {
      pull: merged(
        4,
        'dependabot[bot]',
        at(26, '11:00'),
        at(26, '12:00'),
        'c4',
        [4, 4],
      ),
      derived: DERIVED,
    },
    {
      pull: merged(
        5,
        'alice',
        at(28, '09:00'),
        at(29, '10:00'),
        'c5',
        [900, 0],
      ),
      derived: DERIVED,
    },
    {
      pull: pullRecord(6, {
        authorLogin: 'erin',
        createdAt: at(29, '12:00'),
        updatedAt: at(29, '12:00'),
      }),
      derived: DERIVED,
    },
    {
      pull: pullRecord(7, {
        authorLogin: 'alice',
        state: 'closed',
        createdAt: at(27, '09:00'),
        updatedAt: at(27, '10:00'),
        closedAt: at(27, '10:00'),
      }),
      derived: DERIVED,
    },
  ]);
  await store.pullRequests.recordFlow(repositoryId, [
    {
      number: 1,
      firstCommitAt: at(18, '09:00'),
      readyForReviewAt: at(19, '09:00'),
    },
    {
      number: 2,
      firstCommitAt: at(24, '08:00'),
      readyForReviewAt: at(24, '10:00'),
    },
    {
      number: 3,
      firstCommitAt: at(25, '07:00'),
      readyForReviewAt: at(25, '15:00'),
    },
    {
      number: 4,
      firstCommitAt: at(26, '11:00'),
      readyForReviewAt: at(26, '11:00'),
    },
    {
      number: 5,
      firstCommitAt: at(28, '08:00'),
      readyForReviewAt: at(28, '09:00'),
    },
  ]);
  let reviewId = 1;
  const review = (
    pullNumber: number,
    reviewerLogin: string,
    state: string,
    submittedAt: Date,
  ) => ({
    id: reviewId++,
    pullNumber,
    reviewerLogin,
    state,
    submittedAt,
    commitId: null,
  });
  await store.pullRequests.replaceReviews(
    repositoryId,
    [1, 2, 3],
    [
      review(1, 'bob', 'APPROVED', at(19, '15:00')),
      review(2, 'alice', 'COMMENTED', at(24, '11:00')),
      review(2, 'bob', 'APPROVED', at(24, '14:00')),
      review(3, 'ci-helper[bot]', 'COMMENTED', at(25, '15:30')),
      review(3, 'dave', 'CHANGES_REQUESTED', at(25, '18:00')),
      review(3, 'dave', 'APPROVED', at(26, '08:00')),
    ],
  );

  const deployment = (
    id: number,
    environment: string,
    commit: string,
    state: string,
    statusAt: Date,
    succeededAt: Date | null = state === 'success' ? statusAt : null,
  ) =>
    storedDeployment(id, {
      environment,
      sha: sha(commit),
      state,
      createdAt: new Date((succeededAt ?? statusAt).getTime() - 10 * 60_000),
      updatedAt: statusAt,
      statusAt,
      succeededAt,
    });
  await store.deployments.upsertDeployments(repositoryId, [
    // GitHub marks a successful deployment inactive when the next one to its environment succeeds.
    deployment(
      100,
      'production',
      'c1',
      'inactive',
      at(27, '10:00'),
      at(21, '10:00'),
    ),
    deployment(
      101,
      'production',
      'c3',
      'inactive',
      at(28, '12:00'),
      at(27, '10:00'),
    ),
    deployment(102, 'production', 'c4', 'failure', at(28, '09:00')),
    deployment(103, 'production', 'c4', 'success', at(28, '12:00')),
    deployment(200, 'staging', 'c5', 'success', at(29, '11:00')),
  ]);

  const minutes = (date: Date, count: number) =>
    new Date(date.getTime() + count * 60_000);
  const run = (
    id: number,
    createdAt: Date,
    commit: string,
    conclusion: 'success' | 'failure',
    queueMinutes: number,
    durationMinutes: number,
    overrides: Parameters<typeof runRecord>[1] = {},
  ) => {
    const startedAt = minutes(createdAt, queueMinutes);
    return runRecord(id, {
      headSha: sha(commit),
      conclusion,
      createdAt,
      startedAt,
      completedAt: minutes(startedAt, durationMinutes),
      updatedAt: minutes(startedAt, durationMinutes),
      ...overrides,
    });
  };
  const r3Created = at(28, '11:00');
  await store.workflowRuns.upsertRuns(repositoryId, [
    run(1, at(27, '10:00'), 'c3', 'success', 1, 10),
    run(2, at(28, '08:00'), 'c4', 'failure', 2, 10),
    run(3, r3Created, 'c4', 'success', 1, 8, { runAttempt: 2 }),
    run(4, at(29, '10:00'), 'c5', 'failure', 1, 6),
    run(5, at(29, '12:30'), 'e6', 'success', 1, 5, {
      branch: 'feature-6',
      event: 'pull_request',
    }),
  ]);
  await store.workflowRuns.recordAttempts(repositoryId, [
    {
      runId: 3,
      attempt: 1,
      workflowId: 7,
      headSha: sha('c4'),
      status: 'completed',
      conclusion: 'failure',
      startedAt: minutes(r3Created, 1),
      completedAt: minutes(r3Created, 9),
      updatedAt: minutes(r3Created, 9),
    },
  ]);

  const incidents = new IncidentStore(knex);
  await incidents.transaction(tx =>
    incidents.insertManyIfNoneOpen(tx, [
      incident(INCIDENT_IDS.i1, 'critical', at(27, '14:00'), at(27, '16:00')),
      incident(INCIDENT_IDS.i2, 'warning', at(28, '13:00'), at(28, '13:30')),
      incident(INCIDENT_IDS.i3, 'error', at(10, '10:00'), at(10, '11:00')),
    ]),
  );
  await knex('pulse_incidents').update({ open_dedup_key: null });
  return repositoryId;
}
