import { decodeCursor, encodeCursor } from './cursor';

const crafted = (value: unknown) =>
  Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

describe('cursors', () => {
  it('round-trip within their scope only', () => {
    const cursor = encodeCursor('pull-requests:open', {
      at: 1700000000000,
      id: 42,
    });
    expect(decodeCursor('pull-requests:open', cursor, 'number')).toEqual({
      at: 1700000000000,
      id: 42,
    });
    expect(() =>
      decodeCursor('pull-requests:merged', cursor, 'number'),
    ).toThrow("Invalid query parameter 'cursor'");
    expect(() =>
      decodeCursor('pull-requests:open', 'garbage', 'number'),
    ).toThrow("Invalid query parameter 'cursor'");
  });

  it('carries string ids for lists keyed by UUID', () => {
    const position = {
      at: 1700000000000,
      id: 'b0f7a4c2-9a51-4d3e-8e0a-2f1c3d4e5f60',
    };
    expect(
      decodeCursor('incidents', encodeCursor('incidents', position), 'string'),
    ).toEqual(position);
  });

  it.each([
    ['an instant beyond a Date', { s: 'x', a: 1e20, i: 1 }],
    ['a fractional instant', { s: 'x', a: 1.5, i: 1 }],
    ['an id of 1e300', { s: 'x', a: 0, i: 1e300 }],
    ['an id of 2^63', { s: 'x', a: 0, i: 2 ** 63 }],
    ['a negative id', { s: 'x', a: 0, i: -1 }],
    ['an id of the wrong type', { s: 'x', a: 0, i: '1' }],
    ['a NUL in a string id', { s: 'x', a: 0, i: 'a\u0000b' }],
    ['an array', [1, 2]],
    ['null', null],
  ])('refuses %s with a 400', (_name, value) => {
    expect(() => decodeCursor('x', crafted(value), 'number')).toThrow(
      "Invalid query parameter 'cursor'",
    );
  });
});
