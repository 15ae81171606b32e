/**
 * The escalation state machine of one incident, as a pure reducer: the
 * scheduled task asks `dueAction` what to do at `now`, sends the pages, and
 * feeds the outcome back (`afterPaged`); user actions are transitions too.
 *
 * Step delay (PagerDuty's "escalation delay"): a step's `delayMinutes` belongs
 * to that step; it is how long the step holds the incident before escalating
 * away from it. Step 0 pages at trigger time; after step i is paged at t, the
 * next step (or, after the last step, step 0 of the next round) is due at
 * t + steps[i].delayMinutes. The delay counts from when the page actually went
 * out, so a late tick never shortens the next responder's window. The last
 * step's delay only matters when a repeat round follows it; after the last
 * step of the last round the escalation is finished.
 *
 * Steps are an array, so "non-contiguous step order" cannot happen. The policy
 * is copied into the state at trigger time: editing config never changes an
 * escalation in flight. Round-robin targets are not supported.
 */
import { IncidentStatus } from '@pulse-oss/plugin-pulse-common';
import { MINUTE_MS } from './localTime';

export type EscalationTarget =
  | { type: 'schedule'; scheduleId: string }
  | { type: 'user'; userRef: string }
  | { type: 'group'; groupRef: string }
  | { type: 'webhook'; url: string };

export interface EscalationStep {
  /** How long this step holds the incident before the next step is paged. */
  delayMinutes: number;
  targets: EscalationTarget[];
  /**
   * Page one of the targets, in turns: each new incident of the policy starts with the next
   * target, and each repeat round moves one further. A target that resolves to nobody (a user
   * gone from the catalog, a schedule in a gap, an empty group) is skipped for the one after.
   */
  roundRobin?: boolean;
}

export interface EscalationPolicy {
  id: string;
  name: string;
  steps: EscalationStep[];
  /** Extra rounds after the first, 0..9. */
  repeat: number;
  /** An acknowledged incident returns to triggered after this long. */
  ackTimeoutMinutes?: number;
}

/** One page sent: the incident's escalation level. */
export interface PagedLevel {
  stepIndex: number;
  round: number;
  at: string;
}

export interface EscalationState {
  incidentId: string;
  status: IncidentStatus;
  /** Snapshot copied at trigger (or reassignment). */
  policy: EscalationPolicy;
  /** The step paged next, at `nextStepAt`; once finished, the last one paged. */
  stepIndex: number;
  round: number;
  /** ISO; when the next page is due. Null while acknowledged, resolved or finished. */
  nextStepAt: string | null;
  /** ISO; when an acknowledgement lapses. */
  ackTimeoutAt: string | null;
  /** No more pages will be sent (policy exhausted, or resolved). */
  finished: boolean;
  /** The last page sent, i.e. the current escalation level; null before the first. */
  lastPaged: PagedLevel | null;
  /**
   * How often the escalation restarted (reassign, ack timeout, unacknowledge).
   * Part of each page's idempotency key, so a deliberate re-page of a step is
   * not swallowed as a duplicate of the earlier one.
   */
  restarts: number;
  /**
   * The incident's turn among the policy's incidents, taken when it triggered: where its
   * round-robin steps start. Absent (0) for incidents stored before round robin existed.
   */
  turn?: number;
}

export interface PageAction {
  kind: 'page';
  stepIndex: number;
  round: number;
  /** Page only the first of `targets` that resolves to someone (a round-robin step). */
  pickOne: boolean;
  targets: EscalationTarget[];
  /** `${incidentId}:${stepIndex}:${round}`, plus `:r${restarts}` after a restart. */
  idempotencyKey: string;
  dueAt: string;
}

export interface AckTimeoutAction {
  kind: 'ack-timeout';
  dueAt: string;
}

export type DueAction = PageAction | AckTimeoutAction;

export type EscalationErrorCode =
  /** The action is not allowed in the incident's current status. */
  | 'invalid-transition'
  /** The page reported does not match the step the state expects (stale or duplicate job). */
  | 'stale-page'
  /** Called before the thing it reacts to was due. */
  | 'not-due'
  /** There is no further step to page. */
  | 'escalation-finished';

export interface EscalationError {
  code: EscalationErrorCode;
  action: string;
  status: IncidentStatus;
  message: string;
}

export type EscalationResult =
  | { ok: true; state: EscalationState }
  | { ok: false; error: EscalationError };

/** Who to reassign an incident to: a whole policy, or one user. */
export type Assignee = { policy: EscalationPolicy } | { userRef: string };

