/**
 * On-call schedule computation: the final shifts of a schedule over a time
 * window, who is on call at an instant, the gaps, and config validation.
 *
 * Pure and I/O-free; all wall-clock math happens in the schedule's IANA zone.
 *
 * Precedence, lowest to highest:
 * 1. each layer's rotation, cut to its restrictions (`null` members and
 *    inactive users give that layer nobody, so earlier layers show through);
 * 2. overrides scoped to a layer replace that layer's slots within their range;
 * 3. later layers cover earlier ones wherever they have someone on call;
 * 4. schedule-wide overrides cover everything.
 * Where nothing applies the result holds an explicit gap (`userRef: null`).
 *
 * DST: a handoff whose local time does not exist (02:30 on a spring-forward
 * day) happens at the first valid local time, i.e. at the change instant
 * (03:00); an ambiguous local time (fall-back) means its first occurrence.
 */
import { IANAZone } from 'luxon';
import {
  DAY_MS,
  ianaZone,
  isValidDateTime,
  isValidTimeZone,
  parseClockTime,
  toEpochMs,
} from './localTime';
import { layerSlots, Segment } from './rotation';
import {
  Override,
  Restriction,
  RotationLength,
  Schedule,
  ScheduleLayer,
  Shift,
} from './scheduleModel';

export * from './scheduleModel';

export interface ComputeOptions {
  /** Deactivated users: their slots become gaps; their overrides are ignored. */
  inactiveUsers?: ReadonlySet<string>;
}

export interface WhoIsOnCallOptions extends ComputeOptions {
  /** How far around `at` to look, bounding `shift` and `nextShift`. Default 31. */
  horizonDays?: number;
}

export interface OnCallNow {
  userRef: string | null;
  /** The shift containing `at`, clipped to `at` ± the horizon. */
  shift: Shift;
  /** The shift right after, which may be a gap; null beyond the horizon. */
  nextShift: Shift | null;
}

export interface ScheduleGap {
  start: string;
  end: string;
}

export interface ScheduleProblem {
  /** Where the problem is, relative to the schedule, e.g. `layers[1].handoffTime`. */
  path: string;
  message: string;
}

const NO_INACTIVE_USERS: ReadonlySet<string> = new Set();
const DEFAULT_HORIZON_DAYS = 31;

/**
 * The final shifts covering [from, to) exactly: contiguous, non-overlapping,
 * sorted, with gaps as `userRef: null` and adjacent equal shifts merged.
 * Shifts are truncated at the window edges. Throws a RangeError on an invalid
 * zone, time or date (see `validateSchedule`).
 */
export function computeFinalShifts(
  schedule: Schedule,
  overrides: Override[],
  from: Date | string,
  to: Date | string,
  options: ComputeOptions = {},
): Shift[] {
  const zone = ianaZone(schedule.timeZone);
  return finalSegments(
    schedule,
    overrides,
    toEpochMs(from, zone),
    toEpochMs(to, zone),
    zone,
    options,
  ).map(toShift);
}

/** Who is on call at `at`, the shift they are in, and the one after it. */
export function whoIsOnCall(
  schedule: Schedule,
  overrides: Override[],
  at: Date | string,
  options: WhoIsOnCallOptions = {},
): OnCallNow {
  const zone = ianaZone(schedule.timeZone);
  const atMs = toEpochMs(at, zone);
  const horizonDays = options.horizonDays ?? DEFAULT_HORIZON_DAYS;
  if (!(horizonDays > 0)) {
    throw new RangeError(`horizonDays must be positive, got ${horizonDays}`);
  }
  const horizonMs = horizonDays * DAY_MS;
  const segments = finalSegments(
    schedule,
    overrides,
    atMs - horizonMs,
    atMs + horizonMs,
    zone,
    options,
  );
  const index = segments.findIndex(s => s.start <= atMs && atMs < s.end);
  const current = segments[index];
  const next = segments[index + 1];
  return {
    userRef: current.userRef,
    shift: toShift(current),
    nextShift: next ? toShift(next) : null,
  };
}

/** The periods in [from, to) when nobody is on call. */
export function findGaps(
  schedule: Schedule,
  overrides: Override[],
  from: Date | string,
  to: Date | string,
  options: ComputeOptions = {},
): ScheduleGap[] {
  return computeFinalShifts(schedule, overrides, from, to, options)
    .filter(shift => shift.userRef === null)
    .map(({ start, end }) => ({ start, end }));
}

