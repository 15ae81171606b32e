import { DateTime, Interval } from 'luxon';
import { ScheduleShifts } from '@pulse-oss/plugin-pulse-common';

/** A piece of one day's bar: someone on call, or a gap (`userRef` null). */
export interface TimelineSegment {
  start: DateTime;
  end: DateTime;
  userRef: string | null;
  /** Position and size within the day, in percent of the day's real length. */
  offset: number;
  width: number;
}

/** One day of a schedule's timeline, in the schedule's zone. */
export interface TimelineDay {
  start: DateTime;
  end: DateTime;
  segments: TimelineSegment[];
  /** Where now falls in this day, in percent, when it does. */
  now?: number;
}

/** The first instant of the timeline: the start of today in the schedule's zone. */
export function timelineStart(zone: string, now: DateTime = DateTime.now()) {
  return now.setZone(zone).startOf('day');
}

function toInterval(range: { start: string; end: string }, zone: string) {
  return Interval.fromDateTimes(
    DateTime.fromISO(range.start, { zone }),
    DateTime.fromISO(range.end, { zone }),
  );
}

/**
 * Every interval with nobody on call: the explicit gaps and any shift without a person,
 * merged so that a gap reported both ways is drawn once.
 */
export function gapIntervals(data: ScheduleShifts): Interval[] {
  const all = [
    ...data.gaps,
    ...data.shifts.filter(shift => shift.userRef === null),
  ]
    .map(range => toInterval(range, data.timeZone))
    .filter(interval => interval.isValid && !interval.isEmpty());
  return Interval.merge(all);
}

/**
 * Cuts a schedule's shifts and gaps into one bar per calendar day in the schedule's zone.
 * Days are measured by their real length, so a daylight-saving day of 23 or 25 hours still
 * fills its bar exactly.
 */
export function layoutTimeline(options: {
  data: ScheduleShifts;
  from: DateTime;
  days: number;
  now?: DateTime;
}): TimelineDay[] {
  const { data, from, days, now } = options;
  const zone = data.timeZone;
  const pieces: Array<{ interval: Interval; userRef: string | null }> = [
    ...data.shifts
      .filter(shift => shift.userRef !== null)
      .map(shift => ({
        interval: toInterval(shift, zone),
        userRef: shift.userRef,
      })),
    ...gapIntervals(data).map(interval => ({ interval, userRef: null })),
  ].filter(piece => piece.interval.isValid);

  const start = from.setZone(zone).startOf('day');
  return Array.from({ length: days }, (_, index) => {
    const dayStart = start.plus({ days: index });
    const dayEnd = start.plus({ days: index + 1 });
    const day = Interval.fromDateTimes(dayStart, dayEnd);
    const length = dayEnd.toMillis() - dayStart.toMillis();
    const percent = (instant: DateTime) =>
      ((instant.toMillis() - dayStart.toMillis()) / length) * 100;

    const segments = pieces
      .flatMap((piece): TimelineSegment[] => {
        const part = piece.interval.intersection(day);
        if (!part || part.isEmpty() || !part.start || !part.end) {
          return [];
        }
        return [
          {
            start: part.start,
            end: part.end,
            userRef: piece.userRef,
            offset: percent(part.start),
            width: percent(part.end) - percent(part.start),
          },
        ];
      })
      .sort((a, b) => a.start.toMillis() - b.start.toMillis());

    return {
      start: dayStart,
      end: dayEnd,
      segments,
      now: now && day.contains(now) ? percent(now) : undefined,
    };
  });
}
