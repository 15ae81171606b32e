import express from 'express';
import { createJsonBodyReader, PayloadTooLargeError } from './body';

/** A request whose body an outer router (the plugin's root router) has already parsed. */
function parsedRequest(body: unknown, headers: Record<string, string> = {}) {
  return { _body: true, body, headers } as unknown as express.Request;
}
const res = {} as express.Response;

describe('createJsonBodyReader on a body an outer router already parsed', () => {
  const read = createJsonBodyReader(1024);

  it('returns the parsed body when its declared length is within the limit', async () => {
    const body = { alerts: [] };
    await expect(
      read(parsedRequest(body, { 'content-length': '1024' }), res),
    ).resolves.toBe(body);
  });

  it('refuses a declared length over the limit', async () => {
    const request = parsedRequest({ a: 1 }, { 'content-length': '1025' });
    await expect(read(request, res)).rejects.toThrow(PayloadTooLargeError);
    await expect(read(request, res)).rejects.toThrow(
      'Request body of 1025 bytes is larger than the limit of 1024 bytes (pulse.oncall.intake.maxBodyBytes); nothing was stored',
    );
  });

  it('measures a chunked body (no content-length) from its parsed value', async () => {
    await expect(
      read(parsedRequest({ a: 'x'.repeat(1000) }), res),
    ).resolves.toBeDefined();
    await expect(
      read(parsedRequest({ a: 'x'.repeat(1100) }), res),
    ).rejects.toThrow(/Request body of 1108 bytes is larger than the limit/);
  });
});
