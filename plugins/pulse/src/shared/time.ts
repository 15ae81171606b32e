import { DateTime } from 'luxon';

/**
 * Time formatting for every Pulse card and page: one function per meaning.
 *
 * - {@link formatRelative}: an instant as a phrase relative to now ("5 minutes ago", "in 3 hours").
 * - {@link formatElapsed}: how long has passed since an instant, as a duration ("1h 35m").
 * - {@link formatDuration}: a number of seconds as a duration ("4m 12s", "2d 4h").
 * - {@link formatDateTime}: an instant as a short date and time in the viewer's locale.
 * - {@link formatZonedDateTime}: an instant as a short date and time in a given zone, in one fixed
 *   format (on-call schedules show their own zone's times).
 *
 * Each takes `now` where it depends on it, so tests pass a fixed one. Text that is not an ISO 8601
 * instant is returned as it is.
 */

/** Up to this far in the future an instant still reads "just now": clocks of browser and backend differ. */
const CLOCK_SKEW_SECONDS = 10;

/** An instant relative to now, e.g. "5 minutes ago", "in 3 hours", or "just now" within clock skew. */
export function formatRelative(
  iso: string,
  now: DateTime = DateTime.now(),
): string {
  const value = DateTime.fromISO(iso);
  if (!value.isValid) {
    return iso;
  }
  const seconds = value.diff(now).as('seconds');
  if (seconds > -1 && seconds < CLOCK_SKEW_SECONDS) {
    return 'just now';
  }
  return value.toRelative({ base: now, rounding: 'round' }) ?? iso;
}

/** A duration in seconds as its two largest units, e.g. "2d 4h", "3h 12m", "4m 12s", "45s". */
export function formatDuration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.round(totalSeconds));
  const units: Array<[string, number]> = [
    ['d', Math.floor(seconds / 86400)],
    ['h', Math.floor((seconds % 86400) / 3600)],
    ['m', Math.floor((seconds % 3600) / 60)],
    ['s', seconds % 60],
  ];
  const first = units.findIndex(([, amount]) => amount > 0);
  if (first === -1) {
    return '0s';
  }
  return units
    .slice(first, first + 2)
    .filter(([, amount]) => amount > 0)
    .map(([unit, amount]) => `${amount}${unit}`)
    .join(' ');
}

/** How long has passed since an instant, e.g. "3h 12m" for an incident open since then. */
export function formatElapsed(
  iso: string,
  now: DateTime = DateTime.now(),
): string {
  const value = DateTime.fromISO(iso);
  if (!value.isValid) {
    return iso;
  }
  return formatDuration(now.diff(value).as('seconds'));
}

/** An instant as a short local date and time, e.g. "Mon, Jan 6, 09:00", in `zone` or the viewer's zone. */
export function formatDateTime(iso: string, zone?: string): string {
  const value = DateTime.fromISO(iso, zone ? { zone } : undefined);
  if (!value.isValid) {
    return iso;
  }
  return value.toLocaleString({
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** An instant in a zone in one fixed format, e.g. "Mon 6 Jan 09:00": a schedule's own times. */
export function formatZonedDateTime(iso: string, zone: string): string {
  const value = DateTime.fromISO(iso, { zone });
  if (!value.isValid) {
    return iso;
  }
  return value.toFormat('ccc d LLL HH:mm');
}
