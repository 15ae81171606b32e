// Checked by name, not instanceof: the error may come from another copy of @backstage/errors.
function isResponseError(
  error: unknown,
): error is Error & { statusCode: number; cause?: { message?: string } } {
  return error instanceof Error && error.name === 'ResponseError';
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

/** Whether a request failed because the backend does not know the resource. */
export function isNotFoundError(error: unknown): boolean {
  return isResponseError(error) && error.statusCode === 404;
}
