import { CustomErrorBase } from '@backstage/errors';

/**
 * 429: try again later. The router's error handler sets `Retry-After` from `retryAfterSeconds`,
 * so every route that refuses for this reason answers alike.
 */
export class TooManyRequestsError extends CustomErrorBase {
  name = 'TooManyRequestsError' as const;
  statusCode = 429 as const;

  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}

/** 405: the route exists, but not with this method. */
export class MethodNotAllowedError extends CustomErrorBase {
  name = 'MethodNotAllowedError' as const;
  statusCode = 405 as const;
}
