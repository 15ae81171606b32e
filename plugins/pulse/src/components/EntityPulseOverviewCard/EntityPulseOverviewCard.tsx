import {
  getCompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { InfoCard } from '@backstage/core-components';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import {
  entityRouteParams,
  entityRouteRef,
  useEntity,
} from '@backstage/plugin-catalog-react';
import { isPulseAvailable } from '@pulse-oss/plugin-pulse-common';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { ReactNode } from 'react';
import { pulseApiRef } from '../../api';
import {
  entitySubject,
  entityVersionKey,
  LiveStatus,
  scheduleSubject,
  useLiveData,
} from '../../live';
import { errorMessage, isNotFound } from '../../shared';
import { formatRelative } from '../../shared/time';
import { EntityRefOrText } from '../oncallCommon';
import { StatusLabel } from '../StatusLabel';
import {
  ciLine,
  incidentsLine,
  OverviewLine,
  pullRequestsLine,
} from './overview';

/** Open pull requests counted on the overview; more shows as "50+". */
const PULL_REQUESTS_COUNTED = 50;

const useStyles = makeStyles(theme => ({
  lines: { margin: 0 },
  line: {
    display: 'grid',
    gridTemplateColumns: 'minmax(6rem, auto) 1fr',
    gap: theme.spacing(2),
    padding: theme.spacing(0.75, 0),
    borderBottom: `1px solid ${theme.palette.divider}`,
  },
  label: { color: theme.palette.text.secondary, margin: 0 },
  value: { margin: 0 },
}));

function Line(props: { label: string; children: ReactNode }) {
  const classes = useStyles();
  return (
    <div className={classes.line}>
      <dt className={classes.label}>
        <Typography variant="body2" component="span">
          {props.label}
        </Typography>
      </dt>
      <dd className={classes.value}>
        <Typography variant="body2" component="span">
          {props.children}
        </Typography>
      </dd>
    </div>
  );
}

/** A line's state, its error, or nothing yet. */
function LineState<T>(props: {
  data: { value?: T; error?: Error };
  line: (value: T) => OverviewLine;
}) {
  const { value, error } = props.data;
  if (error) {
    return (
      <StatusLabel kind={isNotFound(error) ? 'pending' : 'error'} wrap>
        {isNotFound(error) ? 'Not tracked' : errorMessage(error)}
      </StatusLabel>
    );
  }
  if (value === undefined) {
    return <>…</>;
  }
  const line = props.line(value);
  return (
    <StatusLabel kind={line.kind} wrap>
      {line.text}
    </StatusLabel>
  );
}

/**
 * A compact card for the Overview tab: open pull requests waiting for review, the default
 * branch's CI, who is on call now and the open incidents, each one line, live, with a link into
 * the entity's Pulse tab. An entity without a GitHub repository gets the on-call lines only.
 */
export const EntityPulseOverviewCard = () => {
  const { entity } = useEntity();
  const classes = useStyles();
  const pulseApi = useApi(pulseApiRef);
  const entityRoute = useRouteRef(entityRouteRef);
  const ref = getCompoundEntityRef(entity);
  const entityKey = stringifyEntityRef(entity);
  const tracked = isPulseAvailable(entity);
  const isComponent = entity.kind.toLocaleLowerCase('en-US') === 'component';

  const pulls = useLiveData({
    key: `${entityKey}/overview/pull-requests`,
    enabled: tracked,
    load: () =>
      pulseApi.getPullRequests(ref, {
        state: 'open',
        limit: PULL_REQUESTS_COUNTED,
      }),
    subjects: [entitySubject(entityKey, ['pull-requests'])],
    versionsOf: page => ({
      [entityVersionKey(entityKey, 'pull-requests')]: page.version,
    }),
  });
  const ci = useLiveData({
    key: `${entityKey}/overview/ci`,
    enabled: tracked,
    load: () => pulseApi.getWorkflowSummary(ref, { recentRuns: 0 }),
    subjects: [entitySubject(entityKey, ['workflow-runs'])],
    versionsOf: summary => ({
      [entityVersionKey(entityKey, 'workflow-runs')]: summary.version,
    }),
  });
  const onCall = useLiveData({
    key: `${entityKey}/overview/oncall`,
    enabled: isComponent,
    load: () => pulseApi.getEntityOnCall(ref),
    subjects: value => [
      entitySubject(entityKey, ['oncall']),
      ...(value?.now.scheduleId
        ? [scheduleSubject(value.now.scheduleId, ['oncall'])]
        : []),
    ],
    versionsOf: value => ({
      [entityVersionKey(entityKey, 'oncall')]: value.version,
    }),
    refetchAt: value => value.now.until,
  });

  const live = tracked ? pulls.live : onCall.live;
  const now = onCall.value?.now;
  return (
    <InfoCard
      title="Pulse at a glance"
      subheader={<LiveStatus live={live} />}
      deepLink={{
        title: 'Open the Pulse tab',
        link: `${entityRoute(entityRouteParams(entity))}/pulse`,
      }}
    >
      <dl className={classes.lines} aria-label="Pulse at a glance">
        {tracked && (
          <>
            <Line label="Pull requests">
              <LineState data={pulls} line={pullRequestsLine} />
            </Line>
            <Line label="CI">
              <LineState data={ci} line={ciLine} />
            </Line>
          </>
        )}
        {isComponent && (
          <>
            <Line label="On call now">
              {onCall.error && (
                <StatusLabel kind="error" wrap>
                  {errorMessage(onCall.error)}
                </StatusLabel>
              )}
              {!onCall.error && !now && '…'}
              {now?.userRef && (
                <>
                  <EntityRefOrText value={now.userRef} />
                  {now.until && ` · hands off ${formatRelative(now.until)}`}
                </>
              )}
              {now && !now.userRef && (
                <StatusLabel kind="error" wrap>
                  {onCall.value?.problem ?? 'Nobody is on call'}
                </StatusLabel>
              )}
            </Line>
            <Line label="Incidents">
              <LineState data={onCall} line={incidentsLine} />
            </Line>
          </>
        )}
      </dl>
      {!tracked && !isComponent && (
        <Box mt={1}>
          <Typography variant="body2" color="textSecondary">
            Pulse has no data of this entity: it has no GitHub repository and is
            not a component.
          </Typography>
        </Box>
      )}
    </InfoCard>
  );
};
