import { PullRequest } from '@pulse-oss/plugin-pulse-common';
import { DateTime } from 'luxon';

/** Whole days since the pull request's last activity. */
export function daysWithoutActivity(
  pr: Pick<PullRequest, 'updatedAt'>,
  now: DateTime = DateTime.now(),
): number {
  const updated = DateTime.fromISO(pr.updatedAt);
  if (!updated.isValid) {
    return 0;
  }
  return Math.max(0, Math.floor(now.diff(updated, 'days').days));
}

/** Whether an open pull request has had no activity for longer than `staleAfterDays`. */
export function isStale(
  pr: Pick<PullRequest, 'state' | 'updatedAt'>,
  staleAfterDays: number,
  now: DateTime = DateTime.now(),
): boolean {
  if (pr.state !== 'open') {
    return false;
  }
  const updated = DateTime.fromISO(pr.updatedAt);
  return updated.isValid && now.diff(updated, 'days').days > staleAfterDays;
}
