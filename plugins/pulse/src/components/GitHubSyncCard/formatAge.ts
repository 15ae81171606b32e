import { DateTime } from 'luxon';

/**
 * How long ago an ISO 8601 time was, e.g. "2 minutes ago". Times slightly in the future (clock skew
 * between browser and backend) read as "just now".
 */
export function formatAge(iso: string, now: DateTime = DateTime.now()): string {
  const time = DateTime.fromISO(iso);
  if (!time.isValid) {
    return iso;
  }
  if (now.diff(time).as('seconds') < 1) {
    return 'just now';
  }
  return time.toRelative({ base: now }) ?? iso;
}
