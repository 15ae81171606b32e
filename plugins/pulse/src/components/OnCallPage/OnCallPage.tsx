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
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { pulseApiRef } from '../../api';
import { ScheduleCard } from './ScheduleCard';

/** Every on-call schedule with who is on call, its next two weeks and its overrides; without a page header. */
export function OnCallPageContent() {
  const pulseApi = useApi(pulseApiRef);
  const { value, loading, error, retry } = useAsyncRetry(
    () => pulseApi.listSchedules(),
    [pulseApi],
  );

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
