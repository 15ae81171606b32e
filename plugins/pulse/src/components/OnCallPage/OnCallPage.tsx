import {
  Content,
  EmptyState,
  Header,
  Page,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Grid from '@material-ui/core/Grid';
import { ScheduleSummary } from '@pulse-oss/plugin-pulse-common';
import { pulseApiRef } from '../../api';
import {
  earliest,
  scheduleSubject,
  scheduleVersionKey,
  useLiveData,
} from '../../live';
import { ScheduleCard } from './ScheduleCard';

/** Every on-call schedule with who is on call, its next two weeks and its overrides; without a page header. */
export function OnCallPageContent() {
  const pulseApi = useApi(pulseApiRef);
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
    content = (
      <Grid container spacing={3}>
        {value.items.map(schedule => (
          <Grid item xs={12} key={schedule.id}>
            <ScheduleCard schedule={schedule} onChanged={retry} />
          </Grid>
        ))}
      </Grid>
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
