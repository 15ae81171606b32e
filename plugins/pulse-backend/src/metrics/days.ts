/**
 * Calendar days for delivery metrics. A window of N days is the N calendar days ending with
 * today, counted in the configured time zone (`pulse.metrics.timeZone`, default UTC): a
 * deployment at 23:30 in Berlin belongs to that Berlin day, whatever UTC says. Days are ISO
 * dates (`2026-12-03`), the key the aggregation tables and trend series use.
 */
import { DateTime } from 'luxon';

export type Day = string;

/** The calendar day `instant` falls on in `zone`. */
export function dayOf(instant: Date, zone: string): Day {
  return DateTime.fromJSDate(instant, { zone }).toISODate()!;
}

/** The instant `day` starts in `zone`. */
export function startOfDay(day: Day, zone: string): Date {
  return DateTime.fromISO(day, { zone }).startOf('day').toJSDate();
}

/** Calendar arithmetic on the date alone (no zone applies): the hot path of every series. */
export function addDays(day: Day, count: number): Day {
  const [year, month, date] = day.split('-').map(Number);
  const shifted = new Date(0);
  shifted.setUTCFullYear(year, month - 1, date + count);
  return shifted.toISOString().slice(0, 10);
}

export interface MetricsWindow {
  days: number;
  zone: string;
  /** The first day of the window. */
  firstDay: Day;
  /** Today: the last day of the window. */
  lastDay: Day;
  /** When the first day starts: facts at or after this instant are in the window. */
  start: Date;
  /** When the window was taken: facts after it are not counted yet. */
  end: Date;
}

export function metricsWindow(
  now: Date,
  days: number,
  zone: string,
): MetricsWindow {
  if (!Number.isInteger(days) || days < 1) {
    throw new RangeError(`a window is a whole number of days, got ${days}`);
  }
  const lastDay = dayOf(now, zone);
  const firstDay = addDays(lastDay, -(days - 1));
  return {
    days,
    zone,
    firstDay,
    lastDay,
    start: startOfDay(firstDay, zone),
    end: now,
  };
}

export function inWindow(window: MetricsWindow, instant: Date): boolean {
  const time = instant.getTime();
  return time >= window.start.getTime() && time <= window.end.getTime();
}

/** Every day of the window, oldest first. */
export function windowDays(window: MetricsWindow): Day[] {
  return Array.from({ length: window.days }, (_, index) =>
    addDays(window.firstDay, index),
  );
}

/**
 * The window cut into whole weeks of seven days, counted back from its last day; the days
 * before the oldest whole week are left out (a 30-day window has four weeks and two spare days),
 * so that a week with only two days in the window never counts as a slow week.
 */
export function windowWeeks(window: MetricsWindow): Day[][] {
  const days = windowDays(window);
  const weeks: Day[][] = [];
  for (let end = days.length; end >= 7; end -= 7) {
    weeks.unshift(days.slice(end - 7, end));
  }
  return weeks;
}
