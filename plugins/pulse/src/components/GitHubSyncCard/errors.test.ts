import { ResponseError } from '@backstage/errors';
import { describeSyncRequestError, retryAfterSeconds } from './errors';

async function responseError(status: number, headers: HeadersInit = {}) {
  return ResponseError.fromResponse(
    new Response(
      JSON.stringify({
        error: { name: 'Error', message: `failed with ${status}` },
        response: { statusCode: status },
      }),
      {
        status,
        headers: { 'Content-Type': 'application/json', ...headers },
      },
    ),
  );
}

const now = new Date('2025-03-10T12:00:00.000Z');

describe('retryAfterSeconds', () => {
  it('reads a number of seconds', () => {
    expect(retryAfterSeconds('42', now)).toBe(42);
  });

  it('reads an HTTP date', () => {
    expect(retryAfterSeconds('Mon, 10 Mar 2025 12:01:30 GMT', now)).toBe(90);
  });

  it('never returns a negative wait', () => {
    expect(retryAfterSeconds('Mon, 10 Mar 2025 11:00:00 GMT', now)).toBe(0);
  });

  it.each([null, undefined, '', 'soon'])('ignores %p', header => {
    expect(retryAfterSeconds(header, now)).toBeUndefined();
  });
});

describe('describeSyncRequestError', () => {
  it('explains a missing permission', async () => {
    expect(describeSyncRequestError(await responseError(403), now)).toEqual({
      severity: 'warning',
      message: expect.stringContaining('do not have permission'),
    });
  });

  it('says when to try again after a 429', async () => {
    const error = await responseError(429, { 'Retry-After': '30' });

    expect(describeSyncRequestError(error, now)).toEqual({
      severity: 'warning',
      message:
        'A sync of this repository was requested moments ago. Try again in 30 seconds.',
    });
  });

  it('handles a 429 without retry-after', async () => {
    expect(
      describeSyncRequestError(await responseError(429), now).message,
    ).toContain('Try again in a little while.');
  });

  it('passes on the message of other failures', async () => {
    expect(describeSyncRequestError(await responseError(500), now)).toEqual({
      severity: 'error',
      message: 'Could not request a sync: failed with 500',
    });
    expect(describeSyncRequestError(new TypeError('offline'), now)).toEqual({
      severity: 'error',
      message: 'Could not request a sync: offline',
    });
  });
});
