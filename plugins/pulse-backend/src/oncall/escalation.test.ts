import {
  acknowledge,
  ackTimedOut,
  afterPaged,
  afterPagedWhileAcknowledged,
  dueAction,
  escalateNow,
  EscalationPolicy,
  EscalationResult,
  EscalationState,
  isOverdue,
  nextDueAt,
  overdueByMs,
  PageAction,
  reassign,
  resolve,
  resolveTargets,
  startEscalation,
  TargetLookup,
  unacknowledge,
  usesRoundRobin,
  validateEscalationPolicy,
} from './escalation';

const ALICE = 'user:default/alice';
const BOB = 'user:default/bob';
const CAROL = 'user:default/carol';
const DAVE = 'user:default/dave';
const PAYMENTS_GROUP = 'group:default/payments';

const MINUTE_MS = 60_000;
const TRIGGERED_AT = Date.parse('2025-05-05T10:00:00Z');

/** The fake clock: minutes after the incident triggered. */
function at(minutes: number): Date {
  return new Date(TRIGGERED_AT + minutes * MINUTE_MS);
}

function isoAt(minutes: number): string {
  return at(minutes).toISOString();
}

function policy(fields: Partial<EscalationPolicy> = {}): EscalationPolicy {
  return {
    id: 'payments-default',
    name: 'Payments default',
    steps: [
      {
        delayMinutes: 5,
        targets: [{ type: 'schedule', scheduleId: 'payments-primary' }],
      },
      { delayMinutes: 10, targets: [{ type: 'user', userRef: BOB }] },
      {
        delayMinutes: 15,
        targets: [
          { type: 'group', groupRef: PAYMENTS_GROUP },
          { type: 'webhook', url: 'https://chat.example/hooks/payments' },
        ],
      },
    ],
    repeat: 1,
    ackTimeoutMinutes: 30,
    ...fields,
  };
}

function unwrap(result: EscalationResult): EscalationState {
  if (!result.ok) {
    throw new Error(`Unexpected ${result.error.code}: ${result.error.message}`);
  }
  return result.state;
}

function page(state: EscalationState, now: Date): PageAction {
  const action = dueAction(state, now);
  if (action?.kind !== 'page') {
    throw new Error(`Expected a page at ${now.toISOString()}`);
  }
  return action;
}

/** Sends the page due at `minutes` and records it. */
function pageAt(state: EscalationState, minutes: number): EscalationState {
  const action = page(state, at(minutes));
  return unwrap(afterPaged(state, at(minutes), action));
}

interface SentPage {
  minute: number;
  stepIndex: number;
  round: number;
  idempotencyKey: string;
}

/**
 * The scheduled task on a fake clock: every tick, do whatever is due. Ticks
 * run at `firstTickMs + k * tickMs` (absolute epoch ms) up to `untilMinutes`.
 */
function runTicks(
  initial: EscalationState,
  untilMinutes: number,
  { tickMs = MINUTE_MS, firstTickMs = TRIGGERED_AT } = {},
): { state: EscalationState; pages: SentPage[] } {
  let state = initial;
  const pages: SentPage[] = [];
  for (
    let now = firstTickMs;
    now <= at(untilMinutes).getTime();
    now += tickMs
  ) {
    const clock = new Date(now);
    for (let action = dueAction(state, clock); action; ) {
      if (action.kind === 'page') {
        pages.push({
          minute: (now - TRIGGERED_AT) / MINUTE_MS,
          stepIndex: action.stepIndex,
          round: action.round,
          idempotencyKey: action.idempotencyKey,
        });
        state = unwrap(afterPaged(state, clock, action));
      } else {
        state = unwrap(ackTimedOut(state, clock));
      }
      action = dueAction(state, clock);
    }
  }
  return { state, pages };
}

