import {
  ActivityItem,
  Incident,
  PullRequest,
  WorkflowRun,
} from '@pulse-oss/plugin-pulse-common';
import {
  actorName,
  burstText,
  describeActivity,
  previousItems,
  sentenceText,
} from './sentences';

const ENTITY = 'component:default/payments-api';
const AT = '2025-01-06T12:00:00.000Z';

function item(
  type: string,
  payload: unknown,
  overrides: Partial<ActivityItem> = {},
): ActivityItem {
  return {
    id: 'e1',
    type,
    entityRef: ENTITY,
    occurredAt: AT,
    payload,
    ...overrides,
  };
}

function pr(overrides: Partial<PullRequest> = {}): PullRequest {
  return {
    number: 42,
    title: 'Fix retry budget',
    author: { login: 'amelia-chen', avatarUrl: null },
    draft: false,
    state: 'open',
    labels: [],
    additions: 10,
    deletions: 2,
    changedFiles: 1,
    createdAt: '2025-01-05T09:00:00.000Z',
    updatedAt: AT,
    firstReviewAt: null,
    mergedAt: null,
    closedAt: null,
    headSha: 'abc',
    headRef: 'retry',
    baseRef: 'main',
    reviewDecision: 'review_required',
    ciState: 'pending',
    htmlUrl: 'https://github.com/acme/payments-api/pull/42',
    ...overrides,
  };
}

function run(overrides: Partial<WorkflowRun> = {}): WorkflowRun {
  return {
    id: 7,
    workflowId: 1,
    workflowName: 'CI',
    name: 'CI',
    branch: 'main',
    event: 'push',
    status: 'completed',
    conclusion: 'success',
    runAttempt: 1,
    headSha: 'abc',
    startedAt: AT,
    completedAt: AT,
    durationSeconds: 60,
    htmlUrl: 'https://github.com/acme/payments-api/actions/runs/7',
    ...overrides,
  };
}

function incident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: 'inc-1',
    title: 'p99 latency',
    entityRef: ENTITY,
    severity: 'critical',
    status: 'triggered',
    dedupKey: 'latency',
    alertCount: 1,
    source: 'alertmanager',
    createdAt: AT,
    acknowledgedAt: null,
    resolvedAt: null,
    timeToAcknowledgeSeconds: null,
    timeToResolveSeconds: null,
    assignees: ['user:default/hiro.tanaka'],
    escalationPolicyId: 'payments',
    escalationStep: 0,
    escalationRound: 0,
    nextEscalationAt: null,
    flagged: false,
    ...overrides,
  };
}

const text = (activity: ActivityItem, previous?: ActivityItem) =>
  sentenceText(describeActivity(activity, previous));

const PR = 'github.pull_request.updated';

describe('pull request sentences', () => {
  it.each<
    [string, Partial<PullRequest>, Partial<PullRequest> | undefined, string]
  >([
    [
      'opened',
      { createdAt: '2025-01-06T11:59:30.000Z' },
      undefined,
      'amelia-chen opened #42 *Fix retry budget*',
    ],
    [
      'merged',
      { state: 'merged', mergedAt: AT },
      {},
      '#42 *Fix retry budget* by amelia-chen was merged',
    ],
    [
      'merged, first seen merged',
      { state: 'merged', mergedAt: AT },
      undefined,
      '#42 *Fix retry budget* by amelia-chen was merged',
    ],
    [
      'changed after its merge',
      { state: 'merged', labels: ['done'] },
      { state: 'merged' },
      '#42 *Fix retry budget* by amelia-chen was updated',
    ],
    [
      'closed',
      { state: 'closed', closedAt: AT },
      {},
      '#42 *Fix retry budget* by amelia-chen was closed without merging',
    ],
    [
      'reopened',
      {},
      { state: 'closed' },
      '#42 *Fix retry budget* by amelia-chen was reopened',
    ],
    [
      'checks failed',
      { ciState: 'failure' },
      { ciState: 'pending' },
      'Checks failed on #42 *Fix retry budget*',
    ],
    [
      'checks passed',
      { ciState: 'success' },
      { ciState: 'pending' },
      'Checks passed on #42 *Fix retry budget*',
    ],
    [
      'approved',
      { reviewDecision: 'approved' },
      {},
      '#42 *Fix retry budget* by amelia-chen was approved',
    ],
    [
      'changes requested',
      { reviewDecision: 'changes_requested' },
      {},
      'Changes were requested on #42 *Fix retry budget* by amelia-chen',
    ],
    [
      'ready for review',
      {},
      { draft: true },
      '#42 *Fix retry budget* by amelia-chen is ready for review',
    ],
    [
      'updated otherwise',
      { title: 'Fix retry budget' },
      {},
      '#42 *Fix retry budget* by amelia-chen was updated',
    ],
    [
      'updated, nothing older loaded',
      {},
      undefined,
      '#42 *Fix retry budget* by amelia-chen was updated',
    ],
  ])('%s', (_case, now, before, expected) => {
    const previous =
      before &&
      item(PR, pr(before), { id: 'e0', occurredAt: '2025-01-06T11:00:00Z' });
    expect(text(item(PR, pr(now)), previous)).toBe(expected);
  });

  it('links to the pull request on GitHub', () => {
    expect(describeActivity(item(PR, pr())).link).toEqual({
      kind: 'external',
      href: 'https://github.com/acme/payments-api/pull/42',
    });
  });
});

