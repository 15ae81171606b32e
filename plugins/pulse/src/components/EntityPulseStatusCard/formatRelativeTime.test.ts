import { formatRelativeTime } from './formatRelativeTime';

const now = new Date('2025-03-10T12:00:00.000Z');
const before = (seconds: number) => new Date(now.getTime() - seconds * 1000);

describe('formatRelativeTime', () => {
  it.each([
    [0, 'now'],
    [45, '45 seconds ago'],
    [60, '1 minute ago'],
    [5 * 60 + 59, '5 minutes ago'],
    [3 * 60 * 60, '3 hours ago'],
    [24 * 60 * 60, 'yesterday'],
    [9 * 24 * 60 * 60, 'last week'],
    [400 * 24 * 60 * 60, 'last year'],
  ])('formats %s seconds ago as "%s"', (seconds, expected) => {
    expect(formatRelativeTime(before(seconds), now)).toBe(expected);
  });

  it('formats times in the future', () => {
    expect(formatRelativeTime(before(-120), now)).toBe('in 2 minutes');
  });
});