describe('startEscalation and dueAction', () => {
  it('pages step 0 at trigger time', () => {
    const state = startEscalation('inc-1', policy(), at(0));
    expect(state).toMatchObject({
      incidentId: 'inc-1',
      status: 'triggered',
      stepIndex: 0,
      round: 0,
      nextStepAt: isoAt(0),
      ackTimeoutAt: null,
      finished: false,
      lastPaged: null,
      restarts: 0,
    });
    expect(dueAction(state, at(0))).toEqual({
      kind: 'page',
      stepIndex: 0,
      round: 0,
      pickOne: false,
      targets: [{ type: 'schedule', scheduleId: 'payments-primary' }],
      idempotencyKey: 'inc-1:0:0',
      dueAt: isoAt(0),
    });
  });

  it('has nothing due before the next step', () => {
    const state = pageAt(startEscalation('inc-1', policy(), at(0)), 0);
    expect(state.nextStepAt).toBe(isoAt(5));
    expect(dueAction(state, new Date(at(5).getTime() - 1))).toBeNull();
    expect(dueAction(state, at(5))).toMatchObject({ stepIndex: 1, round: 0 });
  });

  it('finishes at once for a policy without steps', () => {
    const state = startEscalation('inc-1', policy({ steps: [] }), at(0));
    expect(state).toMatchObject({ finished: true, nextStepAt: null });
    expect(dueAction(state, at(60))).toBeNull();
  });
});

describe('afterPaged: step delays and repeats', () => {
  it('the delay of a step is the wait before the following step', () => {
    let state = startEscalation('inc-1', policy(), at(0));
    state = pageAt(state, 0);
    expect(state).toMatchObject({ stepIndex: 1, nextStepAt: isoAt(5) });
    state = pageAt(state, 5);
    expect(state).toMatchObject({ stepIndex: 2, nextStepAt: isoAt(15) });
    expect(state.lastPaged).toEqual({ stepIndex: 1, round: 0, at: isoAt(5) });
  });

  it('counts the delay from when the page actually went out', () => {
    let state = pageAt(startEscalation('inc-1', policy(), at(0)), 0);
    state = pageAt(state, 7);
    expect(state.nextStepAt).toBe(isoAt(17));
  });

  it.each([0, 3_000, 7_500, 14_999])(
    'scenario 20: with a 15 s tick starting %s ms after trigger, the wait step fires in [delay, delay + tick)',
    tickPhaseMs => {
      const { pages } = runTicks(
        startEscalation('inc-1', policy(), at(0)),
        20,
        {
          tickMs: 15_000,
          firstTickMs: TRIGGERED_AT + tickPhaseMs,
        },
      );
      const [first, second] = pages;
      const waitedMs = (second.minute - first.minute) * MINUTE_MS;
      expect(waitedMs).toBeGreaterThanOrEqual(5 * MINUTE_MS);
      expect(waitedMs).toBeLessThan(5 * MINUTE_MS + 15_000);
    },
  );

  it('scenarios 21 and 22: repeats every round with fresh keys, then finishes', () => {
    const { state, pages } = runTicks(
      startEscalation('inc-1', policy(), at(0)),
      180,
    );
    expect(pages).toEqual([
      { minute: 0, stepIndex: 0, round: 0, idempotencyKey: 'inc-1:0:0' },
      { minute: 5, stepIndex: 1, round: 0, idempotencyKey: 'inc-1:1:0' },
      { minute: 15, stepIndex: 2, round: 0, idempotencyKey: 'inc-1:2:0' },
      { minute: 30, stepIndex: 0, round: 1, idempotencyKey: 'inc-1:0:1' },
      { minute: 35, stepIndex: 1, round: 1, idempotencyKey: 'inc-1:1:1' },
      { minute: 45, stepIndex: 2, round: 1, idempotencyKey: 'inc-1:2:1' },
    ]);
    expect(state).toMatchObject({
      status: 'triggered',
      finished: true,
      nextStepAt: null,
      stepIndex: 2,
      round: 1,
      lastPaged: { stepIndex: 2, round: 1, at: isoAt(45) },
    });
    expect(nextDueAt(state)).toBeNull();
  });

  it('without repeats, finishes right after the last step', () => {
    const { state, pages } = runTicks(
      startEscalation('inc-1', policy({ repeat: 0 }), at(0)),
      180,
    );
    expect(pages.map(p => p.minute)).toEqual([0, 5, 15]);
    expect(state.finished).toBe(true);
  });

  it('repeats at most 9 extra rounds', () => {
    const { pages } = runTicks(
      startEscalation('inc-1', policy({ repeat: 9 }), at(0)),
      24 * 60,
    );
    expect(pages).toHaveLength(30);
    expect(new Set(pages.map(p => p.idempotencyKey)).size).toBe(30);
    expect(pages[pages.length - 1]).toMatchObject({ stepIndex: 2, round: 9 });
  });

  it('scenario 24: a duplicate job gets the same key and cannot record twice', () => {
    let state = startEscalation('inc-1', policy(), at(0));
    const first = page(state, at(0));
    const duplicate = page(state, at(0));
    expect(duplicate).toEqual(first);
    state = unwrap(afterPaged(state, at(0), first));
    const stale = afterPaged(state, at(0), duplicate);
    expect(stale).toEqual({
      ok: false,
      error: expect.objectContaining({
        code: 'stale-page',
        status: 'triggered',
      }),
    });
  });

  it('refuses to record a page once finished', () => {
    const { state } = runTicks(
      startEscalation('inc-1', policy({ repeat: 0 }), at(0)),
      60,
    );
    const result = afterPaged(state, at(61));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe('escalation-finished');
  });
});

