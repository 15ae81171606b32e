/**
 * What an on-call schedule is made of: layers with their rotation and restrictions, overrides,
 * and the shifts of the final timeline. Types only; the computation is in `schedule.ts` (the
 * whole schedule) and `rotation.ts` (one layer).
 */
import { OnCallShift } from '@pulse-oss/plugin-pulse-common';
import { IsoWeekday } from './localTime';

export type RotationLength =
  | { unit: 'daily' }
  | { unit: 'weekly' }
  | { unit: 'hours'; hours: number };

/** Allowed window each day, `HH:mm`; may cross midnight (19:00–07:00). */
export interface DailyRestriction {
  kind: 'daily';
  startTime: string;
  endTime: string;
}

/** Allowed window each week; may cross the week boundary (Fri 17:00 – Mon 09:00). */
export interface WeeklyRestriction {
  kind: 'weekly';
  startDay: IsoWeekday;
  startTime: string;
  endDay: IsoWeekday;
  endTime: string;
}

/**
 * Outside every restriction window the layer has nobody, so earlier layers
 * show through. Equal start and end mean a full day (daily) or week (weekly).
 * Weekdays only: one weekly restriction per weekday.
 */
export type Restriction = DailyRestriction | WeeklyRestriction;

export interface ScheduleLayer {
  id: string;
  /** User entity refs in rotation order; `null` is an explicit "nobody" slot. */
  members: Array<string | null>;
  rotation: RotationLength;
  /** Local `HH:mm` in the schedule's zone. */
  handoffTime: string;
  /**
   * ISO date or date-time in the schedule's zone (unless it has an offset).
   * The first member is on call from `start` (a date means that day's
   * `handoffTime`) until the next handoff; weekly handoffs fall on the weekday
   * of `start`.
   */
  start: string;
  restrictions?: Restriction[];
}

export interface Schedule {
  id: string;
  name: string;
  timeZone: string;
  /** Later layers cover earlier ones where they have someone on call. */
  layers: ScheduleLayer[];
}

export interface Override {
  id: string;
  userRef: string;
  start: Date | string;
  end: Date | string;
  /** Scoped to one layer; absent or null covers the whole schedule. */
  layerId?: string | null;
}

/**
 * A shift of the final timeline: ISO UTC `start` (inclusive) and `end`
 * (exclusive); `userRef: null` is a gap with nobody on call. The API's
 * `OnCallShift`.
 */
export type Shift = OnCallShift;
