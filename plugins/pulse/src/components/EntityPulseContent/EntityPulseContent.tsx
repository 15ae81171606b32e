import { useEntity } from '@backstage/plugin-catalog-react';
import { isPulseAvailable } from '@pulse-oss/plugin-pulse-common';
import Grid from '@material-ui/core/Grid';
import { EntityActivityCard } from '../EntityActivityCard';
import { EntityDeliveryMetricsCard } from '../EntityDeliveryMetricsCard';
import { EntityDeploymentsCard } from '../EntityDeploymentsCard';
import { EntityOnCallCard } from '../EntityOnCallCard';
import { EntityPullRequestsCard } from '../EntityPullRequestsCard';
import { EntityPulseStatusCard } from '../EntityPulseStatusCard';
import { EntityWorkflowRunsCard } from '../EntityWorkflowRunsCard';

/**
 * Props of {@link EntityPulseContent}.
 *
 * @public
 */
export interface EntityPulseContentProps {
  /** Passed to the pull requests card. */
  staleAfterDays?: number;
}

/**
 * Every Pulse card of the entity on one page, laid out for a wide screen and stacked on a narrow
 * one: where the sync and on call stand first, then pull requests and runs side by side, then what
 * happened, with delivery metrics before the activity. An entity without a GitHub repository gets the on-call and activity cards only.
 */
export function EntityPulseContent(props: EntityPulseContentProps) {
  const { entity } = useEntity();
  const tracked = isPulseAvailable(entity);
  const isComponent = entity.kind.toLocaleLowerCase('en-US') === 'component';

  return (
    <Grid container spacing={3} alignItems="stretch">
      {tracked && (
        <Grid item xs={12} md={6}>
          <EntityPulseStatusCard />
        </Grid>
      )}
      {isComponent && (
        <Grid item xs={12} md={tracked ? 6 : 12}>
          <EntityOnCallCard />
        </Grid>
      )}
      {tracked && (
        <>
          <Grid item xs={12} lg={6}>
            <EntityPullRequestsCard staleAfterDays={props.staleAfterDays} />
          </Grid>
          <Grid item xs={12} lg={6}>
            <EntityWorkflowRunsCard />
          </Grid>
          <Grid item xs={12}>
            <EntityDeploymentsCard />
          </Grid>
          <Grid item xs={12}>
            <EntityDeliveryMetricsCard />
          </Grid>
        </>
      )}
      <Grid item xs={12}>
        <EntityActivityCard />
      </Grid>
    </Grid>
  );
}