// ------------------------------------------------------------------ helpers

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

function plusMinutes(now: Date, minutes: number): string {
  return iso(now.getTime() + minutes * MINUTE_MS);
}

function ok(state: EscalationState): EscalationResult {
  return { ok: true, state };
}

function fail(
  state: EscalationState,
  action: string,
  code: EscalationErrorCode,
  message: string,
): EscalationResult {
  return {
    ok: false,
    error: { code, action, status: state.status, message },
  };
}

function invalidTransition(
  state: EscalationState,
  action: string,
): EscalationResult {
  return fail(
    state,
    action,
    'invalid-transition',
    `Cannot ${action} incident ${state.incidentId}: it is ${state.status}`,
  );
}

function snapshotPolicy(policy: EscalationPolicy): EscalationPolicy {
  return {
    ...policy,
    steps: policy.steps.map(step => ({
      delayMinutes: step.delayMinutes,
      targets: step.targets.map(target => ({ ...target })),
      ...(step.roundRobin && { roundRobin: true }),
    })),
  };
}

/** The step after (stepIndex, round), wrapping into the next round; null when done. */
function followingStep(
  policy: EscalationPolicy,
  stepIndex: number,
  round: number,
): { stepIndex: number; round: number } | null {
  if (stepIndex + 1 < policy.steps.length) {
    return { stepIndex: stepIndex + 1, round };
  }
  if (round < policy.repeat) {
    return { stepIndex: 0, round: round + 1 };
  }
  return null;
}

function pageKey(state: EscalationState): string {
  const base = `${state.incidentId}:${state.stepIndex}:${state.round}`;
  return state.restarts > 0 ? `${base}:r${state.restarts}` : base;
}

/** Escalation from step 0, round 0, due now; finished at once if there are no steps. */
function freshEscalation(
  incidentId: string,
  policy: EscalationPolicy,
  now: Date,
  restarts: number,
  turn: number,
): EscalationState {
  const hasSteps = policy.steps.length > 0;
  return {
    incidentId,
    status: 'triggered',
    policy: snapshotPolicy(policy),
    stepIndex: 0,
    round: 0,
    nextStepAt: hasSteps ? iso(now.getTime()) : null,
    ackTimeoutAt: null,
    finished: !hasSteps,
    lastPaged: null,
    restarts,
    ...(turn > 0 && { turn }),
  };
}

/** Whether the policy has a round-robin step, so its incidents need a turn. */
export function usesRoundRobin(policy: EscalationPolicy): boolean {
  return policy.steps.some(step => step.roundRobin && step.targets.length > 1);
}

/** A round-robin step's targets, starting with the one whose turn it is. */
function targetsInTurn(step: EscalationStep, turn: number): EscalationTarget[] {
  const n = step.targets.length;
  if (!step.roundRobin || n < 2) {
    return step.targets;
  }
  const first = turn % n;
  return [...step.targets.slice(first), ...step.targets.slice(0, first)];
}

// -------------------------------------------------------------- the machine

/** A newly triggered incident: step 0 is due at `now`. `turn` is its round-robin turn. */
export function startEscalation(
  incidentId: string,
  policy: EscalationPolicy,
  now: Date,
  turn = 0,
): EscalationState {
  return freshEscalation(incidentId, policy, now, 0, turn);
}

/**
 * What is due at `now`: a page, an acknowledgement timeout, or nothing. A job
 * that fires after the incident was acknowledged or resolved gets null, which
 * is how a pending step becomes a no-op. Calling this twice before
 * `afterPaged` returns the same page with the same idempotency key.
 */
export function dueAction(state: EscalationState, now: Date): DueAction | null {
  const nowMs = now.getTime();
  if (state.status === 'acknowledged') {
    if (state.ackTimeoutAt && Date.parse(state.ackTimeoutAt) <= nowMs) {
      return { kind: 'ack-timeout', dueAt: state.ackTimeoutAt };
    }
    return null;
  }
  if (
    state.status !== 'triggered' ||
    state.finished ||
    state.nextStepAt === null ||
    Date.parse(state.nextStepAt) > nowMs
  ) {
    return null;
  }
  return {
    kind: 'page',
    stepIndex: state.stepIndex,
    round: state.round,
    pickOne: state.policy.steps[state.stepIndex].roundRobin === true,
    targets: targetsInTurn(
      state.policy.steps[state.stepIndex],
      (state.turn ?? 0) + state.round,
    ),
    idempotencyKey: pageKey(state),
    dueAt: state.nextStepAt,
  };
}

