import { CustomErrorBase, InputError } from '@backstage/errors';
import express from 'express';
import { storablePayload } from './payload';

/** 413: the request body is larger than `pulse.oncall.intake.maxBodyBytes`. */
export class PayloadTooLargeError extends CustomErrorBase {
  name = 'PayloadTooLargeError' as const;
  statusCode = 413 as const;
}

/** 408: the request body did not arrive within `pulse.oncall.intake.bodyTimeoutSeconds`. */
export class RequestTimeoutError extends CustomErrorBase {
  name = 'RequestTimeoutError' as const;
  statusCode = 408 as const;
}

/** 429: the caller sent more requests than its rate limit allows; retry after `retryAfterSeconds`. */
export class TooManyRequestsError extends CustomErrorBase {
  name = 'TooManyRequestsError' as const;
  statusCode = 429 as const;

  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}

/** How request bodies are read. */
export interface BodyLimits {
  /** Bodies over this many bytes are refused with 413 while they stream in. */
  maxBodyBytes: number;
  /** A body not received whole within this many milliseconds is refused with 408. */
  bodyTimeoutMs: number;
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
 * Reads a request's JSON body within the limits, and returns it as it may be stored (see
 * `payload.ts`: depth bounded, strings made storable).
 *
 * The intake routes are mounted before any JSON body parser, so the body is read here, whatever
 * its content type (senders do not always say `application/json`): a body over the size limit
 * is refused with 413 while it streams in, without being buffered whole; a body that has not
 * arrived whole within the timeout is refused with 408 (and the connection closed), so a slow
 * or stalled sender does not hold the request for Node's default 300 s; bad JSON is a 400 that
 * says why. A body an outer parser has already read (an `application/json` body when the routes
 * sit behind one) is accepted too: its size is taken from `content-length`, or measured from the
 * stored form when the request was chunked.
 */
export function createJsonBodyReader(limits: BodyLimits) {
  const { maxBodyBytes, bodyTimeoutMs } = limits;
  const raw = express.raw({ type: () => true, limit: maxBodyBytes });

  return async function readJsonBody(
    req: express.Request,
    res: express.Response,
  ): Promise<unknown> {
    const request = req as ParsedRequest;
    if (request._body && !Buffer.isBuffer(request.body)) {
      const payload = storablePayload(request.body ?? null);
      const declared = Number(request.headers['content-length']);
      const size =
        request.headers['content-length'] !== undefined &&
        Number.isFinite(declared)
          ? declared
          : Buffer.byteLength(JSON.stringify(payload));
      if (size > maxBodyBytes) {
        throw tooLarge(size, maxBodyBytes);
      }
      return payload;
    }

    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        // The rest of the body is not read: close the connection once the 408 is sent.
        res.setHeader('connection', 'close');
        reject(
          new RequestTimeoutError(
            `Request body was not received within ${
              bodyTimeoutMs / 1000
            }s (pulse.oncall.intake.bodyTimeoutSeconds); nothing was stored`,
          ),
        );
      }, bodyTimeoutMs);
      raw(req, res, (error?: unknown) => {
        clearTimeout(timer);
        if (error) {
          reject(error);
        } else {
          resolve();
        }
      });
    }).catch(error => {
      const { type, length } = error as { type?: string; length?: number };
      if (type === 'entity.too.large') {
        throw tooLarge(length, maxBodyBytes);
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
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (error) {
      throw new InputError(
        `Request body is not valid JSON: ${(error as Error).message}`,
      );
    }
    return storablePayload(parsed);
  };
}
