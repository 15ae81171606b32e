import {
  CompoundEntityRef,
  getCompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  EmptyState,
  InfoCard,
  Link,
  Progress,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  MissingAnnotationEmptyState,
  useEntity,
} from '@backstage/plugin-catalog-react';
import {
  GITHUB_PROJECT_SLUG_ANNOTATION,
  isPulseAvailable,
  SyncStatus,
  WorkflowRun,
  WorkflowRunPage,
  WorkflowSummaryList,
} from '@pulse-oss/plugin-pulse-common';
import Box from '@material-ui/core/Box';
import { makeStyles } from '@material-ui/core/styles';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { DateTime } from 'luxon';
import { useCallback, useEffect, useState } from 'react';
import { pulseApiRef } from '../../api';
import {
  entitySubject,
  entityVersionKey,
  pollIntervalFor,
  useLiveData,
} from '../../live';
import { isNotFound } from '../../shared/errors';
import { formatDuration, formatRelative } from '../../shared/time';
import {
  DataErrorState,
  GitHubSyncCard,
  useEntitySync,
} from '../GitHubSyncCard';
import { RunStatus } from './RunStatus';
import { branchOptions, formatSuccessRate } from './runs';

const TITLE = 'Workflow runs';
const PAGE_SIZE = 20;

const useStyles = makeStyles(theme => ({
  section: {
    marginBottom: theme.spacing(3),
  },
  sectionHeader: {
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'space-between',
    marginBottom: theme.spacing(1),
  },
  branchFilter: {
    minWidth: 180,
  },
  secondary: {
    display: 'block',
    color: theme.palette.text.secondary,
  },
}));

function runDuration(run: WorkflowRun, now: DateTime): string {
  if (run.durationSeconds !== null) {
    return formatDuration(run.durationSeconds);
  }
  if (run.status !== 'completed' && run.startedAt) {
    const elapsed = now.diff(DateTime.fromISO(run.startedAt)).as('seconds');
    return `${formatDuration(elapsed)} so far`;
  }
  return '—';
}