describe('workflow run sentences', () => {
  const RUN = 'github.workflow_run.updated';

  it.each<[Partial<WorkflowRun>, string]>([
    [{ conclusion: 'success' }, 'CI succeeded on main'],
    [{ conclusion: 'failure' }, 'CI failed on main'],
    [{ conclusion: 'timed_out' }, 'CI timed out on main'],
    [{ conclusion: 'cancelled' }, 'CI was cancelled on main'],
    [{ conclusion: 'action_required' }, 'CI needs action on main'],
    [{ status: 'in_progress', conclusion: null }, 'CI started on main'],
    [{ status: 'queued', conclusion: null }, 'CI is queued on main'],
    [
      { workflowName: 'Release', branch: 'release/2.1', conclusion: 'failure' },
      'Release failed on release/2.1',
    ],
  ])('%o: "%s"', (change, expected) => {
    expect(text(item(RUN, run(change)))).toBe(expected);
  });

  it('says which attempt a rerun is', () => {
    expect(describeActivity(item(RUN, run({ runAttempt: 2 }))).detail).toBe(
      'attempt 2',
    );
  });
});

describe('deployment sentences', () => {
  const DEPLOY = 'github.deployment.updated';
  const deployment = (state: string | null) => ({
    id: 1,
    environment: 'production',
    sha: 'f00dfeed1234',
    ref: 'main',
    state,
    createdAt: AT,
    updatedAt: AT,
  });

  it.each([
    ['success', 'Deploy to production succeeded'],
    ['failure', 'Deploy to production failed'],
    ['error', 'Deploy to production failed'],
    ['in_progress', 'Deploy to production started'],
    ['queued', 'Deploy to production is queued'],
    ['inactive', 'Deploy to production was replaced by a newer one'],
    [null, 'Deploy to production was created'],
  ])('%s: "%s"', (state, expected) => {
    expect(text(item(DEPLOY, deployment(state)))).toBe(expected);
  });

  it('names the ref and commit', () => {
    expect(describeActivity(item(DEPLOY, deployment('success'))).detail).toBe(
      'main @ f00dfee',
    );
  });
});

describe('incident sentences', () => {
  const hiro = 'user:default/hiro.tanaka';

  it.each<
    [
      string,
      string | null,
      Record<string, unknown> | undefined,
      Partial<Incident>,
      string,
    ]
  >([
    [
      'incident.created',
      'demo-monitoring',
      undefined,
      {},
      'Incident *p99 latency* opened from Alertmanager',
    ],
    [
      'incident.created',
      hiro,
      undefined,
      { source: 'manual' },
      'hiro.tanaka opened incident *p99 latency*',
    ],
    [
      'incident.created',
      'heartbeats',
      undefined,
      { source: 'heartbeat' },
      'Incident *p99 latency* opened from a missed heartbeat',
    ],
    [
      'incident.acknowledged',
      hiro,
      undefined,
      {},
      'Incident *p99 latency* acknowledged by hiro.tanaka',
    ],
    [
      'incident.unacknowledged',
      hiro,
      undefined,
      {},
      'hiro.tanaka withdrew the acknowledgement of incident *p99 latency*',
    ],
    [
      'incident.resolved',
      hiro,
      undefined,
      {},
      'Incident *p99 latency* resolved by hiro.tanaka',
    ],
    [
      'incident.resolved',
      'demo-monitoring',
      undefined,
      {},
      'Incident *p99 latency* resolved by demo-monitoring',
    ],
    [
      'incident.resolved',
      null,
      undefined,
      {},
      'Incident *p99 latency* resolved',
    ],
    [
      'incident.reassigned',
      hiro,
      { userRef: 'user:default/farid.haddad' },
      {},
      'hiro.tanaka reassigned incident *p99 latency* to farid.haddad',
    ],
    [
      'incident.reassigned',
      hiro,
      { policyId: 'storefront' },
      {},
      'hiro.tanaka reassigned incident *p99 latency* to escalation policy storefront',
    ],
    [
      'incident.escalated',
      hiro,
      undefined,
      {},
      'hiro.tanaka escalated incident *p99 latency*',
    ],
    [
      'incident.note_added',
      hiro,
      { text: 'Rolling back' },
      {},
      'hiro.tanaka added a note to incident *p99 latency*',
    ],
    [
      'incident.notified',
      null,
      {
        recipients: [hiro, 'user:default/farid.haddad'],
        webhooks: ['sms-gateway'],
      },
      {},
      'Paged hiro.tanaka, farid.haddad and sms-gateway for incident *p99 latency*',
    ],
    [
      'incident.notified',
      null,
      { recipients: [], webhooks: [] },
      {},
      'Paged nobody for incident *p99 latency*',
    ],
    [
      'incident.alert_absorbed',
      'demo-monitoring',
      undefined,
      { alertCount: 4 },
      'Incident *p99 latency* got another alert (4 alerts)',
    ],
    [
      'incident.flagged',
      null,
      undefined,
      {},
      'Incident *p99 latency* was flagged: an escalation step ran late',
    ],
    [
      'incident.something_new',
      null,
      undefined,
      {},
      'Incident *p99 latency* changed',
    ],
  ])('%s by %s', (type, actor, details, change, expected) => {
    expect(
      text(
        item(type, {
          incident: incident(change),
          actor,
          ...(details && { details }),
        }),
      ),
    ).toBe(expected);
  });

  it('links to the incident and keeps a note as its detail', () => {
    const sentence = describeActivity(
      item('incident.note_added', {
        incident: incident(),
        actor: hiro,
        details: { text: 'Rolling back' },
      }),
    );
    expect(sentence.link).toEqual({ kind: 'incident', id: 'inc-1' });
    expect(sentence.detail).toBe('Rolling back');
  });
});

