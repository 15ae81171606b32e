import { DateTime } from 'luxon';
import { formatAge, formatDuration, formatRelative } from './time';

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [45, '45s'],
    [300, '5m'],
    [3900, '1h 5m'],
    [3600 * 26 + 59, '1d 2h'],
    [-5, '0s'],
  ])('%s seconds is %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe('formatAge and formatRelative', () => {
  const now = DateTime.fromISO('2025-01-06T12:00:00Z');

  it('measures from now', () => {
    expect(formatAge('2025-01-06T10:25:00Z', now)).toBe('1h 35m');
    expect(formatRelative('2025-01-06T14:50:00Z', now)).toBe('in 3 hours');
    expect(formatRelative('2025-01-06T11:55:00Z', now)).toBe('5 minutes ago');
  });

  it('shows what it cannot parse as it is', () => {
    expect(formatAge('yesterday', now)).toBe('yesterday');
    expect(formatRelative('soon', now)).toBe('soon');
  });
});