describe('acknowledge', () => {
  it('scenario 23: a step falling due after an acknowledgement is a no-op', () => {
    const paged = pageAt(startEscalation('inc-1', policy(), at(0)), 0);
    const pendingJob = page(paged, at(5));
    const acked = unwrap(acknowledge(paged, at(2)));
    expect(acked).toMatchObject({
      status: 'acknowledged',
      nextStepAt: null,
      ackTimeoutAt: isoAt(32),
    });
    expect(dueAction(acked, at(5))).toBeNull();
    expect(afterPaged(acked, at(5), pendingJob)).toEqual({
      ok: false,
      error: expect.objectContaining({
        code: 'invalid-transition',
        status: 'acknowledged',
      }),
    });
  });

  it('records a page that went out while the acknowledgement was committed', () => {
    // Step 1 paged, acknowledgement withdrawn: step 1 is due again now.
    const paged = pageAt(startEscalation('inc-1', policy(), at(0)), 0);
    const withdrawn = unwrap(
      unacknowledge(unwrap(acknowledge(paged, at(1))), at(2)),
    );
    const rePage = page(withdrawn, at(2));
    // The engine sent it; an acknowledgement landed before the page was recorded.
    const acked = unwrap(acknowledge(withdrawn, at(2)));
    const recorded = unwrap(afterPagedWhileAcknowledged(acked, at(2), rePage));
    expect(recorded).toMatchObject({
      status: 'acknowledged',
      nextStepAt: null,
      ackTimeoutAt: isoAt(32),
      stepIndex: 1,
      lastPaged: { stepIndex: 0, round: 0, at: isoAt(2) },
    });
    // "Escalate now" pages step 2, and a withdrawn acknowledgement re-pages step 1.
    expect(page(unwrap(escalateNow(recorded, at(3))), at(3)).stepIndex).toBe(1);
    expect(page(unwrap(unacknowledge(recorded, at(3))), at(3)).stepIndex).toBe(
      0,
    );
    // The same page recorded twice, or a page of another level, changes nothing.
    expect(afterPagedWhileAcknowledged(recorded, at(2), rePage)).toMatchObject({
      ok: false,
      error: { code: 'stale-page' },
    });
    expect(afterPagedWhileAcknowledged(withdrawn, at(2), rePage)).toMatchObject(
      {
        ok: false,
        error: { code: 'invalid-transition' },
      },
    );
  });

  it('finishes an escalation whose last step went out while it was acknowledged', () => {
    let state = startEscalation('inc-1', policy({ repeat: 0 }), at(0));
    state = pageAt(pageAt(state, 0), 5);
    const lastStep = page(state, at(15));
    const acked = unwrap(acknowledge(state, at(15)));
    const recorded = unwrap(
      afterPagedWhileAcknowledged(acked, at(15), lastStep),
    );
    expect(recorded).toMatchObject({
      status: 'acknowledged',
      finished: true,
      lastPaged: { stepIndex: 2, round: 0 },
    });
    expect(escalateNow(recorded, at(16))).toMatchObject({
      ok: false,
      error: { code: 'escalation-finished' },
    });
  });

  it('cannot acknowledge twice or after resolve', () => {
    const acked = unwrap(
      acknowledge(startEscalation('inc-1', policy(), at(0)), at(1)),
    );
    expect(acknowledge(acked, at(2))).toEqual({
      ok: false,
      error: {
        code: 'invalid-transition',
        action: 'acknowledge',
        status: 'acknowledged',
        message: 'Cannot acknowledge incident inc-1: it is acknowledged',
      },
    });
    const resolved = unwrap(resolve(acked));
    expect(acknowledge(resolved, at(3))).toMatchObject({
      ok: false,
      error: { code: 'invalid-transition', status: 'resolved' },
    });
  });

  it('never times out without an ack timeout in the policy', () => {
    const acked = unwrap(
      acknowledge(
        startEscalation(
          'inc-1',
          policy({ ackTimeoutMinutes: undefined }),
          at(0),
        ),
        at(1),
      ),
    );
    expect(acked.ackTimeoutAt).toBeNull();
    expect(dueAction(acked, at(10_000))).toBeNull();
    expect(ackTimedOut(acked, at(10_000)).ok).toBe(false);
  });

  it('an acknowledged incident whose escalation finished can still be acknowledged and time out', () => {
    const { state: finished } = runTicks(
      startEscalation('inc-1', policy({ repeat: 0 }), at(0)),
      60,
    );
    const acked = unwrap(acknowledge(finished, at(60)));
    const resumed = unwrap(ackTimedOut(acked, at(90)));
    expect(resumed).toMatchObject({ finished: false, stepIndex: 2 });
    expect(page(resumed, at(90)).idempotencyKey).toBe('inc-1:2:0:r1');
  });
});