/**
 * Records that the due page was sent at `now` and plans the next one. Pass the
 * page that was sent as `paged` to reject a stale or duplicate job. A page
 * whose step has no one to notify still counts: the escalation moves on after
 * the step's delay rather than stalling.
 */
export function afterPaged(
  state: EscalationState,
  now: Date,
  paged?: { stepIndex: number; round: number },
): EscalationResult {
  const action = 'record a page for';
  if (state.status !== 'triggered') {
    return invalidTransition(state, action);
  }
  if (state.finished || state.nextStepAt === null) {
    return fail(state, action, 'escalation-finished', 'No page was pending');
  }
  if (
    paged &&
    (paged.stepIndex !== state.stepIndex || paged.round !== state.round)
  ) {
    return fail(
      state,
      action,
      'stale-page',
      `Page for step ${paged.stepIndex} round ${paged.round} is not the pending step ${state.stepIndex} round ${state.round}`,
    );
  }
  const lastPaged: PagedLevel = {
    stepIndex: state.stepIndex,
    round: state.round,
    at: iso(now.getTime()),
  };
  const next = followingStep(state.policy, state.stepIndex, state.round);
  if (!next) {
    return ok({ ...state, lastPaged, nextStepAt: null, finished: true });
  }
  const { delayMinutes } = state.policy.steps[state.stepIndex];
  return ok({
    ...state,
    ...next,
    lastPaged,
    nextStepAt: plusMinutes(now, delayMinutes),
  });
}

/**
 * Records a page that went out while an acknowledgement was being committed: the engine checked
 * the incident, sent, and the acknowledgement landed in between. The level was paged, so it
 * becomes the current level and the escalation moves past it, while the incident stays
 * acknowledged with nothing due: a later "escalate now" pages the next step instead of finding
 * this one already sent, and a withdrawn acknowledgement re-pages this level.
 */
export function afterPagedWhileAcknowledged(
  state: EscalationState,
  now: Date,
  paged: { idempotencyKey: string },
): EscalationResult {
  const action = 'record a page for';
  if (state.status !== 'acknowledged') {
    return invalidTransition(state, action);
  }
  if (state.finished || paged.idempotencyKey !== pageKey(state)) {
    return fail(
      state,
      action,
      'stale-page',
      `Page ${paged.idempotencyKey} is not the pending step ${state.stepIndex} round ${state.round}`,
    );
  }
  const lastPaged: PagedLevel = {
    stepIndex: state.stepIndex,
    round: state.round,
    at: iso(now.getTime()),
  };
  const next = followingStep(state.policy, state.stepIndex, state.round);
  return ok(
    next
      ? { ...state, ...next, lastPaged }
      : { ...state, lastPaged, finished: true },
  );
}

/** Stops paging; the acknowledgement lapses after the policy's ack timeout, if any. */
export function acknowledge(
  state: EscalationState,
  now: Date,
): EscalationResult {
  if (state.status !== 'triggered') {
    return invalidTransition(state, 'acknowledge');
  }
  const timeout = state.policy.ackTimeoutMinutes;
  return ok({
    ...state,
    status: 'acknowledged',
    nextStepAt: null,
    ackTimeoutAt: timeout ? plusMinutes(now, timeout) : null,
  });
}

/** Back to triggered, re-paging the current level now (the last step paged). */
function resumeAtCurrentLevel(
  state: EscalationState,
  now: Date,
): EscalationState {
  const level = state.lastPaged ?? {
    stepIndex: state.stepIndex,
    round: state.round,
  };
  return {
    ...state,
    status: 'triggered',
    stepIndex: level.stepIndex,
    round: level.round,
    nextStepAt: iso(now.getTime()),
    ackTimeoutAt: null,
    finished: false,
    restarts: state.restarts + 1,
  };
}

/** The acknowledgement lapsed: back to triggered, re-paging the current level now. */
export function ackTimedOut(
  state: EscalationState,
  now: Date,
): EscalationResult {
  const action = 'time out the acknowledgement of';
  if (state.status !== 'acknowledged') {
    return invalidTransition(state, action);
  }
  if (!state.ackTimeoutAt || Date.parse(state.ackTimeoutAt) > now.getTime()) {
    return fail(
      state,
      action,
      'not-due',
      `The acknowledgement of incident ${state.incidentId} has not timed out`,
    );
  }
  return ok(resumeAtCurrentLevel(state, now));
}

