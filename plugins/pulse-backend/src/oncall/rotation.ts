/**
 * One layer's own timeline: who its rotation puts on call, cut to the layer's
 * restrictions. Layering and schedule-wide overrides happen in `schedule.ts`.
 */
import { IANAZone } from 'luxon';
import {
  addDays,
  ClockTime,
  DAY_MS,
  HOUR_MS,
  isDateOnly,
  isoWeekday,
  LocalDate,
  localDateAt,
  localTimeToEpochMs,
  minutesOfDay,
  parseClockTime,
  toEpochMs,
} from './localTime';
import type { Restriction, ScheduleLayer } from './scheduleModel';

/** A half-open interval [start, end) in epoch ms with whoever holds it. */
export interface Segment {
  start: number;
  end: number;
  userRef: string | null;
  layerId?: string;
  overrideId?: string;
}

interface RotationClock {
  /** When the layer takes effect; the first member is on call from here. */
  layerStart: number;
  /** The k-th handoff instant; k may be negative. */
  handoff(k: number): number;
}

function requireClockTime(value: string, what: string): ClockTime {
  const time = parseClockTime(value);
  if (!time) {
    throw new RangeError(`Invalid ${what} "${value}", expected HH:mm`);
  }
  return time;
}

/**
 * Handoffs are anchored on the local date of `start` at `handoffTime`.
 * Daily and weekly rotations hand off at that local wall-clock time every day
 * or week, so across a DST change a day lasts 23 h or 25 h and a week 167 h or
 * 169 h. `hours` rotations count elapsed hours from the anchor instead, so
 * their handoffs drift by an hour against the wall clock after a DST change.
 */
function rotationClock(layer: ScheduleLayer, zone: IANAZone): RotationClock {
  const handoffTime = requireClockTime(layer.handoffTime, 'handoffTime');
  const startMs = toEpochMs(layer.start, zone);
  const anchorDate = localDateAt(zone, startMs);
  const anchorMs = localTimeToEpochMs(zone, anchorDate, handoffTime);
  // A date-only start means "from that day's handoff"; a date-time is exact.
  const layerStart = isDateOnly(layer.start) ? anchorMs : startMs;
  const { rotation } = layer;

  if (rotation.unit === 'hours') {
    if (!(rotation.hours > 0) || !Number.isFinite(rotation.hours)) {
      throw new RangeError(`Invalid rotation length of ${rotation.hours} h`);
    }
    const lengthMs = rotation.hours * HOUR_MS;
    return { layerStart, handoff: k => anchorMs + k * lengthMs };
  }
  const daysPerTurn = rotation.unit === 'weekly' ? 7 : 1;
  return {
    layerStart,
    handoff: k =>
      localTimeToEpochMs(
        zone,
        addDays(anchorDate, k * daysPerTurn),
        handoffTime,
      ),
  };
}

/** The k with handoff(k) <= instant < handoff(k + 1). */
function turnIndexAt(clock: RotationClock, instant: number): number {
  const approximateTurnMs = clock.handoff(1) - clock.handoff(0);
  let k = Math.floor((instant - clock.handoff(0)) / approximateTurnMs);
  while (clock.handoff(k) > instant) {
    k--;
  }
  while (clock.handoff(k + 1) <= instant) {
    k++;
  }
  return k;
}

function modulo(value: number, divisor: number): number {
  return ((value % divisor) + divisor) % divisor;
}

/**
 * The layer's slots within [from, to): one segment per turn, clipped to the
 * window and to the layer's restrictions. A `null` member or an inactive user
 * yields a slot with `userRef: null`.
 */
export function layerSlots(
  layer: ScheduleLayer,
  zone: IANAZone,
  from: number,
  to: number,
  inactiveUsers: ReadonlySet<string>,
): Segment[] {
  const clock = rotationClock(layer, zone);
  const begin = Math.max(from, clock.layerStart);
  if (begin >= to || layer.members.length === 0) {
    return [];
  }
  const firstTurn = turnIndexAt(clock, clock.layerStart);
  const slots: Segment[] = [];
  for (let k = turnIndexAt(clock, begin); clock.handoff(k) < to; k++) {
    const member = layer.members[modulo(k - firstTurn, layer.members.length)];
    slots.push({
      start: Math.max(clock.handoff(k), begin),
      end: Math.min(clock.handoff(k + 1), to),
      userRef: member !== null && !inactiveUsers.has(member) ? member : null,
      layerId: layer.id,
    });
  }
  if (!layer.restrictions || layer.restrictions.length === 0) {
    return slots;
  }
  const windows = restrictionWindows(layer.restrictions, zone, from, to);
  return slots.flatMap(slot => intersectWithWindows(slot, windows));
}

interface Window {
  start: number;
  end: number;
}

function windowStartingOn(
  restriction: Restriction,
  date: LocalDate,
  zone: IANAZone,
): Window | undefined {
  const startTime = requireClockTime(restriction.startTime, 'startTime');
  const endTime = requireClockTime(restriction.endTime, 'endTime');
  const endsNoLaterThanStart = minutesOfDay(endTime) <= minutesOfDay(startTime);
  let daysToEnd: number;
  if (restriction.kind === 'daily') {
    // 19:00–07:00 ends the next day; equal times mean a full day.
    daysToEnd = endsNoLaterThanStart ? 1 : 0;
  } else {
    if (isoWeekday(date) !== restriction.startDay) {
      return undefined;
    }
    // Fri 17:00 – Mon 09:00 wraps into the next week; equal means a full week.
    daysToEnd = modulo(restriction.endDay - restriction.startDay, 7);
    if (daysToEnd === 0 && endsNoLaterThanStart) {
      daysToEnd = 7;
    }
  }
  return {
    start: localTimeToEpochMs(zone, date, startTime),
    end: localTimeToEpochMs(zone, addDays(date, daysToEnd), endTime),
  };
}

/** The union of the allowed windows overlapping [from, to), sorted. */
function restrictionWindows(
  restrictions: Restriction[],
  zone: IANAZone,
  from: number,
  to: number,
): Window[] {
  const windows: Window[] = [];
  // A window may last up to a week, so start looking a week before `from`.
  const firstDate = addDays(localDateAt(zone, from), -8);
  const dayCount = Math.ceil((to - from) / DAY_MS) + 10;
  for (let offset = 0; offset < dayCount; offset++) {
    const date = addDays(firstDate, offset);
    for (const restriction of restrictions) {
      const window = windowStartingOn(restriction, date, zone);
      if (window && window.end > from && window.start < to) {
        windows.push(window);
      }
    }
  }
  return mergeWindows(windows);
}

function mergeWindows(windows: Window[]): Window[] {
  const sorted = [...windows].sort((a, b) => a.start - b.start);
  const merged: Window[] = [];
  for (const window of sorted) {
    const last = merged[merged.length - 1];
    if (last && window.start <= last.end) {
      last.end = Math.max(last.end, window.end);
    } else {
      merged.push({ ...window });
    }
  }
  return merged;
}

function intersectWithWindows(slot: Segment, windows: Window[]): Segment[] {
  return windows
    .filter(window => window.end > slot.start && window.start < slot.end)
    .map(window => ({
      ...slot,
      start: Math.max(slot.start, window.start),
      end: Math.min(slot.end, window.end),
    }));
}