describe('on-call sentences', () => {
  it('says who is now on call', () => {
    expect(
      text(
        item('oncall.handoff', {
          scheduleId: 'storefront-primary',
          scheduleName: 'Storefront primary',
          from: 'user:default/hiro.tanaka',
          to: 'user:default/farid.haddad',
          at: AT,
        }),
      ),
    ).toBe('farid.haddad is now on call for Storefront primary');
    expect(
      text(
        item('oncall.handoff', {
          scheduleId: 'storefront-primary',
          scheduleName: 'Storefront primary',
          from: 'user:default/farid.haddad',
          to: null,
          at: AT,
        }),
      ),
    ).toBe('Nobody is on call for Storefront primary');
  });

  const override = {
    id: 'o1',
    scheduleId: 'payments-primary',
    userRef: 'user:default/jon.snow',
    start: '2025-01-07T09:00:00.000Z',
    end: '2025-01-07T17:00:00.000Z',
    layerId: null,
    createdBy: 'user:default/amelia.chen',
    createdAt: AT,
  };

  it('tells overrides', () => {
    expect(
      text(
        item('oncall.override_created', {
          override,
          actor: 'user:default/amelia.chen',
        }),
      ),
    ).toBe(
      'jon.snow covers payments-primary from 2025-01-07T09:00:00.000Z to 2025-01-07T17:00:00.000Z, set up by amelia.chen',
    );
    expect(
      text(
        item('oncall.override_created', {
          override,
          actor: 'user:default/jon.snow',
        }),
      ),
    ).toBe(
      'jon.snow covers payments-primary from 2025-01-07T09:00:00.000Z to 2025-01-07T17:00:00.000Z',
    );
    expect(
      text(
        item('oncall.override_deleted', {
          override,
          actor: 'user:default/amelia.chen',
        }),
      ),
    ).toBe(
      'amelia.chen removed the override for jon.snow on payments-primary from 2025-01-07T09:00:00.000Z',
    );
  });
});

describe('anything else', () => {
  it('says what was recorded, and survives a payload of another shape', () => {
    expect(text(item('github.push', {}))).toBe('Pulse recorded github.push');
    expect(text(item(PR, { number: 'x' }))).toBe(`Pulse recorded ${PR}`);
    expect(text(item('incident.created', null))).toBe(
      'Pulse recorded incident.created',
    );
  });
});

describe('helpers', () => {
  it('names actors', () => {
    expect(actorName('user:default/hiro.tanaka')).toBe('hiro.tanaka');
    expect(actorName('group:default/team-payments')).toBe('team-payments');
    expect(actorName('user:hiro')).toBe('hiro');
    expect(actorName('demo-monitoring')).toBe('demo-monitoring');
  });

  it('tells a burst', () => {
    expect(
      burstText(
        { key: 'run:succeeded', noun: 'workflow runs', verb: 'succeeded' },
        12,
      ),
    ).toBe('12 workflow runs succeeded');
  });

  it('finds the previous item about the same pull request', () => {
    const newest = item(PR, pr({ state: 'merged' }), { id: 'c' });
    const other = item(PR, pr({ number: 41 }), { id: 'b' });
    const older = item(PR, pr(), { id: 'a' });

    const previous = previousItems([newest, other, older]);

    expect(previous.get('c')).toBe(older);
    expect(previous.has('b')).toBe(false);
    expect(previous.has('a')).toBe(false);
  });
});
