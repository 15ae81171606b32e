import {
  Content,
  EmptyState,
  Header,
  Page,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import MenuItem from '@material-ui/core/MenuItem';
import TextField from '@material-ui/core/TextField';
import { ScheduleSummary } from '@pulse-oss/plugin-pulse-common';
import { DateTime } from 'luxon';
import { useSearchParams } from 'react-router-dom';
import { pulseApiRef } from '../../api';
import {
  earliest,
  scheduleSubject,
  scheduleVersionKey,
  useLiveData,
} from '../../live';
import { ScheduleCard, TIMELINE_DAYS } from './ScheduleCard';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * What the page shows lives in the URL, so that a link opens that view and back goes to the one
 * before: `schedule` (one schedule's id; all when absent) and `from` (the first day of the
 * timelines, `YYYY-MM-DD` in each schedule's zone; today when absent or not a date).
 */
function useOnCallView() {
  const [params, setParams] = useSearchParams();
  const fromParam = params.get('from');
  const fromDay =
    fromParam && DAY.test(fromParam) && DateTime.fromISO(fromParam).isValid
      ? fromParam
      : undefined;
  const update = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined) {
        next.delete(key);
      } else {
        next.set(key, value);
      }
    }
    setParams(next);
  };
  return {
    scheduleId: params.get('schedule') ?? undefined,
    fromDay,
    setScheduleId: (id: string | undefined) => update({ schedule: id }),
    /** Moves the timelines by `weeks` two-week steps; 0 goes back to today. */
    moveFrom: (steps: number) =>
      update({
        from:
          steps === 0
            ? undefined
            : (fromDay ? DateTime.fromISO(fromDay) : DateTime.now())
                .plus({ days: steps * TIMELINE_DAYS })
                .toISODate()!,
      }),
  };
}

function ViewControls(props: {
  schedules: ScheduleSummary[];
  view: ReturnType<typeof useOnCallView>;
}) {
  const { schedules, view } = props;
  return (
    <Box
      display="flex"
      alignItems="center"
      flexWrap="wrap"
      mb={2}
      style={{ gap: 8 }}
    >
      <TextField
        select
        size="small"
        id="pulse-oncall-schedule"
        label="Schedule"
        value={
          schedules.some(schedule => schedule.id === view.scheduleId)
            ? view.scheduleId
            : ''
        }
        onChange={event => view.setScheduleId(event.target.value || undefined)}
        style={{ minWidth: 220 }}
      >
        <MenuItem value="">All schedules</MenuItem>
        {schedules.map(schedule => (
          <MenuItem key={schedule.id} value={schedule.id}>
            {schedule.name}
          </MenuItem>
        ))}
      </TextField>
      <Box flexGrow={1} />
      <Button size="small" onClick={() => view.moveFrom(-1)}>
        Two weeks earlier
      </Button>
      <Button
        size="small"
        onClick={() => view.moveFrom(0)}
        disabled={!view.fromDay}
      >
        From today
      </Button>
      <Button size="small" onClick={() => view.moveFrom(1)}>
        Two weeks later
      </Button>
    </Box>
  );
}

/** Every on-call schedule with who is on call, its next two weeks and its overrides; without a page header. */
export function OnCallPageContent() {
  const pulseApi = useApi(pulseApiRef);
  const view = useOnCallView();
  // Who is on call now and next follows each schedule's channel (handoffs, overrides), and moves
  // at the end of the earliest current shift.
  const {
    value,
    loading,
    error,
    reload: retry,
  } = useLiveData<{ items: ScheduleSummary[] }>({
    key: 'schedules',
    load: () => pulseApi.listSchedules(),
    subjects: list =>
      (list?.items ?? []).map(schedule =>
        scheduleSubject(schedule.id, ['oncall']),
      ),
    versionsOf: list =>
      Object.fromEntries(
        list.items.map(schedule => [
          scheduleVersionKey(schedule.id, 'oncall'),
          schedule.version,
        ]),
      ),
    refetchAt: list =>
      earliest(list.items.map(schedule => schedule.current.end)),
  });

  let content;
  if (loading && !value) {
    content = <Progress />;
  } else if (error) {
    content = <ResponseErrorPanel error={error} />;
  } else if (!value || value.items.length === 0) {
    content = (
      <EmptyState
        missing="data"
        title="No on-call schedules"
        description="Admins define schedules under pulse.oncall.schedules in app-config.yaml."
      />
    );
  } else {
    const shown = view.scheduleId
      ? value.items.filter(schedule => schedule.id === view.scheduleId)
      : value.items;
    content = (
      <>
        <ViewControls schedules={value.items} view={view} />
        {shown.length === 0 ? (
          <EmptyState
            missing="data"
            title={`No schedule '${view.scheduleId}'`}
            description="It is not configured, or no longer: choose one of the schedules above."
          />
        ) : (
          <Grid container spacing={3}>
            {shown.map(schedule => (
              <Grid item xs={12} key={schedule.id}>
                <ScheduleCard
                  schedule={schedule}
                  onChanged={retry}
                  fromDay={view.fromDay}
                />
              </Grid>
            ))}
          </Grid>
        )}
      </>
    );
  }

  return <Content>{content}</Content>;
}

/** The on-call page with its own header, for apps on the legacy frontend system. */
export function OnCallPage() {
  return (
    <Page themeId="tool">
      <Header
        title="On-call"
        subtitle="Who is on call for every schedule, and who covers when"
      />
      <OnCallPageContent />
    </Page>
  );
}
