import { DateTime } from 'luxon';
import { DEFAULT_STALE_AFTER_DAYS, staleAfterDaysConfigSchema } from './config';
import { daysWithoutActivity, isStale } from './staleness';

const now = DateTime.fromISO('2025-03-10T12:00:00.000Z');
const updatedDaysAgo = (days: number) =>
  now.minus({ days }).toISO({ suppressMilliseconds: true })!;

describe('isStale', () => {
  it('marks open pull requests idle for longer than the threshold', () => {
    expect(
      isStale({ state: 'open', updatedAt: updatedDaysAgo(8) }, 7, now),
    ).toBe(true);
    expect(
      isStale({ state: 'open', updatedAt: updatedDaysAgo(7.5) }, 7, now),
    ).toBe(true);
  });

  it('leaves pull requests idle for at most the threshold', () => {
    expect(
      isStale({ state: 'open', updatedAt: updatedDaysAgo(7) }, 7, now),
    ).toBe(false);
    expect(
      isStale({ state: 'open', updatedAt: updatedDaysAgo(1) }, 7, now),
    ).toBe(false);
  });

  it('never marks merged or closed pull requests', () => {
    expect(
      isStale({ state: 'merged', updatedAt: updatedDaysAgo(30) }, 7, now),
    ).toBe(false);
    expect(
      isStale({ state: 'closed', updatedAt: updatedDaysAgo(30) }, 7, now),
    ).toBe(false);
  });

  it('follows the threshold it is given', () => {
    const pr = { state: 'open' as const, updatedAt: updatedDaysAgo(3) };
    expect(isStale(pr, 2, now)).toBe(true);
    expect(isStale(pr, 14, now)).toBe(false);
  });

  it('ignores an unreadable update time', () => {
    expect(isStale({ state: 'open', updatedAt: 'garbage' }, 7, now)).toBe(
      false,
    );
  });
});

describe('daysWithoutActivity', () => {
  it('counts whole days', () => {
    expect(daysWithoutActivity({ updatedAt: updatedDaysAgo(12.9) }, now)).toBe(
      12,
    );
  });
});

describe('staleAfterDaysConfigSchema', () => {
  const validate = (value: unknown) =>
    staleAfterDaysConfigSchema['~standard'].validate(value);

  it('defaults to 7 days', () => {
    expect(DEFAULT_STALE_AFTER_DAYS).toBe(7);
    expect(validate(undefined)).toEqual({ value: 7 });
  });

  it('accepts positive numbers', () => {
    expect(validate(14)).toEqual({ value: 14 });
    expect(validate(0.5)).toEqual({ value: 0.5 });
  });

  it.each([0, -1, '7', null, Number.NaN])('rejects %p', value => {
    expect(validate(value)).toEqual({
      issues: [{ message: expect.stringContaining('positive number') }],
    });
  });

  it('describes itself as JSON Schema', () => {
    expect(
      staleAfterDaysConfigSchema['~standard'].jsonSchema.input({
        target: 'draft-07',
      }),
    ).toMatchObject({ type: 'number', exclusiveMinimum: 0, default: 7 });
  });
});