describe('scenario 27: acknowledgement timeout', () => {
  const acknowledgedAtStep1 = (): EscalationState => {
    let state = startEscalation('inc-1', policy(), at(0));
    state = pageAt(state, 0);
    state = pageAt(state, 5);
    return unwrap(acknowledge(state, at(7)));
  };

  it('falls due after the timeout', () => {
    const acked = acknowledgedAtStep1();
    expect(acked.ackTimeoutAt).toBe(isoAt(37));
    expect(dueAction(acked, at(36))).toBeNull();
    expect(dueAction(acked, at(37))).toEqual({
      kind: 'ack-timeout',
      dueAt: isoAt(37),
    });
  });

  it('is refused before it is due', () => {
    expect(ackTimedOut(acknowledgedAtStep1(), at(36))).toMatchObject({
      ok: false,
      error: { code: 'not-due' },
    });
  });

  it('returns to triggered and re-pages the current level, with a new key', () => {
    const resumed = unwrap(ackTimedOut(acknowledgedAtStep1(), at(37)));
    expect(resumed).toMatchObject({
      status: 'triggered',
      stepIndex: 1,
      round: 0,
      nextStepAt: isoAt(37),
      ackTimeoutAt: null,
      restarts: 1,
    });
    const action = page(resumed, at(37));
    expect(action.idempotencyKey).toBe('inc-1:1:0:r1');
    expect(action.targets).toEqual([{ type: 'user', userRef: BOB }]);
    const next = unwrap(afterPaged(resumed, at(37), action));
    expect(next).toMatchObject({ stepIndex: 2, nextStepAt: isoAt(47) });
  });

  it('re-pages step 0 when acknowledged before the first page', () => {
    const acked = unwrap(
      acknowledge(startEscalation('inc-1', policy(), at(0)), at(0)),
    );
    const resumed = unwrap(ackTimedOut(acked, at(30)));
    expect(page(resumed, at(30))).toMatchObject({ stepIndex: 0, round: 0 });
  });

  it('runs end to end on the tick loop', () => {
    const acked = acknowledgedAtStep1();
    const { pages } = runTicks(acked, 100);
    expect(pages.map(p => [p.minute, p.stepIndex, p.round])).toEqual([
      [37, 1, 0],
      [47, 2, 0],
      [62, 0, 1],
      [67, 1, 1],
      [77, 2, 1],
    ]);
  });
});