function SummaryTable(props: { summary: WorkflowSummaryList; now: DateTime }) {
  const { summary, now } = props;
  const classes = useStyles();
  if (summary.items.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        No workflow has run on the default branch yet.
      </Typography>
    );
  }
  return (
    <Table size="small" aria-label="Workflows on the default branch">
      <TableHead>
        <TableRow>
          <TableCell>Workflow</TableCell>
          <TableCell>Latest run</TableCell>
          <TableCell>Duration</TableCell>
          <TableCell>Success rate</TableCell>
          <TableCell>Median</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {summary.items.map(workflow => {
          const run = workflow.latestRun;
          return (
            <TableRow key={workflow.workflowId}>
              <TableCell>
                {run ? (
                  <Link to={run.htmlUrl}>{workflow.workflowName}</Link>
                ) : (
                  workflow.workflowName
                )}
                {run?.startedAt && (
                  <span className={classes.secondary}>
                    {formatRelative(run.startedAt, now)}
                  </span>
                )}
              </TableCell>
              <TableCell>{run ? <RunStatus run={run} /> : 'No runs'}</TableCell>
              <TableCell>{run ? runDuration(run, now) : '—'}</TableCell>
              <TableCell>
                {workflow.successRate === null ? (
                  '—'
                ) : (
                  <span
                    title={`Of the last ${workflow.sampleSize} completed runs`}
                  >
                    {formatSuccessRate(workflow.successRate)}
                    <span className={classes.secondary}>
                      of {workflow.sampleSize} run
                      {workflow.sampleSize === 1 ? '' : 's'}
                    </span>
                  </span>
                )}
              </TableCell>
              <TableCell>
                {workflow.medianDurationSeconds === null
                  ? '—'
                  : formatDuration(workflow.medianDurationSeconds)}
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}

function RunsTable(props: {
  page: WorkflowRunPage;
  branch: string;
  now: DateTime;
}) {
  const { page, branch, now } = props;
  const classes = useStyles();
  if (page.items.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        {branch ? `No recent runs on ${branch}.` : 'No recent runs.'}
      </Typography>
    );
  }
  return (
    <Table size="small" aria-label="Recent workflow runs">
      <TableHead>
        <TableRow>
          <TableCell>Status</TableCell>
          <TableCell>Run</TableCell>
          <TableCell>Branch</TableCell>
          <TableCell>Started</TableCell>
          <TableCell>Duration</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {page.items.map(run => (
          <TableRow key={`${run.id}-${run.runAttempt}`}>
            <TableCell>
              <RunStatus run={run} />
            </TableCell>
            <TableCell>
              <Link to={run.htmlUrl}>{run.workflowName}</Link>
              <span className={classes.secondary}>
                {run.name !== run.workflowName ? `${run.name} · ` : ''}
                {run.event}
                {run.runAttempt > 1 ? ` · attempt ${run.runAttempt}` : ''}
              </span>
            </TableCell>
            <TableCell>{run.branch}</TableCell>
            <TableCell>
              {run.startedAt ? formatRelative(run.startedAt, now) : '—'}
            </TableCell>
            <TableCell>{runDuration(run, now)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function gitHubLink(status: SyncStatus | undefined) {
  if (!status) {
    return undefined;
  }
  return {
    link: `https://${status.host}/${status.repository}/actions`,
    title: 'All workflow runs on GitHub',
  };
}

function WorkflowRunsCard(props: { entityRef: CompoundEntityRef }) {
  const { entityRef } = props;
  const classes = useStyles();
  const pulseApi = useApi(pulseApiRef);
  const entityKey = stringifyEntityRef(entityRef);
  const [branch, setBranch] = useState('');

  // The summary carries the first page of recent runs and the sync status: one request for the
  // first paint. Runs are fetched on their own only for a branch filter. Both follow the
  // workflow-runs topic; the summary also the sync topic (a first sync's progress).
  const summary = useLiveData({
    key: `${entityKey}/workflow-summary`,
    load: () =>
      pulseApi.getWorkflowSummary(entityRef, { recentRuns: PAGE_SIZE }),
    subjects: [entitySubject(entityKey, ['workflow-runs', 'sync'])],
    versionsOf: list => ({
      [entityVersionKey(entityKey, 'workflow-runs')]: list.version,
      [entityVersionKey(entityKey, 'sync')]: list.sync.version,
    }),
    pollIntervalMs: list => pollIntervalFor(list?.sync),
  });
  const status = summary.value?.sync;
  const branchRuns = useLiveData({
    key: `${entityKey}/workflow-runs?branch=${branch}`,
    enabled: branch !== '',
    load: () =>
      pulseApi.getWorkflowRuns(entityRef, { branch, limit: PAGE_SIZE }),
    subjects: [entitySubject(entityKey, ['workflow-runs'])],
    versionsOf: page => ({
      [entityVersionKey(entityKey, 'workflow-runs')]: page.version,
    }),
    pollIntervalMs: () => pollIntervalFor(status),
  });
  const runs: { value?: WorkflowRunPage; error?: Error } = branch
    ? branchRuns
    : { value: summary.value?.recentRuns };
  const { reload: reloadSummary } = summary;
  const { reload: reloadRuns } = branchRuns;
  const sync = useEntitySync(
    entityRef,
    status,
    useCallback(() => {
      reloadSummary();
      reloadRuns();
    }, [reloadSummary, reloadRuns]),
  );

  // Branches seen in any answer so far, so that filtering by one keeps the others selectable.
  const [seenBranches, setSeenBranches] = useState<string[]>([]);
  const runItems = runs.value?.items;
  useEffect(() => {
    if (!runItems) {
      return;
    }
    setSeenBranches(previous => {
      const missing = runItems
        .map(run => run.branch)
        .filter(name => !previous.includes(name));
      return missing.length === 0
        ? previous
        : [...previous, ...new Set(missing)];
    });
  }, [runItems]);

  const error = summary.error ?? runs.error;
  if (error && isNotFound(error)) {
    return (
      <GitHubSyncCard
        title={TITLE}
        entityRef={entityKey}
        sync={sync}
        refreshable={false}
        live={summary.live}
      >
        <DataErrorState error={error} />
      </GitHubSyncCard>
    );
  }

  const lastSyncedAt = summary.value?.lastSyncedAt ?? runs.value?.lastSyncedAt;
  const now = DateTime.now();

  let content;
  if (summary.error || (runs.error && !branch)) {
    content = <DataErrorState error={(summary.error ?? runs.error)!} />;
  } else if (!summary.value || (!runs.value && !branch)) {
    content = <Progress />;
  } else if (
    summary.value.items.length === 0 &&
    !branch &&
    runs.value?.items.length === 0
  ) {
    content = (
      <EmptyState
        missing="data"
        title="No workflow runs"
        description={
          sync.status?.state === 'backfilling'
            ? 'Pulse is still importing the history of this repository from GitHub.'
            : 'This repository has no GitHub Actions workflow runs yet.'
        }
      />
    );
  } else {
    const defaultBranch = summary.value.defaultBranch;
    const branches = branchOptions(defaultBranch, [
      ...seenBranches,
      ...summary.value.items.flatMap(w =>
        w.latestRun ? [w.latestRun.branch] : [],
      ),
      ...(branch ? [branch] : []),
    ]);
    let runsContent;
    if (runs.value) {
      runsContent = <RunsTable page={runs.value} branch={branch} now={now} />;
    } else if (runs.error) {
      runsContent = <DataErrorState error={runs.error} />;
    } else {
      runsContent = <Progress />;
    }

    content = (
      <>
        <Box className={classes.section}>
          <Typography variant="subtitle2" gutterBottom>
            {defaultBranch ? `Latest on ${defaultBranch}` : 'Latest runs'}
          </Typography>
          <SummaryTable summary={summary.value} now={now} />
        </Box>
        <Box>
          <Box className={classes.sectionHeader}>
            <Typography variant="subtitle2">Recent runs</Typography>
            <TextField
              className={classes.branchFilter}
              select
              size="small"
              margin="none"
              label="Branch"
              value={branch}
              onChange={event => setBranch(event.target.value)}
              SelectProps={{ native: true }}
              InputLabelProps={{ shrink: true }}
              id="pulse-workflow-runs-branch"
            >
              <option value="">All branches</option>
              {branches.map(name => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </TextField>
          </Box>
          {runsContent}
        </Box>
      </>
    );
  }

  return (
    <GitHubSyncCard
      entityRef={entityKey}
      title={TITLE}
      sync={sync}
      live={summary.live}
      lastSyncedAt={lastSyncedAt}
      deepLink={gitHubLink(sync.status)}
    >
      {content}
    </GitHubSyncCard>
  );
}

/**
 * Card with the CI health of the current entity's GitHub repository: each workflow's latest run on
 * the default branch with its success rate, and the recent runs on any branch.
 */
export const EntityWorkflowRunsCard = () => {
  const { entity } = useEntity();

  if (!isPulseAvailable(entity)) {
    return (
      <InfoCard title={TITLE}>
        <MissingAnnotationEmptyState
          annotation={GITHUB_PROJECT_SLUG_ANNOTATION}
        />
      </InfoCard>
    );
  }
  return <WorkflowRunsCard entityRef={getCompoundEntityRef(entity)} />;
};
