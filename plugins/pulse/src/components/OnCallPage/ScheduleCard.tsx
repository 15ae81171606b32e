import { usePermission } from '@backstage/plugin-permission-react';
import { useMemo, useState } from 'react';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import {
  OnCallShift,
  pulseOverrideCreatePermission,
  pulseOverrideDeletePermission,
  ScheduleSummary,
} from '@pulse-oss/plugin-pulse-common';
import { DateTime } from 'luxon';
import { pulseApiRef } from '../../api';
import {
  LiveStatus,
  scheduleSubject,
  scheduleVersionKey,
  useLiveData,
} from '../../live';
import { formatRelative, formatZonedDateTime } from '../../shared/time';
import { EntityRefOrText } from '../oncallCommon';
import { CreateOverrideDialog, OverrideList } from './Overrides';
import { ShiftTimeline } from './ShiftTimeline';
import { timelineStart } from './timeline';

export const TIMELINE_DAYS = 14;

const useStyles = makeStyles(theme => ({
  section: { marginBottom: theme.spacing(3) },
  people: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(4),
    marginBottom: theme.spacing(3),
  },
  gap: { color: theme.palette.error.main, fontWeight: 'bold' },
  notice: { marginBottom: theme.spacing(2) },
}));

function Shift(props: {
  label: string;
  shift: OnCallShift | null;
  zone: string;
  edge: 'start' | 'end';
}) {
  const { label, shift, zone, edge } = props;
  const classes = useStyles();
  const at = shift ? shift[edge] : undefined;
  return (
    <Box>
      <Typography variant="overline" component="h3" color="textSecondary">
        {label}
      </Typography>
      <Typography>
        {shift?.userRef ? (
          <EntityRefOrText value={shift.userRef} />
        ) : (
          <span className={classes.gap}>Nobody is on call</span>
        )}
        {at && (
          <>
            {' '}
            {edge === 'end' ? 'until' : 'from'}{' '}
            <time dateTime={at}>{formatZonedDateTime(at, zone)}</time> (
            {formatRelative(at)})
          </>
        )}
      </Typography>
    </Box>
  );
}

/**
 * One schedule: who is on call now and next, two weeks of its shifts (from today, or from
 * `fromDay`, a calendar day in the schedule's zone), and its overrides.
 */
export function ScheduleCard(props: {
  schedule: ScheduleSummary;
  onChanged: () => void;
  fromDay?: string;
}) {
  const { schedule, onChanged, fromDay } = props;
  const classes = useStyles();
  const pulseApi = useApi(pulseApiRef);
  const [creating, setCreating] = useState(false);
  const [notice, setNotice] = useState<string>();
  const zone = schedule.timeZone;
  const from = useMemo(
    () =>
      fromDay
        ? DateTime.fromISO(fromDay, { zone }).startOf('day')
        : timelineStart(zone),
    [zone, fromDay],
  );

  // One request pair per change: the timeline and the overrides both follow the schedule's channel.
  // The list this card belongs to had read the schedule's version: the first fetch includes it.
  const details = useLiveData({
    key: `${schedule.id}@${from.toISO()}`,
    load: async () => {
      const [data, overrides] = await Promise.all([
        pulseApi.getScheduleShifts(schedule.id, {
          from: from.toUTC().toISO()!,
          to: from.plus({ days: TIMELINE_DAYS }).toUTC().toISO()!,
        }),
        pulseApi.listScheduleOverrides(schedule.id),
      ]);
      return { data, overrides: overrides.items, now: DateTime.now() };
    },
    subjects: [scheduleSubject(schedule.id, ['oncall'])],
    knownVersions: {
      [scheduleVersionKey(schedule.id, 'oncall')]: schedule.version,
    },
    refetchAt: () => schedule.current.end,
  });

  const changed = (message: string) => {
    setNotice(message);
    details.reload();
    onChanged();
  };

  const canCreate = usePermission({
    permission: pulseOverrideCreatePermission,
    resourceRef: schedule.id,
  });
  const canDelete = usePermission({
    permission: pulseOverrideDeletePermission,
    resourceRef: schedule.id,
  });

  return (
    <InfoCard
      title={schedule.name}
      subheader={
        <Box display="flex" alignItems="center" style={{ gap: 8 }}>
          <span>{`Times in ${zone}`}</span>
          <LiveStatus live={details.live} />
        </Box>
      }
      action={
        canCreate.allowed ? (
          <Button
            variant="outlined"
            color="primary"
            onClick={() => setCreating(true)}
          >
            Create override
          </Button>
        ) : undefined
      }
    >
      {notice && (
        <Alert
          severity="success"
          className={classes.notice}
          onClose={() => setNotice(undefined)}
        >
          {notice}
        </Alert>
      )}
      <Box className={classes.people}>
        <Shift
          label="On call now"
          shift={schedule.current}
          zone={zone}
          edge="end"
        />
        <Shift label="Next" shift={schedule.next} zone={zone} edge="start" />
      </Box>
      <Box className={classes.section}>
        <Typography variant="h6" component="h3" gutterBottom>
          {fromDay
            ? `Two weeks from ${from.toLocaleString(DateTime.DATE_MED)}`
            : 'Next two weeks'}
        </Typography>
        {details.loading && !details.value && <Progress />}
        {details.error && <ResponseErrorPanel error={details.error} />}
        {details.value && (
          <ShiftTimeline
            data={details.value.data}
            from={from}
            days={TIMELINE_DAYS}
            now={details.value.now}
          />
        )}
      </Box>
      <Box>
        <Typography variant="h6" component="h3" gutterBottom>
          Overrides
        </Typography>
        {details.loading && !details.value && <Progress />}
        {details.value && (
          <OverrideList
            schedule={schedule}
            overrides={details.value.overrides}
            canDelete={canDelete.allowed}
            onDeleted={changed}
          />
        )}
      </Box>
      {creating && (
        <CreateOverrideDialog
          schedule={schedule}
          onClose={() => setCreating(false)}
          onCreated={changed}
        />
      )}
    </InfoCard>
  );
}
