import { isResponseError } from '../../shared/errors';

/** Seconds until a `retry-after` header (seconds or HTTP date) allows another try; undefined if absent. */
export function retryAfterSeconds(
  header: string | null | undefined,
  now: Date = new Date(),
): number | undefined {
  if (!header) {
    return undefined;
  }
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) {
    return Number(trimmed);
  }
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) {
    return undefined;
  }
  return Math.max(0, Math.ceil((date - now.getTime()) / 1000));
}

/** What to tell the user when a request for an immediate sync fails. */
export function describeSyncRequestError(
  error: Error,
  now: Date = new Date(),
): { severity: 'warning' | 'error'; message: string } {
  if (isResponseError(error)) {
    if (error.statusCode === 403) {
      return {
        severity: 'warning',
        message:
          'You do not have permission to sync this repository. The data refreshes on its own every few minutes.',
      };
    }
    if (error.statusCode === 429) {
      const seconds = retryAfterSeconds(
        error.response.headers.get('retry-after'),
        now,
      );
      const when =
        seconds === undefined
          ? 'Try again in a little while.'
          : `Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`;
      return {
        severity: 'warning',
        message: `A sync of this repository was requested moments ago. ${when}`,
      };
    }
    if (error.statusCode === 404) {
      return {
        severity: 'error',
        message: `Pulse does not track this entity: ${error.cause.message}`,
      };
    }
    return {
      severity: 'error',
      message: `Could not request a sync: ${
        error.cause.message || error.message
      }`,
    };
  }
  return {
    severity: 'error',
    message: `Could not request a sync: ${error.message}`,
  };
}
