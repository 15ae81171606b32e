import { ResponseError } from '@backstage/errors';
import { errorMessage, isNotFound, isTransient } from './errors';

async function responseError(
  status: number,
  message = `failed with ${status}`,
) {
  return ResponseError.fromResponse(
    new Response(
      JSON.stringify({
        error: { name: 'Error', message },
        response: { statusCode: status },
      }),
      { status, headers: { 'Content-Type': 'application/json' } },
    ),
  );
}

describe('isNotFound', () => {
  it('recognises 404 answers, and nothing else', async () => {
    expect(isNotFound(await responseError(404))).toBe(true);
    expect(isNotFound(await responseError(500))).toBe(false);
    expect(isNotFound(new Error('404'))).toBe(false);
    expect(isNotFound('404')).toBe(false);
  });

  it('recognises a ResponseError from another copy of @backstage/errors by its name', () => {
    const foreign = Object.assign(new Error('gone'), {
      name: 'ResponseError',
      statusCode: 404,
    });
    expect(isNotFound(foreign)).toBe(true);
  });
});

describe('isTransient', () => {
  it('takes network failures, 5xx and 429 as passing, other answers as decisions', async () => {
    expect(isTransient(new TypeError('Failed to fetch'))).toBe(true);
    expect(isTransient(await responseError(503))).toBe(true);
    expect(isTransient(await responseError(429))).toBe(true);
    expect(isTransient(await responseError(404))).toBe(false);
    expect(isTransient(await responseError(403))).toBe(false);
  });
});

describe('errorMessage', () => {
  it("prefers the backend's reason", async () => {
    expect(errorMessage(await responseError(409, 'already resolved'))).toBe(
      'already resolved',
    );
    expect(errorMessage(new Error('offline'))).toBe('offline');
    expect(errorMessage('odd')).toBe('odd');
  });
});
