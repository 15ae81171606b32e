import { useMemo } from 'react';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { ScheduleShifts } from '@pulse-oss/plugin-pulse-common';
import { DateTime } from 'luxon';
import { EntityRefOrText, shortName } from '../oncallCommon';
import { gapIntervals, layoutTimeline, TimelineSegment } from './timeline';

// Red is kept for gaps, so no person is ever drawn in it.
const PERSON_COLOURS = [
  '#1e88e5',
  '#43a047',
  '#8e24aa',
  '#00897b',
  '#3949ab',
  '#f9a825',
  '#00acc1',
  '#6d4c41',
  '#7cb342',
  '#5e35b1',
];
const GAP_COLOUR = '#d32f2f';

const useStyles = makeStyles(theme => ({
  row: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    marginBottom: 2,
  },
  day: { width: '6.5rem', flexShrink: 0, whiteSpace: 'nowrap' },
  bar: {
    position: 'relative',
    flex: 1,
    height: 22,
    borderRadius: 2,
    backgroundColor: theme.palette.action.hover,
    overflow: 'hidden',
  },
  segment: {
    position: 'absolute',
    top: 0,
    bottom: 0,
    color: '#fff',
    fontSize: 11,
    lineHeight: '22px',
    paddingLeft: 4,
    overflow: 'hidden',
    whiteSpace: 'nowrap',
    textOverflow: 'ellipsis',
    boxSizing: 'border-box',
    borderRight: `1px solid ${theme.palette.background.paper}`,
  },
  gap: {
    backgroundColor: GAP_COLOUR,
    backgroundImage:
      'repeating-linear-gradient(45deg, rgba(255,255,255,0.25) 0 4px, transparent 4px 8px)',
    fontWeight: 'bold',
  },
  now: {
    position: 'absolute',
    top: -2,
    bottom: -2,
    width: 2,
    backgroundColor: theme.palette.text.primary,
  },
  hours: {
    position: 'relative',
    flex: 1,
    height: 16,
    fontSize: 10,
    color: theme.palette.text.secondary,
  },
  hour: { position: 'absolute', transform: 'translateX(-50%)' },
  legend: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(2),
    margin: theme.spacing(1, 0),
  },
  swatch: {
    display: 'inline-block',
    width: 12,
    height: 12,
    marginRight: 4,
    borderRadius: 2,
    verticalAlign: 'middle',
  },
  gapText: { color: GAP_COLOUR },
}));

function timeRange(segment: TimelineSegment) {
  const end = segment.end.hasSame(segment.start, 'day')
    ? segment.end.toFormat('HH:mm')
    : '24:00';
  return `${segment.start.toFormat('HH:mm')}–${end}`;
}

/**
 * A two-week timeline of a schedule: one bar per day in the schedule's zone, a colour per
 * person, gaps in red and listed below so that nobody can miss them.
 */
export function ShiftTimeline(props: {
  data: ScheduleShifts;
  from: DateTime;
  days: number;
  now?: DateTime;
}) {
  const { data, from, days, now } = props;
  const classes = useStyles();
  const timeline = useMemo(
    () => layoutTimeline({ data, from, days, now }),
    [data, from, days, now],
  );
  const gaps = useMemo(() => gapIntervals(data), [data]);

  const colours = useMemo(() => {
    const people = new Map<string, string>();
    for (const shift of data.shifts) {
      if (shift.userRef && !people.has(shift.userRef)) {
        people.set(
          shift.userRef,
          PERSON_COLOURS[people.size % PERSON_COLOURS.length],
        );
      }
    }
    return people;
  }, [data]);

  return (
    <Box>
      <Box className={classes.row} aria-hidden>
        <span className={classes.day} />
        <Box className={classes.hours}>
          {[0, 6, 12, 18].map(hour => (
            <span
              key={hour}
              className={classes.hour}
              style={{ left: `${(hour / 24) * 100}%` }}
            >
              {`${hour}`.padStart(2, '0')}:00
            </span>
          ))}
        </Box>
      </Box>
      {timeline.map(day => (
        <Box
          key={day.start.toISODate()}
          className={classes.row}
          role="group"
          aria-label={day.start.toFormat('cccc d LLLL')}
        >
          <Typography variant="caption" className={classes.day}>
            {day.start.toFormat('ccc d LLL')}
          </Typography>
          <Box className={classes.bar}>
            {day.segments.map(segment => {
              const who = segment.userRef
                ? shortName(segment.userRef)
                : 'Nobody on call';
              const label = `${who} ${timeRange(segment)}`;
              return (
                <div
                  key={segment.start.toMillis()}
                  className={`${classes.segment} ${
                    segment.userRef ? '' : classes.gap
                  }`}
                  style={{
                    left: `${segment.offset}%`,
                    width: `${segment.width}%`,
                    ...(segment.userRef
                      ? { backgroundColor: colours.get(segment.userRef) }
                      : {}),
                  }}
                  title={label}
                  aria-label={label}
                  data-gap={segment.userRef ? undefined : 'true'}
                >
                  {segment.width > 12 ? who : ''}
                </div>
              );
            })}
            {day.now !== undefined && (
              <div
                className={classes.now}
                style={{ left: `${day.now}%` }}
                title="Now"
              />
            )}
          </Box>
        </Box>
      ))}
      <Box className={classes.legend}>
        {[...colours.entries()].map(([userRef, colour]) => (
          <Typography variant="caption" key={userRef}>
            <span
              className={classes.swatch}
              style={{ backgroundColor: colour }}
            />
            <EntityRefOrText value={userRef} />
          </Typography>
        ))}
        <Typography variant="caption">
          <span className={`${classes.swatch} ${classes.gap}`} />
          Nobody on call
        </Typography>
      </Box>
      {gaps.length === 0 ? (
        <Typography variant="body2">
          No gaps: someone is on call at every moment of these two weeks.
        </Typography>
      ) : (
        <Box className={classes.gapText}>
          <Typography variant="subtitle2">
            {gaps.length === 1
              ? '1 gap with nobody on call'
              : `${gaps.length} gaps with nobody on call`}
          </Typography>
          <ul aria-label="Gaps" style={{ margin: 0 }}>
            {gaps.map(gap => (
              <li key={gap.start!.toMillis()}>
                <Typography variant="body2">
                  {gap.start!.toFormat('ccc d LLL HH:mm')} –{' '}
                  {gap.end!.toFormat('ccc d LLL HH:mm')}
                </Typography>
              </li>
            ))}
          </ul>
        </Box>
      )}
    </Box>
  );
}
