import { CustomErrorBase, InputError } from '@backstage/errors';
import express from 'express';

/** 413: the request body is larger than `pulse.oncall.intake.maxBodyBytes`. */
export class PayloadTooLargeError extends CustomErrorBase {
  name = 'PayloadTooLargeError' as const;
  statusCode = 413 as const;
}

/** 429: the caller sent more requests than its rate limit allows; retry after `retryAfterSeconds`. */
export class TooManyRequestsError extends CustomErrorBase {
  name = 'TooManyRequestsError' as const;
  statusCode = 429 as const;

  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}

function tooLarge(
  size: number | undefined,
  limit: number,
): PayloadTooLargeError {
  return new PayloadTooLargeError(
    `Request body${
      size !== undefined ? ` of ${size} bytes` : ''
    } is larger than the limit of ${limit} bytes (pulse.oncall.intake.maxBodyBytes); nothing was stored`,
  );
}

interface ParsedRequest extends express.Request {
  /** Set by body-parser once a body has been read. */
  _body?: boolean;
}

/**
 * Reads a request's JSON body within `limit` bytes.
 *
 * Normally the body is read here, whatever its content type (senders do not always say
 * `application/json`), so a body over the limit is refused with 413 while it streams in, without
 * being buffered whole, and bad JSON is a 400 that says why. When an outer router has already
 * parsed the body (the plugin's root router parses `application/json` for every route), its size
 * is taken from `content-length`, or measured from the parsed value when the request was chunked.
 */
export function createJsonBodyReader(limit: number) {
  const raw = express.raw({ type: () => true, limit });

  return async function readJsonBody(
    req: express.Request,
    res: express.Response,
  ): Promise<unknown> {
    const request = req as ParsedRequest;
    if (request._body && !Buffer.isBuffer(request.body)) {
      const declared = Number(request.headers['content-length']);
      const size = Number.isFinite(declared)
        ? declared
        : Buffer.byteLength(JSON.stringify(request.body ?? null));
      if (size > limit) {
        throw tooLarge(size, limit);
      }
      return request.body;
    }

    await new Promise<void>((resolve, reject) => {
      raw(req, res, (error?: unknown) => (error ? reject(error) : resolve()));
    }).catch(error => {
      const { type, length } = error as { type?: string; length?: number };
      if (type === 'entity.too.large') {
        throw tooLarge(length, limit);
      }
      if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
        throw new InputError(
          `Request body cannot be read: ${(error as Error).message}`,
        );
      }
      throw error;
    });

    const body: unknown = req.body;
    if (!Buffer.isBuffer(body) || body.length === 0) {
      throw new InputError('Request body is empty: a JSON object is expected');
    }
    try {
      return JSON.parse(body.toString('utf8'));
    } catch (error) {
      throw new InputError(
        `Request body is not valid JSON: ${(error as Error).message}`,
      );
    }
  };
}
