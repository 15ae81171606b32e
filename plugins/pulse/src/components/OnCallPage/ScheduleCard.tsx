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
} from '@internal/plugin-pulse-common';
import { DateTime } from 'luxon';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { pulseApiRef } from '../../api';
import { EntityRefOrText, formatRelative } from '../oncallCommon';
import { CreateOverrideDialog, OverrideList } from './Overrides';
import { ShiftTimeline } from './ShiftTimeline';
import { timelineStart } from './timeline';

const TIMELINE_DAYS = 14;

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
            <time dateTime={at}>
              {DateTime.fromISO(at, { zone }).toFormat('ccc d LLL HH:mm')}
            </time>{' '}
            ({formatRelative(at)})
          </>
        )}
      </Typography>
    </Box>
  );
}

/** One schedule: who is on call now and next, its next two weeks, and its overrides. */
export function ScheduleCard(props: {
  schedule: ScheduleSummary;
  onChanged: () => void;
}) {
  const { schedule, onChanged } = props;
  const classes = useStyles();
  const pulseApi = useApi(pulseApiRef);
  const [version, setVersion] = useState(0);
  const [creating, setCreating] = useState(false);
  const [notice, setNotice] = useState<string>();
  const zone = schedule.timeZone;
  const from = useMemo(() => timelineStart(zone), [zone]);

  const shifts = useAsyncRetry(async () => {
    const data = await pulseApi.getScheduleShifts(schedule.id, {
      from: from.toUTC().toISO()!,
      to: from.plus({ days: TIMELINE_DAYS }).toUTC().toISO()!,
    });
    return { data, now: DateTime.now() };
  }, [pulseApi, schedule.id, from, version]);
  const overrides = useAsyncRetry(
    () => pulseApi.listScheduleOverrides(schedule.id),
    [pulseApi, schedule.id, version],
  );

  const changed = (message: string) => {
    setNotice(message);
    setVersion(v => v + 1);
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
      subheader={`Times in ${zone}`}
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
          Next two weeks
        </Typography>
        {shifts.loading && !shifts.value && <Progress />}
        {shifts.error && <ResponseErrorPanel error={shifts.error} />}
        {shifts.value && !shifts.error && (
          <ShiftTimeline
            data={shifts.value.data}
            from={from}
            days={TIMELINE_DAYS}
            now={shifts.value.now}
          />
        )}
      </Box>
      <Box>
        <Typography variant="h6" component="h3" gutterBottom>
          Overrides
        </Typography>
        {overrides.loading && !overrides.value && <Progress />}
        {overrides.error && <ResponseErrorPanel error={overrides.error} />}
        {overrides.value && !overrides.error && (
          <OverrideList
            schedule={schedule}
            overrides={overrides.value.items}
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
