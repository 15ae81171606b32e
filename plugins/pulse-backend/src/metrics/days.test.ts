import { DateTime } from 'luxon';
import {
  addDays,
  dayOf,
  metricsWindow,
  windowDays,
  windowWeeks,
  inWindow,
} from './days';

describe('days', () => {
  it('counts days in the configured time zone', () => {
    const lateEvening = new Date('2026-12-02T23:30:00Z');
    expect(dayOf(lateEvening, 'UTC')).toBe('2026-12-02');
    expect(dayOf(lateEvening, 'Europe/Berlin')).toBe('2026-12-03');
    expect(dayOf(lateEvening, 'America/Los_Angeles')).toBe('2026-12-02');
  });

  it('makes a window of whole days ending today in the zone', () => {
    const now = new Date('2026-12-03T10:00:00Z');
    const window = metricsWindow(now, 7, 'Europe/Berlin');
    expect(window.firstDay).toBe('2026-11-27');
    expect(window.lastDay).toBe('2026-12-03');
    // Midnight in Berlin is 23:00 UTC the day before (winter time).
    expect(window.start.toISOString()).toBe('2026-11-26T23:00:00.000Z');
    expect(inWindow(window, new Date('2026-11-26T22:59:59Z'))).toBe(false);
    expect(inWindow(window, new Date('2026-11-26T23:00:00Z'))).toBe(true);
    expect(inWindow(window, new Date('2026-12-03T10:00:01Z'))).toBe(false);
    expect(windowDays(window)).toHaveLength(7);
  });

  it('keeps a daylight-saving day whole', () => {
    const window = metricsWindow(
      new Date('2026-03-30T12:00:00Z'),
      2,
      'Europe/Berlin',
    );
    expect(windowDays(window)).toEqual(['2026-03-29', '2026-03-30']);
    expect(window.start.toISOString()).toBe('2026-03-28T23:00:00.000Z');
  });

  it('cuts whole weeks back from the last day', () => {
    const window = metricsWindow(new Date('2026-12-03T10:00:00Z'), 30, 'UTC');
    const weeks = windowWeeks(window);
    expect(weeks).toHaveLength(4);
    expect(weeks[3][6]).toBe('2026-12-03');
    expect(weeks[0][0]).toBe('2026-11-06');
    expect(windowWeeks(metricsWindow(new Date(), 6, 'UTC'))).toEqual([]);
  });

  it('refuses a window that is not a whole number of days', () => {
    expect(() => metricsWindow(new Date(), 0, 'UTC')).toThrow(RangeError);
    expect(() => metricsWindow(new Date(), 1.5, 'UTC')).toThrow(RangeError);
  });

  it('adds days across months, leap days and years', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2026-11-30', 0)).toBe('2026-11-30');
    expect(addDays('2026-11-30', -89)).toBe('2026-09-02');
    // Every day of four years, each way, as luxon's calendar counts them.
    const differing = [];
    for (let offset = 0; offset < 4 * 366; offset += 1) {
      const day = DateTime.fromISO('2023-01-01', { zone: 'UTC' })
        .plus({ days: offset })
        .toISODate()!;
      for (const count of [1, -1, 7, -30, -89]) {
        const expected = DateTime.fromISO(day, { zone: 'UTC' })
          .plus({ days: count })
          .toISODate();
        if (addDays(day, count) !== expected) {
          differing.push({ day, count, sum: addDays(day, count), expected });
        }
      }
    }
    expect(differing).toEqual([]);
  });
});
