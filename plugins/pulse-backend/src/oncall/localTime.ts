/**
 * Wall-clock helpers for schedule math: converting a local date and time in an
 * IANA zone to an instant, with explicit rules for the daylight-saving gap and
 * overlap, plus parsing of `HH:mm` times and ISO instants.
 */
import { LRUCache } from 'lru-cache';
import { DateTime, IANAZone } from 'luxon';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** A time of day, as written in config (`HH:mm`). */
export interface ClockTime {
  hour: number;
  minute: number;
}

/** A calendar date without a zone. */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/** ISO weekday: Monday = 1 … Sunday = 7. */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

const CLOCK_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const EXPLICIT_OFFSET = /T.*(Z|[+-]\d{2}(:?\d{2})?)$/i;

export function parseClockTime(value: unknown): ClockTime | undefined {
  const match = typeof value === 'string' ? CLOCK_TIME.exec(value) : null;
  if (!match) {
    return undefined;
  }
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

export function minutesOfDay(time: ClockTime): number {
  return time.hour * 60 + time.minute;
}

export function isValidTimeZone(zone: unknown): zone is string {
  return typeof zone === 'string' && zone !== '' && IANAZone.isValidZone(zone);
}

export function isDateOnly(value: string): boolean {
  return DATE_ONLY.test(value);
}

/** The zone, or a RangeError naming it when it is not a valid IANA zone. */
export function ianaZone(name: string): IANAZone {
  // Luxon keeps one zone per name and checks its validity once; `isValidZone` would build a
  // formatter on every call, and every on-call answer asks for its zones many times.
  const zone = name === '' ? undefined : IANAZone.create(name);
  if (!zone?.isValid) {
    throw new RangeError(`Invalid IANA time zone "${name}"`);
  }
  return zone;
}

/**
 * Epoch milliseconds of a Date or ISO string. A string without an offset is
 * read as wall-clock time in `zone`; a date-only string means its midnight.
 */
export function toEpochMs(value: Date | string, zone: IANAZone): number {
  const ms =
    value instanceof Date ? value.getTime() : parseIsoInZone(value, zone);
  if (!Number.isFinite(ms)) {
    throw new RangeError(`Invalid date-time "${String(value)}"`);
  }
  return ms;
}

function parseIsoInZone(value: string, zone: IANAZone): number {
  if (EXPLICIT_OFFSET.test(value)) {
    return DateTime.fromISO(value).toMillis();
  }
  // Local wall-clock time: resolve it with the same gap/overlap rules as handoffs.
  const wall = DateTime.fromISO(value, { zone: 'utc' });
  if (!wall.isValid) {
    return NaN;
  }
  const minuteStart = localTimeToEpochMs(zone, wall, wall);
  return minuteStart + wall.second * 1000 + wall.millisecond;
}

export function isValidDateTime(value: unknown): boolean {
  if (value instanceof Date) {
    return Number.isFinite(value.getTime());
  }
  return typeof value === 'string' && DateTime.fromISO(value).isValid;
}

export function addDays(date: LocalDate, days: number): LocalDate {
  const shifted = new Date(
    Date.UTC(date.year, date.month - 1, date.day + days),
  );
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
  };
}

export function isoWeekday(date: LocalDate): IsoWeekday {
  const sundayZero = new Date(
    Date.UTC(date.year, date.month - 1, date.day),
  ).getUTCDay();
  return (((sundayZero + 6) % 7) + 1) as IsoWeekday;
}

/** The calendar date the wall clock in `zone` shows at `epochMs`. */
export function localDateAt(zone: IANAZone, epochMs: number): LocalDate {
  const wall = new Date(epochMs + zone.offset(epochMs) * MINUTE_MS);
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
  };
}

/**
 * Instants already resolved: the answer depends on the zone's rules only, and asking a zone for its
 * offset is slow (every schedule question resolves the same handoffs again).
 */
const resolvedLocalTimes = new LRUCache<string, number>({ max: 50_000 });

/**
 * The instant at which the wall clock in `zone` shows `date` at `time`.
 *
 * - A time skipped by a spring-forward change (e.g. 02:30 on 2025-03-09 in
 *   New York) resolves to the first valid local time after the gap, which is
 *   the change instant itself (03:00 EDT = 07:00Z).
 * - A time that occurs twice in a fall-back change resolves to the earlier
 *   occurrence (the offset in force before the change).
 */
export function localTimeToEpochMs(
  zone: IANAZone,
  date: LocalDate,
  time: ClockTime,
): number {
  const key = `${zone.name} ${date.year}-${date.month}-${date.day} ${time.hour}:${time.minute}`;
  let instant = resolvedLocalTimes.get(key);
  if (instant === undefined) {
    instant = resolveLocalTime(zone, date, time);
    resolvedLocalTimes.set(key, instant);
  }
  return instant;
}

function resolveLocalTime(
  zone: IANAZone,
  date: LocalDate,
  time: ClockTime,
): number {
  const wall = Date.UTC(
    date.year,
    date.month - 1,
    date.day,
    time.hour,
    time.minute,
  );
  // Offsets are at most ±14 h, so the answer lies within wall ± 14 h; sampling
  // outside that range yields the offsets in force before and after any change.
  const offsetBefore = zone.offset(wall - 15 * HOUR_MS);
  const offsetAfter = zone.offset(wall + 15 * HOUR_MS);
  const matching = [offsetBefore, offsetAfter]
    .map(offset => ({ offset, instant: wall - offset * MINUTE_MS }))
    .filter(({ offset, instant }) => zone.offset(instant) === offset)
    .map(({ instant }) => instant);
  if (matching.length > 0) {
    return Math.min(...matching);
  }
  return firstInstantWithOffset(
    zone,
    wall - offsetAfter * MINUTE_MS,
    wall - offsetBefore * MINUTE_MS,
    offsetAfter,
  );
}

/** Binary search (minute precision) for the change to `offset` within (low, high]. */
function firstInstantWithOffset(
  zone: IANAZone,
  low: number,
  high: number,
  offset: number,
): number {
  let before = low;
  let after = high;
  while (after - before > MINUTE_MS) {
    const middle =
      before + Math.floor((after - before) / 2 / MINUTE_MS) * MINUTE_MS;
    if (zone.offset(middle) === offset) {
      after = middle;
    } else {
      before = middle;
    }
  }
  return after;
}
