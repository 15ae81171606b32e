import { IANAZone } from 'luxon';
import {
  addDays,
  isoWeekday,
  localDateAt,
  localTimeToEpochMs,
  parseClockTime,
  toEpochMs,
} from './localTime';

const newYork = IANAZone.create('America/New_York');
const berlin = IANAZone.create('Europe/Berlin');

function instant(
  zone: IANAZone,
  isoDate: string,
  hour: number,
  minute = 0,
): string {
  const [year, month, day] = isoDate.split('-').map(Number);
  return new Date(
    localTimeToEpochMs(zone, { year, month, day }, { hour, minute }),
  ).toISOString();
}

describe('parseClockTime', () => {
  it.each([
    ['00:00', { hour: 0, minute: 0 }],
    ['07:05', { hour: 7, minute: 5 }],
    ['23:59', { hour: 23, minute: 59 }],
  ])('parses %s', (value, expected) => {
    expect(parseClockTime(value)).toEqual(expected);
  });

  it.each(['24:00', '7:00', '12:60', '12:00:00', '', 'noon', 900])(
    'rejects %p',
    value => {
      expect(parseClockTime(value)).toBeUndefined();
    },
  );
});

describe('localTimeToEpochMs', () => {
  it('converts ordinary local times with the offset in force', () => {
    expect(instant(newYork, '2025-01-15', 9)).toBe('2025-01-15T14:00:00.000Z');
    expect(instant(newYork, '2025-07-15', 9)).toBe('2025-07-15T13:00:00.000Z');
  });

  it('moves a time skipped by spring-forward to the change instant', () => {
    // New York, 2025-03-09: 02:00 EST jumps to 03:00 EDT at 07:00Z.
    expect(instant(newYork, '2025-03-09', 1, 59)).toBe(
      '2025-03-09T06:59:00.000Z',
    );
    expect(instant(newYork, '2025-03-09', 2, 0)).toBe(
      '2025-03-09T07:00:00.000Z',
    );
    expect(instant(newYork, '2025-03-09', 2, 30)).toBe(
      '2025-03-09T07:00:00.000Z',
    );
    expect(instant(newYork, '2025-03-09', 3, 0)).toBe(
      '2025-03-09T07:00:00.000Z',
    );
    // Berlin, 2025-03-30: 02:00 CET jumps to 03:00 CEST at 01:00Z.
    expect(instant(berlin, '2025-03-30', 2, 30)).toBe(
      '2025-03-30T01:00:00.000Z',
    );
  });

  it('picks the first occurrence of a time repeated by fall-back', () => {
    // New York, 2025-11-02: 01:00–02:00 happens in EDT and again in EST.
    expect(instant(newYork, '2025-11-02', 1, 30)).toBe(
      '2025-11-02T05:30:00.000Z',
    );
    expect(instant(newYork, '2025-11-02', 2, 0)).toBe(
      '2025-11-02T07:00:00.000Z',
    );
    // Berlin, 2025-10-26: 02:00–03:00 happens in CEST and again in CET.
    expect(instant(berlin, '2025-10-26', 2, 30)).toBe(
      '2025-10-26T00:30:00.000Z',
    );
    expect(instant(berlin, '2025-10-26', 3, 0)).toBe(
      '2025-10-26T02:00:00.000Z',
    );
  });

  it('handles a whole skipped day (Samoa, 2011-12-30)', () => {
    const apia = IANAZone.create('Pacific/Apia');
    expect(instant(apia, '2011-12-30', 12)).toBe('2011-12-30T10:00:00.000Z');
    expect(instant(apia, '2011-12-31', 0)).toBe('2011-12-30T10:00:00.000Z');
  });
});

describe('toEpochMs', () => {
  it('honours an explicit offset and reads other strings in the zone', () => {
    expect(toEpochMs('2025-03-09T02:30:00Z', newYork)).toBe(
      Date.parse('2025-03-09T02:30:00Z'),
    );
    expect(toEpochMs('2025-03-09T02:30:00+01:00', newYork)).toBe(
      Date.parse('2025-03-09T01:30:00Z'),
    );
    expect(toEpochMs('2025-01-15T09:00:30', newYork)).toBe(
      Date.parse('2025-01-15T14:00:30Z'),
    );
    expect(toEpochMs('2025-01-15', newYork)).toBe(
      Date.parse('2025-01-15T05:00:00Z'),
    );
  });

  it('resolves a local time in the DST gap like handoffs do', () => {
    expect(toEpochMs('2025-03-09T02:30', newYork)).toBe(
      Date.parse('2025-03-09T07:00:00Z'),
    );
  });

  it('throws a RangeError on an invalid value', () => {
    expect(() => toEpochMs('not a date', newYork)).toThrow(RangeError);
    expect(() => toEpochMs(new Date(NaN), newYork)).toThrow(RangeError);
  });
});

describe('calendar helpers', () => {
  it('adds days across months and years', () => {
    expect(addDays({ year: 2024, month: 12, day: 30 }, 3)).toEqual({
      year: 2025,
      month: 1,
      day: 2,
    });
    expect(addDays({ year: 2024, month: 3, day: 1 }, -1)).toEqual({
      year: 2024,
      month: 2,
      day: 29,
    });
  });

  it('numbers weekdays the ISO way', () => {
    expect(isoWeekday({ year: 2025, month: 3, day: 3 })).toBe(1);
    expect(isoWeekday({ year: 2025, month: 3, day: 9 })).toBe(7);
  });

  it('reads the local date of an instant', () => {
    expect(localDateAt(newYork, Date.parse('2025-03-10T03:00:00Z'))).toEqual({
      year: 2025,
      month: 3,
      day: 9,
    });
  });
});