describe('unacknowledge', () => {
  it('re-pages the current level now', () => {
    let state = pageAt(startEscalation('inc-1', policy(), at(0)), 0);
    state = unwrap(acknowledge(state, at(1)));
    state = unwrap(unacknowledge(state, at(3)));
    expect(page(state, at(3))).toMatchObject({
      stepIndex: 0,
      idempotencyKey: 'inc-1:0:0:r1',
    });
  });

  it('is refused unless acknowledged', () => {
    expect(
      unacknowledge(startEscalation('inc-1', policy(), at(0)), at(1)),
    ).toMatchObject({ ok: false, error: { code: 'invalid-transition' } });
  });
});

describe('resolve', () => {
  it('stops the escalation mid-policy', () => {
    let state = startEscalation('inc-1', policy(), at(0));
    state = pageAt(state, 0);
    state = pageAt(state, 5);
    const resolved = unwrap(resolve(state));
    expect(resolved).toMatchObject({
      status: 'resolved',
      finished: true,
      nextStepAt: null,
      ackTimeoutAt: null,
    });
    expect(runTicks(resolved, 180).pages).toEqual([]);
    expect(resolve(resolved)).toMatchObject({
      ok: false,
      error: { code: 'invalid-transition', action: 'resolve' },
    });
  });

  it('resolves an acknowledged incident and drops its ack timeout', () => {
    const acked = unwrap(
      acknowledge(startEscalation('inc-1', policy(), at(0)), at(1)),
    );
    const resolved = unwrap(resolve(acked));
    expect(dueAction(resolved, at(100))).toBeNull();
  });
});

describe('escalateNow', () => {
  it('pages the next step now instead of after the delay', () => {
    let state = pageAt(startEscalation('inc-1', policy(), at(0)), 0);
    state = unwrap(escalateNow(state, at(1)));
    expect(page(state, at(1))).toMatchObject({
      stepIndex: 1,
      idempotencyKey: 'inc-1:1:0',
    });
  });

  it('re-triggers an acknowledged incident', () => {
    let state = pageAt(startEscalation('inc-1', policy(), at(0)), 0);
    state = unwrap(acknowledge(state, at(1)));
    state = unwrap(escalateNow(state, at(2)));
    expect(state).toMatchObject({ status: 'triggered', ackTimeoutAt: null });
    expect(page(state, at(2)).stepIndex).toBe(1);
  });

  it('is refused when nothing is left to page or the incident is resolved', () => {
    const { state: finished } = runTicks(
      startEscalation('inc-1', policy({ repeat: 0 }), at(0)),
      60,
    );
    expect(escalateNow(finished, at(61))).toMatchObject({
      ok: false,
      error: { code: 'escalation-finished' },
    });
    const resolved = unwrap(resolve(startEscalation('inc-1', policy(), at(0))));
    expect(escalateNow(resolved, at(1))).toMatchObject({
      ok: false,
      error: { code: 'invalid-transition' },
    });
  });
});

