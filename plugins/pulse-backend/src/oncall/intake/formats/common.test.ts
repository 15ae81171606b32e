import { createHash } from 'node:crypto';
import {
  boundedDedupKey,
  entityRefFromHint,
  optionalTime,
  severityFromWord,
} from './common';

describe('boundedDedupKey', () => {
  it('keeps keys up to 255 characters, prefix included', () => {
    expect(boundedDedupKey('abc', 'p:')).toBe('p:abc');
    const exact = 'a'.repeat(253);
    expect(boundedDedupKey(exact, 'p:')).toBe(`p:${exact}`);
  });

  it('hashes longer keys to a fixed length, the same each time', () => {
    const long = 'a'.repeat(254);
    const key = boundedDedupKey(long, 'p:');
    expect(key).toBe(
      `p:sha256:${createHash('sha256').update(long).digest('hex')}`,
    );
    expect(key).toHaveLength(2 + 7 + 64);
    expect(boundedDedupKey(long, 'p:')).toBe(key);
    expect(boundedDedupKey(`${long}b`, 'p:')).not.toBe(key);
  });
});

describe('severityFromWord', () => {
  it.each([
    ['critical', 'critical'],
    ['PAGE', 'critical'],
    [' high ', 'critical'],
    ['error', 'error'],
    ['major', 'error'],
    ['warning', 'warning'],
    ['warn', 'warning'],
    ['info', 'info'],
    ['none', 'info'],
    ['p4', 'info'],
    ['whatever', 'critical'],
    [undefined, 'critical'],
  ])('maps %j to %s', (word, severity) => {
    expect(severityFromWord(word)).toBe(severity);
  });
});

describe('entityRefFromHint', () => {
  it('reads short forms as components in the default namespace', () => {
    expect(entityRefFromHint({ ref: 'payments-api', from: 'x' })).toBe(
      'component:default/payments-api',
    );
    expect(entityRefFromHint({ ref: 'finance/ledger', from: 'x' })).toBe(
      'component:finance/ledger',
    );
    expect(entityRefFromHint({ ref: 'system:default/shop', from: 'x' })).toBe(
      'system:default/shop',
    );
  });
});

describe('optionalTime', () => {
  it('reads RFC 3339 times and drops zero, invalid and missing ones', () => {
    expect(optionalTime('2026-11-22T10:00:00+01:00')).toEqual(
      new Date('2026-11-22T09:00:00Z'),
    );
    expect(optionalTime('0001-01-01T00:00:00Z')).toBeUndefined();
    expect(optionalTime('soon')).toBeUndefined();
    expect(optionalTime(undefined)).toBeUndefined();
    expect(optionalTime(12)).toBeUndefined();
  });
});