function finalSegments(
  schedule: Schedule,
  overrides: Override[],
  from: number,
  to: number,
  zone: IANAZone,
  options: ComputeOptions,
): Segment[] {
  if (!(from < to)) {
    return [];
  }
  const inactiveUsers = options.inactiveUsers ?? NO_INACTIVE_USERS;
  const activeOverrides = sortOverrides(
    overrides
      .filter(override => !inactiveUsers.has(override.userRef))
      .map(override => overrideSegment(override, zone))
      .filter(segment => segment.start < segment.end),
  );

  let timeline: Segment[] = [{ start: from, end: to, userRef: null }];
  for (const layer of schedule.layers) {
    let slots = layerSlots(layer, zone, from, to, inactiveUsers);
    for (const override of activeOverrides) {
      if (override.layerId === layer.id) {
        slots = slots.flatMap(slot => replaceWithin(slot, override));
      }
    }
    for (const slot of slots) {
      if (slot.userRef !== null) {
        timeline = paint(timeline, slot);
      }
    }
  }
  for (const override of activeOverrides) {
    if (override.layerId === undefined) {
      timeline = paint(timeline, {
        ...override,
        start: Math.max(override.start, from),
        end: Math.min(override.end, to),
      });
    }
  }
  return mergeAdjacent(timeline);
}

function overrideSegment(override: Override, zone: IANAZone): Segment {
  return {
    start: toEpochMs(override.start, zone),
    end: toEpochMs(override.end, zone),
    userRef: override.userRef,
    overrideId: override.id,
    ...(isLayerScoped(override) && { layerId: override.layerId }),
  };
}

function isLayerScoped(
  override: Override,
): override is Override & { layerId: string } {
  return override.layerId !== undefined && override.layerId !== null;
}

/**
 * Overlapping overrides: the one starting later wins (it was carved out of the
 * other); equal starts are broken by id so input order never matters.
 */
function sortOverrides(overrides: Segment[]): Segment[] {
  return [...overrides].sort(
    (a, b) => a.start - b.start || compareStrings(a.overrideId!, b.overrideId!),
  );
}

function compareStrings(a: string, b: string): number {
  if (a === b) {
    return 0;
  }
  return a < b ? -1 : 1;
}

/** A layer slot with the part inside `override` handed to the override's user. */
function replaceWithin(slot: Segment, override: Segment): Segment[] {
  const start = Math.max(slot.start, override.start);
  const end = Math.min(slot.end, override.end);
  if (start >= end) {
    return [slot];
  }
  const pieces: Segment[] = [];
  if (slot.start < start) {
    pieces.push({ ...slot, end: start });
  }
  pieces.push({ ...override, start, end });
  if (end < slot.end) {
    pieces.push({ ...slot, start: end });
  }
  return pieces;
}

/** The contiguous timeline with `patch` laid over it. */
function paint(timeline: Segment[], patch: Segment): Segment[] {
  if (patch.start >= patch.end) {
    return timeline;
  }
  const result: Segment[] = [];
  for (const segment of timeline) {
    if (segment.end <= patch.start || segment.start >= patch.end) {
      result.push(segment);
      continue;
    }
    if (segment.start < patch.start) {
      result.push({ ...segment, end: patch.start });
    }
    if (segment.end > patch.end) {
      result.push({ ...segment, start: patch.end });
    }
  }
  result.push(patch);
  return result.sort((a, b) => a.start - b.start);
}

function sameHolder(a: Segment, b: Segment): boolean {
  return (
    a.userRef === b.userRef &&
    a.layerId === b.layerId &&
    a.overrideId === b.overrideId
  );
}

function mergeAdjacent(timeline: Segment[]): Segment[] {
  const merged: Segment[] = [];
  for (const segment of timeline) {
    const last = merged[merged.length - 1];
    if (last && last.end === segment.start && sameHolder(last, segment)) {
      last.end = segment.end;
    } else {
      merged.push({ ...segment });
    }
  }
  return merged;
}

function toShift(segment: Segment): Shift {
  return {
    start: new Date(segment.start).toISOString(),
    end: new Date(segment.end).toISOString(),
    userRef: segment.userRef,
    ...(segment.layerId !== undefined && { layerId: segment.layerId }),
    ...(segment.overrideId !== undefined && { overrideId: segment.overrideId }),
  };
}

// ---------------------------------------------------------------- validation

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function isIsoWeekday(value: unknown): boolean {
  return Number.isInteger(value) && Number(value) >= 1 && Number(value) <= 7;
}