describe('reassign', () => {
  it('to one user: a one-step policy due now, with a key distinct from the first page', () => {
    let state = pageAt(startEscalation('inc-1', policy(), at(0)), 0);
    state = unwrap(acknowledge(state, at(2)));
    state = unwrap(reassign(state, at(12), { userRef: CAROL }));
    expect(state).toMatchObject({
      status: 'triggered',
      stepIndex: 0,
      round: 0,
      nextStepAt: isoAt(12),
      ackTimeoutAt: null,
      finished: false,
      lastPaged: null,
      restarts: 1,
    });
    expect(state.policy.ackTimeoutMinutes).toBe(30);
    expect(validateEscalationPolicy(state.policy)).toEqual([]);
    const action = page(state, at(12));
    expect(action).toMatchObject({
      targets: [{ type: 'user', userRef: CAROL }],
      idempotencyKey: 'inc-1:0:0:r1',
    });
    expect(unwrap(afterPaged(state, at(12), action)).finished).toBe(true);
  });

  it('to another policy: restarts from its first step with a snapshot', () => {
    const other = policy({
      id: 'platform',
      steps: [{ delayMinutes: 3, targets: [{ type: 'user', userRef: DAVE }] }],
      repeat: 0,
    });
    const state = unwrap(
      reassign(startEscalation('inc-1', policy(), at(0)), at(4), {
        policy: other,
      }),
    );
    other.steps[0].targets[0] = { type: 'user', userRef: ALICE };
    expect(page(state, at(4)).targets).toEqual([
      { type: 'user', userRef: DAVE },
    ]);
    expect(state.policy.id).toBe('platform');
  });

  it('is refused once resolved', () => {
    const resolved = unwrap(resolve(startEscalation('inc-1', policy(), at(0))));
    expect(reassign(resolved, at(1), { userRef: CAROL })).toMatchObject({
      ok: false,
      error: { code: 'invalid-transition', action: 'reassign' },
    });
  });
});

describe('scenario 25: policy edited mid-incident', () => {
  it('keeps the open incident on its snapshot; new incidents use the edit', () => {
    const live = policy();
    let open = startEscalation('inc-1', live, at(0));
    open = pageAt(open, 0);

    live.steps[1].targets = [{ type: 'user', userRef: DAVE }];
    live.steps[0].delayMinutes = 60;
    live.repeat = 0;

    expect(open.nextStepAt).toBe(isoAt(5));
    expect(page(open, at(5)).targets).toEqual([{ type: 'user', userRef: BOB }]);
    expect(open.policy.repeat).toBe(1);

    const fresh = pageAt(startEscalation('inc-2', live, at(10)), 10);
    expect(fresh.nextStepAt).toBe(isoAt(70));
    expect(page(fresh, at(70)).targets).toEqual([
      { type: 'user', userRef: DAVE },
    ]);
  });
});

describe('scenario 29: round-robin steps', () => {
  const roundRobin = policy({
    repeat: 2,
    steps: [
      {
        delayMinutes: 5,
        roundRobin: true,
        targets: [
          { type: 'user', userRef: ALICE },
          { type: 'user', userRef: BOB },
          { type: 'user', userRef: CAROL },
        ],
      },
    ],
  });
  const firstTarget = (turn: number, round = 0) => {
    let state = startEscalation(`inc-${turn}`, roundRobin, at(0), turn);
    for (let r = 0; r < round; r++) {
      state = pageAt(state, 5 * r);
    }
    const action = dueAction(state, at(5 * round));
    expect(action).toMatchObject({ kind: 'page', pickOne: true, round });
    return action?.kind === 'page' ? action.targets[0] : undefined;
  };

  it('starts successive incidents at successive targets', () => {
    expect([0, 1, 2, 3].map(turn => firstTarget(turn))).toEqual([
      { type: 'user', userRef: ALICE },
      { type: 'user', userRef: BOB },
      { type: 'user', userRef: CAROL },
      { type: 'user', userRef: ALICE },
    ]);
  });

  it('moves one target further each repeat round, keeping every target as a fallback', () => {
    expect([0, 1, 2].map(round => firstTarget(2, round))).toEqual([
      { type: 'user', userRef: CAROL },
      { type: 'user', userRef: ALICE },
      { type: 'user', userRef: BOB },
    ]);
    const action = dueAction(
      startEscalation('inc', roundRobin, at(0), 1),
      at(0),
    );
    expect(action?.kind === 'page' && action.targets).toHaveLength(3);
  });

  it('keeps the turn through a reassignment, and says a policy needs turns only with a real choice', () => {
    const state = startEscalation('inc', roundRobin, at(0), 7);
    const reassigned = reassign(state, at(1), { policy: roundRobin });
    expect(reassigned.ok && reassigned.state.turn).toBe(7);
    expect(usesRoundRobin(roundRobin)).toBe(true);
    expect(usesRoundRobin(policy())).toBe(false);
    expect(
      usesRoundRobin(
        policy({
          steps: [
            {
              delayMinutes: 5,
              roundRobin: true,
              targets: [{ type: 'user', userRef: ALICE }],
            },
          ],
        }),
      ),
    ).toBe(false);
  });
});