/** Withdraws an acknowledgement: back to triggered, re-paging the current level now. */
export function unacknowledge(
  state: EscalationState,
  now: Date,
): EscalationResult {
  if (state.status !== 'acknowledged') {
    return invalidTransition(state, 'unacknowledge');
  }
  return ok(resumeAtCurrentLevel(state, now));
}

export function resolve(state: EscalationState): EscalationResult {
  if (state.status === 'resolved') {
    return invalidTransition(state, 'resolve');
  }
  return ok({
    ...state,
    status: 'resolved',
    nextStepAt: null,
    ackTimeoutAt: null,
    finished: true,
  });
}

/**
 * Pages the next step now instead of waiting for its delay. On an
 * acknowledged incident this also re-triggers it (as PagerDuty does).
 */
export function escalateNow(
  state: EscalationState,
  now: Date,
): EscalationResult {
  if (state.status === 'resolved') {
    return invalidTransition(state, 'escalate');
  }
  if (state.finished) {
    return fail(
      state,
      'escalate',
      'escalation-finished',
      `Incident ${state.incidentId} has no further escalation step; reassign it instead`,
    );
  }
  return ok({
    ...state,
    status: 'triggered',
    nextStepAt: iso(now.getTime()),
    ackTimeoutAt: null,
  });
}

/**
 * Hands the incident to another policy, or to one user (a one-step policy
 * keeping the current ack timeout). Re-triggers it and restarts from step 0,
 * due now.
 */
export function reassign(
  state: EscalationState,
  now: Date,
  assignee: Assignee,
): EscalationResult {
  if (state.status === 'resolved') {
    return invalidTransition(state, 'reassign');
  }
  const policy =
    'policy' in assignee
      ? assignee.policy
      : singleUserPolicy(assignee.userRef, state.policy.ackTimeoutMinutes);
  return ok(
    freshEscalation(
      state.incidentId,
      policy,
      now,
      state.restarts + 1,
      state.turn ?? 0,
    ),
  );
}

function singleUserPolicy(
  userRef: string,
  ackTimeoutMinutes: number | undefined,
): EscalationPolicy {
  return {
    id: `reassigned:${userRef}`,
    name: `Reassigned to ${userRef}`,
    // The delay of the only step never elapses: paging it finishes the policy.
    steps: [{ delayMinutes: 1, targets: [{ type: 'user', userRef }] }],
    repeat: 0,
    ...(ackTimeoutMinutes !== undefined && { ackTimeoutMinutes }),
  };
}

// ---------------------------------------------------------------- watchdog

/** When the state next needs attention (a page or an ack timeout), or null. */
export function nextDueAt(state: EscalationState): string | null {
  if (state.status === 'acknowledged') {
    return state.ackTimeoutAt;
  }
  if (state.status === 'triggered' && !state.finished) {
    return state.nextStepAt;
  }
  return null;
}

/** How long past due the state is at `now`; 0 when nothing is overdue. */
export function overdueByMs(state: EscalationState, now: Date): number {
  const due = nextDueAt(state);
  return due === null ? 0 : Math.max(0, now.getTime() - Date.parse(due));
}

/** True when the due work is more than `graceMs` late: the scheduler has stalled. */
export function isOverdue(
  state: EscalationState,
  now: Date,
  graceMs: number,
): boolean {
  return overdueByMs(state, now) > graceMs;
}

// ------------------------------------------------------------------ targets

export interface TargetLookup {
  /** The user on call for a schedule at `at`, or null in a gap. */
  onCallUser(scheduleId: string, at: Date): string | null;
  /** The user entity refs in a group. */
  groupMembers(groupRef: string): string[];
  /** True for a user the catalog no longer has. */
  isMissing?(userRef: string): boolean;
}

export type TargetNote =
  | { kind: 'nobody-on-call'; scheduleId: string }
  | { kind: 'empty-group'; groupRef: string }
  | { kind: 'missing-user'; userRef: string };

export interface ResolvedTargets {
  /** User entity refs to notify, without duplicates, in target order. */
  recipients: string[];
  webhookUrls: string[];
  /** Targets that resolved to nobody; record them on the timeline. */
  notes: TargetNote[];
}

/**
 * Expands a step's targets into the users and webhooks to page at `at`. With `pickOne` (a
 * round-robin step), only the first target that resolves to someone is paged; the ones before it
 * are noted as skipped.
 */
