import {
  Entity,
  getCompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { EmptyState } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import type {
  EntityDeliveryMetrics,
  MetricItemsKind,
} from '@pulse-oss/plugin-pulse-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { useState } from 'react';
import { Bar, BarChart, Legend, Tooltip, XAxis, YAxis } from 'recharts';
import { pulseApiRef } from '../../api';
import { entitySubject, entityVersionKey, useLiveData } from '../../live';
import { formatDuration, formatRelative } from '../../shared/time';
import { KeyTileGrid } from './KeyTileGrid';
import { MetricsCardFrame, MetricsDrill } from './MetricsCardFrame';

/** Okabe–Ito colours: told apart with every common colour vision deficiency. */
const PHASE_COLOURS = {
  coding: '#0072B2',
  pickup: '#E69F00',
  review: '#009E73',
  deploy: '#CC79A7',
};
const useStyles = makeStyles(theme => ({
  section: { marginTop: theme.spacing(3) },
}));

function PhaseBar(props: { flow: EntityDeliveryMetrics['pullRequestFlow'] }) {
  const { phases } = props.flow;
  const hours = (seconds: number | null) =>
    seconds === null ? 0 : Math.round((seconds / 3600) * 10) / 10;
  const data = [
    {
      name: 'p50',
      coding: hours(phases.coding.p50Seconds),
      pickup: hours(phases.pickup.p50Seconds),
      review: hours(phases.review.p50Seconds),
      deploy: hours(phases.deploy.p50Seconds),
    },
  ];
  const label = `Median hours per phase: ${Object.entries(data[0])
    .filter(([key]) => key !== 'name')
    .map(([key, value]) => `${key} ${value} h`)
    .join(', ')}`;
  return (
    <figure
      role="img"
      aria-label={label}
      style={{ margin: 0, width: 520, height: 90 }}
    >
      <BarChart width={520} height={90} data={data} layout="vertical">
        <XAxis type="number" unit=" h" />
        <YAxis type="category" dataKey="name" width={36} />
        <Tooltip formatter={(value: unknown) => `${value} h`} />
        <Legend itemSorter={null} />
        {(Object.keys(PHASE_COLOURS) as Array<keyof typeof PHASE_COLOURS>).map(
          phase => (
            <Bar
              key={phase}
              dataKey={phase}
              stackId="phases"
              fill={PHASE_COLOURS[phase]}
              isAnimationActive={false}
            />
          ),
        )}
      </BarChart>
    </figure>
  );
}

const seconds = (value: number | null) =>
  value === null ? '—' : formatDuration(value);

/** Pull request flow and, unless `ci` is false, CI health per workflow and branch. */
export function FlowAndCi(props: {
  metrics: EntityDeliveryMetrics;
  open: (metric: MetricItemsKind, title: string) => void;
  ci?: boolean;
}) {
  const { metrics, open } = props;
  const classes = useStyles();
  const flow = metrics.pullRequestFlow;
  const ci = metrics.ciHealth;
  const red = ci.defaultBranch.filter(state => state.redNow);
  const [allBranches, setAllBranches] = useState(false);
  // The default branch's rows come first; the other branches' on request.
  const shownWorkflows =
    allBranches || !ci.branch
      ? ci.workflows
      : ci.workflows.filter(workflow => workflow.branch === ci.branch);
  const hiddenBranches = new Set(
    ci.workflows
      .filter(workflow => !shownWorkflows.includes(workflow))
      .map(workflow => workflow.branch),
  ).size;
  return (
    <>
      <Box className={classes.section}>
        <Typography variant="h6" component="h3">
          Pull request flow
        </Typography>
        <Typography variant="body2" color="textSecondary">
          {flow.merged} merged
          {flow.botPullRequests
            ? ` (${flow.botPullRequests} by bots left out)`
            : ''}{' '}
          · sizes S {flow.sizes.S}, M {flow.sizes.M}, L {flow.sizes.L}, XL{' '}
          {flow.sizes.XL} · {flow.open.count} open
          {flow.open.ages.p50Seconds !== null
            ? ` (median age ${formatDuration(flow.open.ages.p50Seconds)})`
            : ''}
        </Typography>
        {flow.merged > 0 && <PhaseBar flow={flow} />}
        <Table size="small" aria-label="Pull request flow percentiles">
          <TableHead>
            <TableRow>
              <TableCell>Phase</TableCell>
              <TableCell align="right">p50</TableCell>
              <TableCell align="right">p75</TableCell>
              <TableCell align="right">p90</TableCell>
              <TableCell align="right">Measured</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {(['coding', 'pickup', 'review', 'deploy'] as const).map(phase => (
              <TableRow key={phase}>
                <TableCell>{phase}</TableCell>
                <TableCell align="right">
                  {seconds(flow.phases[phase].p50Seconds)}
                </TableCell>
                <TableCell align="right">
                  {seconds(flow.phases[phase].p75Seconds)}
                </TableCell>
                <TableCell align="right">
                  {seconds(flow.phases[phase].p90Seconds)}
                </TableCell>
                <TableCell align="right">{flow.phases[phase].sample}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
        <Box mt={1}>
          <Button
            size="small"
            onClick={() => open('pull-requests', 'Pull requests')}
          >
            {flow.merged} merged pull requests
          </Button>
          <Button
            size="small"
            onClick={() =>
              open('unapproved-merges', 'Merged without an approving review')
            }
          >
            {flow.mergedWithoutApproval} merged without approval
          </Button>
        </Box>
      </Box>
      {props.ci !== false && (
        <Box className={classes.section}>
          <Typography variant="h6" component="h3">
            CI health
          </Typography>
          {red.map(state => (
            <Typography
              key={state.workflowId}
              role="status"
              color="error"
              variant="body2"
            >
              {state.workflowName} is red on the default branch
              {state.redSince ? ` since ${formatRelative(state.redSince)}` : ''}
            </Typography>
          ))}
          {ci.workflows.length === 0 ? (
            <Typography variant="body2" color="textSecondary">
              No workflow runs in this window.
            </Typography>
          ) : (
            <Table size="small" aria-label="CI health per workflow and branch">
              <TableHead>
                <TableRow>
                  <TableCell>Workflow</TableCell>
                  <TableCell>Branch</TableCell>
                  <TableCell align="right">Runs</TableCell>
                  <TableCell align="right">Success</TableCell>
                  <TableCell align="right">Duration p50 / p95</TableCell>
                  <TableCell align="right">Queue p50 / p95</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {shownWorkflows.map(workflow => (
                  <TableRow key={`${workflow.workflowId}:${workflow.branch}`}>
                    <TableCell>{workflow.workflowName}</TableCell>
                    <TableCell>{workflow.branch}</TableCell>
                    <TableCell align="right">{workflow.runs}</TableCell>
                    <TableCell align="right">
                      {workflow.successRate === null
                        ? '—'
                        : `${Math.round(workflow.successRate * 100)}%`}
                    </TableCell>
                    <TableCell align="right">
                      {seconds(workflow.durationP50Seconds)} /{' '}
                      {seconds(workflow.durationP95Seconds)}
                    </TableCell>
                    <TableCell align="right">
                      {seconds(workflow.queueP50Seconds)} /{' '}
                      {seconds(workflow.queueP95Seconds)}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
          {ci.flaky.length > 0 && (
            <Box mt={1}>
              <Typography variant="subtitle2">
                Flaky (a SHA that both passed and failed)
              </Typography>
              {ci.flaky.map(workflow => (
                <Typography variant="body2" key={workflow.workflowId}>
                  {workflow.workflowName}:{' '}
                  {workflow.shas.map(sha => sha.slice(0, 7)).join(', ')}
                </Typography>
              ))}
            </Box>
          )}
          {hiddenBranches > 0 && (
            <Button size="small" onClick={() => setAllBranches(true)}>
              Show {hiddenBranches} other branches
            </Button>
          )}
          <Button
            size="small"
            onClick={() => open('workflow-runs', 'Workflow runs')}
          >
            All runs
          </Button>
        </Box>
      )}
    </>
  );
}

function DeliveryMetricsContent(props: { entity: Entity }) {
  const { entity } = props;
  const pulseApi = useApi(pulseApiRef);
  const entityKey = stringifyEntityRef(entity);
  const ref = getCompoundEntityRef(entity);
  const [windowDays, setWindowDays] = useState<number>();
  const [drill, setDrill] = useState<MetricsDrill>();
  const data = useLiveData<EntityDeliveryMetrics>({
    key: `${entityKey}:${windowDays ?? 'default'}`,
    load: () => pulseApi.getDeliveryMetrics(ref, windowDays),
    subjects: [entitySubject(entityKey, ['metrics'])],
    versionsOf: metrics => ({
      [entityVersionKey(entityKey, 'metrics')]: metrics.version,
    }),
  });
  const open = (metric: MetricItemsKind, title: string) =>
    setDrill({ metric, title });

  return (
    <MetricsCardFrame
      entity={entity}
      data={data}
      windowDays={windowDays}
      onWindowChange={setWindowDays}
      drill={drill}
      onDrillClose={() => setDrill(undefined)}
    >
      {metrics =>
        metrics.computedAt === null ? (
          <EmptyState
            missing="data"
            title="Delivery metrics are not computed yet"
            description="They are computed from the synced GitHub data within the hour after a repository's first sync, and soon after every change."
          />
        ) : (
          <>
            <KeyTileGrid metrics={metrics} open={open} />
            <FlowAndCi metrics={metrics} open={open} />
            <Typography variant="caption" color="textSecondary" component="p">
              {metrics.window.firstDay} to {metrics.window.lastDay} (
              {metrics.window.timeZone}) · computed{' '}
              {formatRelative(metrics.computedAt)} · bands from the{' '}
              {metrics.bands.source}
            </Typography>
          </>
        )
      }
    </MetricsCardFrame>
  );
}

/**
 * Card with the current entity's delivery metrics: the four DORA keys with their bands and
 * daily trends, pull request flow and CI health, over a chosen window, each number opening
 * the list of what it counts; live.
 */
export const EntityDeliveryMetricsCard = () => {
  const { entity } = useEntity();
  return <DeliveryMetricsContent entity={entity} />;
};