describe('resolveTargets', () => {
  const lookup = (onCall: Record<string, string | null>): TargetLookup => ({
    onCallUser: scheduleId => onCall[scheduleId] ?? null,
    groupMembers: groupRef =>
      groupRef === PAYMENTS_GROUP ? [ALICE, CAROL] : [],
    isMissing: userRef => userRef === BOB,
  });

  it('with pickOne, pages the first target that resolves to someone and notes those skipped', () => {
    expect(
      resolveTargets(
        [
          { type: 'user', userRef: BOB },
          { type: 'schedule', scheduleId: 'payments-primary' },
          { type: 'group', groupRef: PAYMENTS_GROUP },
          { type: 'user', userRef: DAVE },
        ],
        lookup({ 'payments-primary': null }),
        at(0),
        { pickOne: true },
      ),
    ).toEqual({
      recipients: [ALICE, CAROL],
      webhookUrls: [],
      notes: [
        { kind: 'missing-user', userRef: BOB },
        { kind: 'nobody-on-call', scheduleId: 'payments-primary' },
      ],
    });
  });

  it('expands schedules and groups, keeps webhooks, and removes duplicates', () => {
    expect(
      resolveTargets(
        [
          { type: 'schedule', scheduleId: 'payments-primary' },
          { type: 'user', userRef: BOB },
          { type: 'group', groupRef: PAYMENTS_GROUP },
          { type: 'webhook', url: 'https://chat.example/hooks/payments' },
          { type: 'webhook', url: 'https://chat.example/hooks/payments' },
        ],
        lookup({ 'payments-primary': ALICE }),
        at(0),
      ),
    ).toEqual({
      recipients: [ALICE, BOB, CAROL],
      webhookUrls: ['https://chat.example/hooks/payments'],
      notes: [],
    });
  });

  it('asks for the on-call user at the given instant', () => {
    const onCallUser = jest.fn().mockReturnValue(ALICE);
    resolveTargets(
      [{ type: 'schedule', scheduleId: 'payments-primary' }],
      { onCallUser, groupMembers: () => [] },
      at(3),
    );
    expect(onCallUser).toHaveBeenCalledWith('payments-primary', at(3));
  });

  it('notes schedules with nobody on call and empty groups', () => {
    expect(
      resolveTargets(
        [
          { type: 'schedule', scheduleId: 'payments-primary' },
          { type: 'group', groupRef: 'group:default/ghosts' },
        ],
        lookup({ 'payments-primary': null }),
        at(0),
      ),
    ).toEqual({
      recipients: [],
      webhookUrls: [],
      notes: [
        { kind: 'nobody-on-call', scheduleId: 'payments-primary' },
        { kind: 'empty-group', groupRef: 'group:default/ghosts' },
      ],
    });
  });

  it('scenario 30: a step with nobody on call is recorded and escalation moves on after its delay', () => {
    const onCall = lookup({ 'payments-primary': null });
    let state = startEscalation('inc-1', policy(), at(0));
    const action = page(state, at(0));
    const resolved = resolveTargets(action.targets, onCall, at(0));
    expect(resolved.recipients).toEqual([]);
    expect(resolved.notes).toEqual([
      { kind: 'nobody-on-call', scheduleId: 'payments-primary' },
    ]);
    state = unwrap(afterPaged(state, at(0), action));
    expect(state.nextStepAt).toBe(isoAt(5));
    const next = page(state, at(5));
    expect(resolveTargets(next.targets, onCall, at(5)).recipients).toEqual([
      BOB,
    ]);
  });
});

