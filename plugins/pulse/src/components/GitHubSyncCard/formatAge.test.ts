import { DateTime } from 'luxon';
import { formatAge } from './formatAge';

const now = DateTime.fromISO('2025-03-10T12:00:00.000Z');
const before = (duration: object) => now.minus(duration).toISO()!;

describe('formatAge', () => {
  it.each([
    [{ seconds: 0 }, 'just now'],
    [{ seconds: 30 }, '30 seconds ago'],
    [{ minutes: 2 }, '2 minutes ago'],
    [{ hours: 5 }, '5 hours ago'],
    [{ days: 3 }, '3 days ago'],
    [{ days: 45 }, '1 month ago'],
  ])('formats %o ago as "%s"', (duration, expected) => {
    expect(formatAge(before(duration), now)).toBe(expected);
  });

  it('reads times slightly in the future as just now', () => {
    expect(formatAge(now.plus({ seconds: 5 }).toISO()!, now)).toBe('just now');
  });

  it('returns text that is not a time as it is', () => {
    expect(formatAge('yesterday-ish', now)).toBe('yesterday-ish');
  });
});
