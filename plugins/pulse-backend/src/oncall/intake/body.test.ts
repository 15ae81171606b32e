import express from 'express';
import { createJsonBodyReader, PayloadTooLargeError } from './body';
import { DEPTH_MARKER } from './payload';

/** A request whose body an outer router (a JSON body parser before the routes) has already parsed. */
function parsedRequest(body: unknown, headers: Record<string, string> = {}) {
  return { _body: true, body, headers } as unknown as express.Request;
}
const res = {} as express.Response;

function nested(levels: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < levels; i++) {
    value = [value];
  }
  return value;
}

describe('createJsonBodyReader on a body an outer router already parsed', () => {
  const read = createJsonBodyReader({
    maxBodyBytes: 1024,
    bodyTimeoutMs: 1000,
  });

  it('returns the parsed body when its declared length is within the limit', async () => {
    const body = { alerts: [] };
    await expect(
      read(parsedRequest(body, { 'content-length': '1024' }), res),
    ).resolves.toEqual(body);
  });

  it('refuses a declared length over the limit', async () => {
    const request = parsedRequest({ a: 1 }, { 'content-length': '1025' });
    await expect(read(request, res)).rejects.toThrow(PayloadTooLargeError);
    await expect(read(request, res)).rejects.toThrow(
      'Request body of 1025 bytes is larger than the limit of 1024 bytes (pulse.oncall.intake.maxBodyBytes); nothing was stored',
    );
  });

  it('measures a chunked body (no content-length) from its stored form', async () => {
    await expect(
      read(parsedRequest({ a: 'x'.repeat(1000) }), res),
    ).resolves.toBeDefined();
    await expect(
      read(parsedRequest({ a: 'x'.repeat(1100) }), res),
    ).rejects.toThrow(/Request body of 1108 bytes is larger than the limit/);
  });

  it('measures a chunked body nested 5,000 levels deep without failing, and keeps it bounded', async () => {
    const body = { details: nested(5_000) };
    expect(() => JSON.stringify(body)).toThrow(RangeError);
    const stored = await read(parsedRequest(body), res);
    expect(JSON.stringify(stored)).toContain(DEPTH_MARKER);
  });

  it('makes the strings of an already parsed body storable', async () => {
    await expect(
      read(parsedRequest({ title: 'a\ud800\u0000b' }), res),
    ).resolves.toEqual({ title: 'a\ufffdb' });
  });
});