describe('scenario 33: watchdog', () => {
  const stepDueAt5 = () => pageAt(startEscalation('inc-1', policy(), at(0)), 0);
  const grace = 5 * MINUTE_MS;

  it.each([
    [4, false],
    [5, false],
    [5.001, true],
    [30, true],
  ])('%s min past due with 5 min grace: overdue = %s', (late, expected) => {
    expect(isOverdue(stepDueAt5(), at(5 + late), grace)).toBe(expected);
  });

  it('reports the lag, and none before the due time', () => {
    expect(overdueByMs(stepDueAt5(), at(3))).toBe(0);
    expect(overdueByMs(stepDueAt5(), at(9))).toBe(4 * MINUTE_MS);
  });

  it('watches acknowledgement timeouts, and nothing on resolved or finished incidents', () => {
    const acked = unwrap(acknowledge(stepDueAt5(), at(1)));
    expect(isOverdue(acked, at(31 + 6), grace)).toBe(true);
    const resolved = unwrap(resolve(stepDueAt5()));
    expect(isOverdue(resolved, at(1_000), grace)).toBe(false);
    const { state: finished } = runTicks(
      startEscalation('inc-1', policy({ repeat: 0 }), at(0)),
      60,
    );
    expect(isOverdue(finished, at(1_000), grace)).toBe(false);
  });

  it('recovers an overdue step: re-run late, the next delay counts from the recovery', () => {
    const stalled = stepDueAt5();
    const recoveredAt = at(25);
    expect(isOverdue(stalled, recoveredAt, grace)).toBe(true);
    const action = page(stalled, recoveredAt);
    expect(action).toMatchObject({
      stepIndex: 1,
      idempotencyKey: 'inc-1:1:0',
      dueAt: isoAt(5),
    });
    const recovered = unwrap(afterPaged(stalled, recoveredAt, action));
    expect(recovered.nextStepAt).toBe(isoAt(35));
    expect(isOverdue(recovered, recoveredAt, grace)).toBe(false);
  });
});

describe('validateEscalationPolicy', () => {
  it('accepts a valid policy', () => {
    expect(validateEscalationPolicy(policy())).toEqual([]);
  });

  it('names every problem with its path', () => {
    expect(
      validateEscalationPolicy({
        id: 'p',
        name: '',
        steps: [
          { delayMinutes: 0, targets: [] },
          {
            delayMinutes: 5,
            targets: [
              { type: 'schedule', scheduleId: '' },
              { type: 'user', userRef: ' ' },
              { type: 'group', groupRef: '' },
              { type: 'webhook', url: 'ftp://example.com' },
              { type: 'pager' } as unknown as { type: 'user'; userRef: string },
            ],
          },
        ],
        repeat: 10,
        ackTimeoutMinutes: 0,
      }),
    ).toEqual([
      { path: 'name', message: 'must be a non-empty string' },
      { path: 'steps[0].delayMinutes', message: 'must be at least 1' },
      { path: 'steps[0].targets', message: 'must have at least one target' },
      {
        path: 'steps[1].targets[0].scheduleId',
        message: 'must be a schedule id',
      },
      {
        path: 'steps[1].targets[1].userRef',
        message: 'must be a user entity ref',
      },
      {
        path: 'steps[1].targets[2].groupRef',
        message: 'must be a group entity ref',
      },
      { path: 'steps[1].targets[3].url', message: 'must be an http(s) URL' },
      {
        path: 'steps[1].targets[4].type',
        message: 'must be "schedule", "user", "group" or "webhook"',
      },
      { path: 'repeat', message: 'must be a whole number from 0 to 9' },
      {
        path: 'ackTimeoutMinutes',
        message: 'must be a positive number of minutes',
      },
    ]);
  });

  it('requires at least one step', () => {
    expect(validateEscalationPolicy(policy({ steps: [] }))).toEqual([
      { path: 'steps', message: 'must have at least one step' },
    ]);
  });
});