function restrictionProblems(
  restriction: Restriction,
  path: string,
): ScheduleProblem[] {
  const problems: ScheduleProblem[] = [];
  if (restriction.kind !== 'daily' && restriction.kind !== 'weekly') {
    return [{ path: `${path}.kind`, message: 'must be "daily" or "weekly"' }];
  }
  for (const key of ['startTime', 'endTime'] as const) {
    if (!parseClockTime(restriction[key])) {
      problems.push({ path: `${path}.${key}`, message: 'must be HH:mm' });
    }
  }
  if (restriction.kind === 'weekly') {
    for (const key of ['startDay', 'endDay'] as const) {
      if (!isIsoWeekday(restriction[key])) {
        problems.push({
          path: `${path}.${key}`,
          message: 'must be an ISO weekday, 1 (Monday) to 7 (Sunday)',
        });
      }
    }
  }
  return problems;
}

function rotationProblems(
  rotation: RotationLength,
  path: string,
): ScheduleProblem[] {
  switch (rotation?.unit) {
    case 'daily':
    case 'weekly':
      return [];
    case 'hours':
      return Number.isFinite(rotation.hours) && rotation.hours > 0
        ? []
        : [{ path: `${path}.hours`, message: 'must be a positive number' }];
    default:
      return [
        {
          path: `${path}.unit`,
          message: 'must be "daily", "weekly" or "hours"',
        },
      ];
  }
}

function layerProblems(layer: ScheduleLayer, path: string): ScheduleProblem[] {
  const problems: ScheduleProblem[] = [];
  if (!isNonEmptyString(layer.id)) {
    problems.push({
      path: `${path}.id`,
      message: 'must be a non-empty string',
    });
  }
  if (!Array.isArray(layer.members) || layer.members.length === 0) {
    problems.push({
      path: `${path}.members`,
      message: 'must list at least one member (use null for an empty slot)',
    });
  } else {
    layer.members.forEach((member, index) => {
      if (member !== null && !isNonEmptyString(member)) {
        problems.push({
          path: `${path}.members[${index}]`,
          message: 'must be a user entity ref or null',
        });
      }
    });
  }
  problems.push(...rotationProblems(layer.rotation, `${path}.rotation`));
  if (!parseClockTime(layer.handoffTime)) {
    problems.push({ path: `${path}.handoffTime`, message: 'must be HH:mm' });
  }
  if (!isValidDateTime(layer.start)) {
    problems.push({
      path: `${path}.start`,
      message: 'must be an ISO date or date-time',
    });
  }
  (layer.restrictions ?? []).forEach((restriction, index) => {
    problems.push(
      ...restrictionProblems(restriction, `${path}.restrictions[${index}]`),
    );
  });
  return problems;
}

/** Every problem in a schedule's config; empty when it is usable. */
export function validateSchedule(schedule: Schedule): ScheduleProblem[] {
  const problems: ScheduleProblem[] = [];
  if (!isNonEmptyString(schedule.id)) {
    problems.push({ path: 'id', message: 'must be a non-empty string' });
  }
  if (!isNonEmptyString(schedule.name)) {
    problems.push({ path: 'name', message: 'must be a non-empty string' });
  }
  if (!isValidTimeZone(schedule.timeZone)) {
    problems.push({
      path: 'timeZone',
      message: `"${schedule.timeZone}" is not an IANA time zone`,
    });
  }
  if (!Array.isArray(schedule.layers) || schedule.layers.length === 0) {
    problems.push({ path: 'layers', message: 'must have at least one layer' });
    return problems;
  }
  const seenLayerIds = new Set<string>();
  schedule.layers.forEach((layer, index) => {
    const path = `layers[${index}]`;
    problems.push(...layerProblems(layer, path));
    if (seenLayerIds.has(layer.id)) {
      problems.push({
        path: `${path}.id`,
        message: `duplicate layer id "${layer.id}"`,
      });
    }
    seenLayerIds.add(layer.id);
  });
  return problems;
}

/** Problems with an override against its schedule, e.g. before storing it. */
export function validateOverride(
  schedule: Schedule,
  override: Override,
): ScheduleProblem[] {
  const problems: ScheduleProblem[] = [];
  if (!isNonEmptyString(override.userRef)) {
    problems.push({ path: 'userRef', message: 'must be a user entity ref' });
  }
  const datesValid = (['start', 'end'] as const).every(key => {
    const valid = isValidDateTime(override[key]);
    if (!valid) {
      problems.push({ path: key, message: 'must be an ISO date-time' });
    }
    return valid;
  });
  if (datesValid && isValidTimeZone(schedule.timeZone)) {
    const zone = ianaZone(schedule.timeZone);
    if (toEpochMs(override.end, zone) <= toEpochMs(override.start, zone)) {
      problems.push({ path: 'end', message: 'must be after start' });
    }
  }
  if (
    isLayerScoped(override) &&
    !schedule.layers.some(layer => layer.id === override.layerId)
  ) {
    problems.push({
      path: 'layerId',
      message: `no layer "${override.layerId}" in schedule "${schedule.id}"`,
    });
  }
  return problems;
}
