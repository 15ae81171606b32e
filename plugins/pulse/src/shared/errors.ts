import { ResponseError } from '@backstage/errors';

/** Whether an error is the `ResponseError` of a failed request (by name: it may come from another copy of `@backstage/errors`). */
export function isResponseError(error: unknown): error is ResponseError {
  return error instanceof Error && error.name === 'ResponseError';
}

/** Whether the backend answered 404: unknown, not tracked, or not visible to the user. */
export function isNotFound(error: unknown): error is ResponseError {
  return isResponseError(error) && error.statusCode === 404;
}

/**
 * Whether trying again later may succeed: the network failed, or the backend answered 5xx or 429.
 * A 4xx answer is the backend's decision about this request and stays until something changes.
 */
export function isTransient(error: unknown): boolean {
  if (!isResponseError(error)) {
    return true;
  }
  return error.statusCode >= 500 || error.statusCode === 429;
}

/** The reason the backend gave for a failed request (a 403's or 409's message), else the error's own message. */
export function errorMessage(error: unknown): string {
  if (isResponseError(error) && error.cause?.message) {
    return error.cause.message;
  }
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}