export function resolveTargets(
  targets: EscalationTarget[],
  lookup: TargetLookup,
  at: Date,
  options: { pickOne?: boolean } = {},
): ResolvedTargets {
  const recipients = new Set<string>();
  const webhookUrls = new Set<string>();
  const notes: TargetNote[] = [];
  for (const target of targets) {
    const before = recipients.size + webhookUrls.size;
    switch (target.type) {
      case 'user':
        if (options.pickOne && lookup.isMissing?.(target.userRef)) {
          notes.push({ kind: 'missing-user', userRef: target.userRef });
        } else {
          recipients.add(target.userRef);
        }
        break;
      case 'schedule': {
        const userRef = lookup.onCallUser(target.scheduleId, at);
        if (userRef === null) {
          notes.push({ kind: 'nobody-on-call', scheduleId: target.scheduleId });
        } else {
          recipients.add(userRef);
        }
        break;
      }
      case 'group': {
        const members = lookup.groupMembers(target.groupRef);
        if (members.length === 0) {
          notes.push({ kind: 'empty-group', groupRef: target.groupRef });
        }
        members.forEach(member => recipients.add(member));
        break;
      }
      case 'webhook':
        webhookUrls.add(target.url);
        break;
      default:
        break;
    }
    if (options.pickOne && recipients.size + webhookUrls.size > before) {
      break;
    }
  }
  return { recipients: [...recipients], webhookUrls: [...webhookUrls], notes };
}

// --------------------------------------------------------------- validation

export interface PolicyProblem {
  /** Where the problem is, relative to the policy, e.g. `steps[1].targets`. */
  path: string;
  message: string;
}

export const MAX_REPEAT = 9;

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') {
    return false;
  }
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

function targetProblem(
  target: EscalationTarget,
  path: string,
): PolicyProblem | undefined {
  switch (target?.type) {
    case 'schedule':
      return isNonEmptyString(target.scheduleId)
        ? undefined
        : { path: `${path}.scheduleId`, message: 'must be a schedule id' };
    case 'user':
      return isNonEmptyString(target.userRef)
        ? undefined
        : { path: `${path}.userRef`, message: 'must be a user entity ref' };
    case 'group':
      return isNonEmptyString(target.groupRef)
        ? undefined
        : { path: `${path}.groupRef`, message: 'must be a group entity ref' };
    case 'webhook':
      return isHttpUrl(target.url)
        ? undefined
        : { path: `${path}.url`, message: 'must be an http(s) URL' };
    default:
      return {
        path: `${path}.type`,
        message: 'must be "schedule", "user", "group" or "webhook"',
      };
  }
}

function stepProblems(step: EscalationStep, path: string): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  if (!Number.isFinite(step.delayMinutes) || step.delayMinutes < 1) {
    // At least a minute (PagerDuty's minimum), so a repeating policy can never page in a tight loop.
    problems.push({
      path: `${path}.delayMinutes`,
      message: 'must be at least 1',
    });
  }
  if (!Array.isArray(step.targets) || step.targets.length === 0) {
    problems.push({
      path: `${path}.targets`,
      message: 'must have at least one target',
    });
    return problems;
  }
  step.targets.forEach((target, index) => {
    const problem = targetProblem(target, `${path}.targets[${index}]`);
    if (problem) {
      problems.push(problem);
    }
  });
  return problems;
}

/** Every problem in an escalation policy's config; empty when it is usable. */
export function validateEscalationPolicy(
  policy: EscalationPolicy,
): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  if (!isNonEmptyString(policy.id)) {
    problems.push({ path: 'id', message: 'must be a non-empty string' });
  }
  if (!isNonEmptyString(policy.name)) {
    problems.push({ path: 'name', message: 'must be a non-empty string' });
  }
  if (!Array.isArray(policy.steps) || policy.steps.length === 0) {
    problems.push({ path: 'steps', message: 'must have at least one step' });
  } else {
    policy.steps.forEach((step, index) => {
      problems.push(...stepProblems(step, `steps[${index}]`));
    });
  }
  if (
    !Number.isInteger(policy.repeat) ||
    policy.repeat < 0 ||
    policy.repeat > MAX_REPEAT
  ) {
    problems.push({
      path: 'repeat',
      message: `must be a whole number from 0 to ${MAX_REPEAT}`,
    });
  }
  if (
    policy.ackTimeoutMinutes !== undefined &&
    !(Number.isFinite(policy.ackTimeoutMinutes) && policy.ackTimeoutMinutes > 0)
  ) {
    problems.push({
      path: 'ackTimeoutMinutes',
      message: 'must be a positive number of minutes',
    });
  }
  return problems;
}
