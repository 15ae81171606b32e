import { DateTime } from 'luxon';
import {
  formatDateTime,
  formatDuration,
  formatElapsed,
  formatRelative,
  formatZonedDateTime,
} from './time';

const now = DateTime.fromISO('2025-03-10T12:00:00.000Z');
const before = (duration: object) => now.minus(duration).toISO()!;
const after = (duration: object) => now.plus(duration).toISO()!;

describe('formatRelative', () => {
  it.each([
    [{ seconds: 0 }, 'just now'],
    [{ seconds: 30 }, '30 seconds ago'],
    [{ minutes: 2 }, '2 minutes ago'],
    [{ minutes: 5, seconds: 59 }, '6 minutes ago'],
    [{ hours: 5 }, '5 hours ago'],
    [{ hours: 1, minutes: 40 }, '2 hours ago'],
    [{ days: 3 }, '3 days ago'],
    [{ days: 40 }, '1 month ago'],
    [{ days: 400 }, '1 year ago'],
  ])('formats %o ago as "%s"', (duration, expected) => {
    expect(formatRelative(before(duration), now)).toBe(expected);
  });

  it.each([
    [{ minutes: 2 }, 'in 2 minutes'],
    [{ hours: 2, minutes: 50 }, 'in 3 hours'],
  ])('formats %o ahead as "%s"', (duration, expected) => {
    expect(formatRelative(after(duration), now)).toBe(expected);
  });

  it('reads times slightly in the future as just now: clocks differ', () => {
    expect(formatRelative(after({ seconds: 5 }), now)).toBe('just now');
    expect(formatRelative(after({ seconds: 15 }), now)).toBe('in 15 seconds');
  });

  it('returns text that is not a time as it is', () => {
    expect(formatRelative('yesterday-ish', now)).toBe('yesterday-ish');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [44.6, '45s'],
    [60, '1m'],
    [252, '4m 12s'],
    [300, '5m'],
    [3600, '1h'],
    [3780, '1h 3m'],
    [3900, '1h 5m'],
    [3600 * 26 + 59, '1d 2h'],
    [-5, '0s'],
  ])('formats %s seconds as %s', (seconds, expected) => {
    expect(formatDuration(seconds)).toBe(expected);
  });
});

describe('formatElapsed', () => {
  it('measures from now', () => {
    expect(formatElapsed(before({ hours: 1, minutes: 35 }), now)).toBe(
      '1h 35m',
    );
  });

  it('shows what it cannot parse as it is', () => {
    expect(formatElapsed('yesterday', now)).toBe('yesterday');
  });
});

describe('formatZonedDateTime', () => {
  it('shows the instant in the given zone', () => {
    expect(formatZonedDateTime('2025-01-06T08:00:00Z', 'Europe/Berlin')).toBe(
      'Mon 6 Jan 09:00',
    );
    expect(formatZonedDateTime('2025-01-06T08:00:00Z', 'UTC')).toBe(
      'Mon 6 Jan 08:00',
    );
  });

  it('shows what it cannot parse as it is', () => {
    expect(formatZonedDateTime('soon', 'UTC')).toBe('soon');
    expect(formatDateTime('soon')).toBe('soon');
  });
});
