import { DateTime } from 'luxon';
import { ScheduleShifts } from '@pulse-oss/plugin-pulse-common';
import { gapIntervals, layoutTimeline, timelineStart } from './timeline';

function schedule(
  timeZone: string,
  shifts: ScheduleShifts['shifts'],
  gaps: ScheduleShifts['gaps'] = [],
): ScheduleShifts {
  return {
    scheduleId: 's',
    timeZone,
    from: shifts[0]?.start ?? '',
    to: shifts[shifts.length - 1]?.end ?? '',
    shifts,
    gaps,
  };
}

describe('timelineStart', () => {
  it("is the start of today in the schedule's zone", () => {
    const now = DateTime.fromISO('2025-03-10T23:30:00Z');
    expect(timelineStart('Europe/Berlin', now).toISO()).toBe(
      '2025-03-11T00:00:00.000+01:00',
    );
    expect(timelineStart('America/New_York', now).toISO()).toBe(
      '2025-03-10T00:00:00.000-04:00',
    );
  });
});

describe('layoutTimeline', () => {
  it('splits shifts across days and places them by time of day', () => {
    const data = schedule('UTC', [
      {
        start: '2025-01-06T00:00:00Z',
        end: '2025-01-06T12:00:00Z',
        userRef: 'user:default/a',
      },
      {
        start: '2025-01-06T12:00:00Z',
        end: '2025-01-07T06:00:00Z',
        userRef: 'user:default/b',
      },
      {
        start: '2025-01-07T06:00:00Z',
        end: '2025-01-08T00:00:00Z',
        userRef: 'user:default/a',
      },
    ]);

    const days = layoutTimeline({
      data,
      from: DateTime.fromISO('2025-01-06T00:00:00Z', { zone: 'UTC' }),
      days: 2,
      now: DateTime.fromISO('2025-01-06T18:00:00Z'),
    });

    expect(days).toHaveLength(2);
    expect(days[0].segments.map(s => [s.userRef, s.offset, s.width])).toEqual([
      ['user:default/a', 0, 50],
      ['user:default/b', 50, 50],
    ]);
    expect(days[0].now).toBe(75);
    expect(days[1].segments.map(s => [s.userRef, s.offset, s.width])).toEqual([
      ['user:default/b', 0, 25],
      ['user:default/a', 25, 75],
    ]);
    expect(days[1].now).toBeUndefined();
  });

  it('draws explicit gaps and person-less shifts once, merged', () => {
    const data = schedule(
      'UTC',
      [
        {
          start: '2025-01-06T00:00:00Z',
          end: '2025-01-06T09:00:00Z',
          userRef: 'user:default/a',
        },
        {
          start: '2025-01-06T09:00:00Z',
          end: '2025-01-06T18:00:00Z',
          userRef: null,
        },
        {
          start: '2025-01-06T18:00:00Z',
          end: '2025-01-07T00:00:00Z',
          userRef: 'user:default/b',
        },
      ],
      [{ start: '2025-01-06T09:00:00Z', end: '2025-01-06T18:00:00Z' }],
    );

    expect(gapIntervals(data)).toHaveLength(1);
    const [day] = layoutTimeline({
      data,
      from: DateTime.fromISO('2025-01-06T00:00:00Z', { zone: 'UTC' }),
      days: 1,
    });
    expect(day.segments.map(s => [s.userRef, s.offset, s.width])).toEqual([
      ['user:default/a', 0, 37.5],
      [null, 37.5, 37.5],
      ['user:default/b', 75, 25],
    ]);
  });

  it('fills a 23-hour daylight-saving day exactly', () => {
    // Europe/Berlin springs forward on 2025-03-30: 02:00 becomes 03:00.
    const data = schedule('Europe/Berlin', [
      {
        start: '2025-03-30T00:00:00+01:00',
        end: '2025-03-30T12:00:00+02:00',
        userRef: 'user:default/a',
      },
      {
        start: '2025-03-30T12:00:00+02:00',
        end: '2025-03-31T00:00:00+02:00',
        userRef: 'user:default/b',
      },
    ]);

    const [day] = layoutTimeline({
      data,
      from: DateTime.fromISO('2025-03-30T00:00:00', { zone: 'Europe/Berlin' }),
      days: 1,
    });

    expect(day.end.diff(day.start, 'hours').hours).toBe(23);
    const [morning, evening] = day.segments;
    expect(morning.width).toBeCloseTo((11 / 23) * 100);
    expect(evening.offset).toBeCloseTo((11 / 23) * 100);
    expect(morning.width + evening.width).toBeCloseTo(100);
  });
});
