import { DateTime } from 'luxon';

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

/** An instant relative to now, e.g. "in 3 hours" or "5 minutes ago". */
export function formatRelative(iso: string, now: DateTime = DateTime.now()) {
  const value = DateTime.fromISO(iso);
  if (!value.isValid) {
    return iso;
  }
  return value.toRelative({ base: now, rounding: 'round' }) ?? iso;
}

/** A duration in seconds as its two largest units, e.g. "2d 4h", "3h 12m", "45s". */
export function formatDuration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.floor(totalSeconds));
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

/** How long ago an incident was opened, e.g. "3h 12m". */
export function formatAge(iso: string, now: DateTime = DateTime.now()) {
  const value = DateTime.fromISO(iso);
  if (!value.isValid) {
    return iso;
  }
  return formatDuration(now.diff(value).as('seconds'));
}
