import {
  DEPTH_MARKER,
  MAX_PAYLOAD_DEPTH,
  storablePayload,
  storableText,
} from './payload';

/** `{ "d": { "d": ... } }`, `levels` objects deep, built without recursion. */
function nested(levels: number, leaf: unknown = 'bottom'): unknown {
  let value: unknown = leaf;
  for (let i = 0; i < levels; i++) {
    value = { d: value };
  }
  return value;
}

function depthOf(value: unknown): number {
  let depth = 0;
  let current = value;
  while (typeof current === 'object' && current !== null) {
    depth++;
    current = (current as { d: unknown }).d;
  }
  return depth;
}

describe('storableText', () => {
  it('replaces lone surrogates with U+FFFD and keeps pairs', () => {
    expect(storableText('\ud800x')).toBe('\ufffdx');
    expect(storableText('x\udc00')).toBe('x\ufffd');
    expect(storableText('ok 🚨')).toBe('ok 🚨');
  });

  it('removes NUL characters', () => {
    expect(storableText('disk\u0000full\u0000')).toBe('diskfull');
    expect(storableText('plain')).toBe('plain');
  });
});

describe('storablePayload', () => {
  it('keeps a payload within the depth as it is', () => {
    const payload = {
      alerts: [{ labels: { a: 'b' }, values: { B: 1.5, C: null } }],
      flag: true,
    };
    expect(storablePayload(payload)).toEqual(payload);
    const atLimit = nested(MAX_PAYLOAD_DEPTH);
    expect(storablePayload(atLimit)).toEqual(atLimit);
  });

  it('replaces what is nested deeper than the limit with a marker, however deep', () => {
    const deep = { custom_details: nested(5_000) };
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    const stored = storablePayload(deep) as { custom_details: unknown };
    // The body is level 1; its field's objects are kept down to the limit.
    expect(depthOf(stored.custom_details)).toBe(MAX_PAYLOAD_DEPTH - 1);
    expect(JSON.stringify(stored)).toContain(JSON.stringify(DEPTH_MARKER));

    const arrays = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(JSON.stringify(storablePayload(arrays))).toBe(
      `${'['.repeat(MAX_PAYLOAD_DEPTH)}${JSON.stringify(
        DEPTH_MARKER,
      )}${']'.repeat(MAX_PAYLOAD_DEPTH)}`,
    );
  });

  it('makes every string storable, keys included, and keeps __proto__ a plain key', () => {
    const parsed = JSON.parse(
      '{"t\\u0000itle":"a\\ud800b","list":["\\u0000x"],"__proto__":{"polluted":true}}',
    );
    const stored = storablePayload(parsed) as Record<string, unknown>;
    expect(stored.title).toBe('a\ufffdb');
    expect(stored.list).toEqual(['x']);
    expect(Object.getPrototypeOf(stored)).toBe(Object.prototype);
    expect(Object.keys(stored)).toEqual(['title', 'list', '__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
