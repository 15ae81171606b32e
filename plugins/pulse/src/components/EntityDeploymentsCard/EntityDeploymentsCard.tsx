import {
  getCompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  EmptyState,
  InfoCard,
  Link,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import type {
  DeploymentEntry,
  EntityDeployments,
} from '@pulse-oss/plugin-pulse-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import MenuItem from '@material-ui/core/MenuItem';
import TextField from '@material-ui/core/TextField';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { useEffect, useState } from 'react';
import { pulseApiRef } from '../../api';
import {
  entitySubject,
  entityVersionKey,
  LiveStatus,
  useLiveData,
} from '../../live';
import { CardBody } from '../../shared';
import { formatDateTime, formatRelative } from '../../shared/time';
import { StatusKind, StatusLabel } from '../StatusLabel';

const PAGE_SIZE = 10;

function statusOf(entry: DeploymentEntry): { kind: StatusKind; label: string } {
  switch (entry.state) {
    case 'success':
      return { kind: 'ok', label: 'success' };
    case 'inactive':
      // GitHub marks a successful deployment inactive once a newer one succeeds.
      return entry.succeededAt
        ? { kind: 'ok', label: 'succeeded, superseded' }
        : { kind: 'aborted', label: 'inactive' };
    case 'failure':
    case 'error':
      return { kind: 'error', label: entry.state };
    case 'in_progress':
    case 'queued':
    case 'pending':
      return { kind: 'running', label: entry.state.replace('_', ' ') };
    default:
      return { kind: 'pending', label: entry.state ?? 'no status yet' };
  }
}

function Shipped(props: { entry: DeploymentEntry }) {
  const { shipped } = props.entry;
  if (!shipped) {
    return <>—</>;
  }
  if (shipped.baseline) {
    return (
      <Typography variant="body2" color="textSecondary" component="span">
        first of its environment: a baseline
      </Typography>
    );
  }
  return (
    <>
      {shipped.pullRequests.length === 0 && 'no pull request'}
      {shipped.pullRequests.map((pull, index) => (
        <span key={pull.number}>
          {index > 0 && ', '}
          {pull.htmlUrl ? (
            <Link to={pull.htmlUrl} title={pull.title ?? undefined}>
              #{pull.number}
            </Link>
          ) : (
            `#${pull.number}`
          )}
        </span>
      ))}
      {shipped.failed && (
        <Box component="span" ml={1}>
          <StatusLabel kind="error">failed</StatusLabel>
        </Box>
      )}
    </>
  );
}

/** When it succeeded, else when it got its latest status, else when it was created. */
function When(props: { entry: DeploymentEntry }) {
  const { entry } = props;
  const shown = entry.succeededAt ?? entry.statusAt ?? entry.createdAt;
  return <span title={formatDateTime(shown)}>{formatRelative(shown)}</span>;
}

function Created(props: { entry: DeploymentEntry }) {
  const { createdAt } = props.entry;
  return (
    <span title={formatDateTime(createdAt)}>{formatRelative(createdAt)}</span>
  );
}

const shortSha = (entry: DeploymentEntry) => (
  <code title={entry.sha} style={{ whiteSpace: 'nowrap' }}>
    {entry.sha.slice(0, 7)}
  </code>
);

function EnvironmentsTable(props: {
  environments: EntityDeployments['environments'];
}) {
  return (
    <Table size="small" aria-label="Latest deployment per environment">
      <TableHead>
        <TableRow>
          <TableCell>Environment</TableCell>
          <TableCell>Latest</TableCell>
          <TableCell>Last success</TableCell>
          <TableCell>Shipped</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {props.environments.map(environment => {
          const status = statusOf(environment.latest);
          const success = environment.lastSuccess;
          return (
            <TableRow key={environment.environment}>
              <TableCell>
                {environment.environment}
                {environment.production && (
                  <Box component="span" ml={1}>
                    <Chip size="small" label="production" />
                  </Box>
                )}
              </TableCell>
              <TableCell>
                <StatusLabel kind={status.kind}>{status.label}</StatusLabel>{' '}
                {shortSha(environment.latest)} ·{' '}
                <When entry={environment.latest} />
              </TableCell>
              <TableCell>
                {success ? (
                  <>
                    {shortSha(success)} · <When entry={success} />
                  </>
                ) : (
                  'never'
                )}
              </TableCell>
              <TableCell>
                <Shipped entry={success ?? environment.latest} />
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}

/**
 * Card with the current entity's deployments: each environment's latest and last successful
 * deployment with the pull requests it shipped, and the history by environment; live.
 */
export const EntityDeploymentsCard = () => {
  const { entity } = useEntity();
  const pulseApi = useApi(pulseApiRef);
  const entityKey = stringifyEntityRef(entity);
  const ref = getCompoundEntityRef(entity);
  const [environment, setEnvironment] = useState<string>('');
  const data = useLiveData<EntityDeployments>({
    key: `${entityKey}:${environment}`,
    load: () =>
      pulseApi.getDeployments(ref, {
        environment: environment || undefined,
        limit: PAGE_SIZE,
      }),
    subjects: [entitySubject(entityKey, ['deployments', 'metrics'])],
    versionsOf: value => ({
      [entityVersionKey(entityKey, 'deployments')]: value.version,
      [entityVersionKey(entityKey, 'metrics')]: value.metricsVersion,
    }),
  });
  // Older pages, loaded on request; a new first page starts the list again.
  const [older, setOlder] = useState<{
    entries: DeploymentEntry[];
    cursor: string | null;
  }>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<Error>();
  useEffect(() => {
    setOlder(undefined);
    setMoreError(undefined);
  }, [data.value]);

  const body = (value: EntityDeployments) => {
    if (value.environments.length === 0) {
      return (
        <EmptyState
          missing="data"
          title="No deployments yet"
          description="Deployments come from the GitHub deployments of the entity's repository, once it is synced and its delivery metrics are computed."
        />
      );
    }
    const history = [...value.history, ...(older?.entries ?? [])];
    const cursor = older ? older.cursor : value.nextCursor;
    const loadMore = async () => {
      if (!cursor) return;
      setLoadingMore(true);
      try {
        const page = await pulseApi.getDeployments(ref, {
          environment: environment || undefined,
          limit: PAGE_SIZE,
          cursor,
        });
        setOlder(previous => ({
          entries: [...(previous?.entries ?? []), ...page.history],
          cursor: page.nextCursor,
        }));
      } catch (error) {
        setMoreError(error as Error);
      } finally {
        setLoadingMore(false);
      }
    };
    return (
      <>
        <EnvironmentsTable environments={value.environments} />
        <Box mt={3} display="flex" alignItems="center" flexWrap="wrap">
          <Box flexGrow={1}>
            <Typography variant="h6" component="h3">
              History
            </Typography>
          </Box>
          <TextField
            select
            size="small"
            id="pulse-deployments-environment"
            label="Environment"
            value={environment}
            onChange={event => setEnvironment(event.target.value)}
            style={{ minWidth: 180 }}
          >
            <MenuItem value="">All environments</MenuItem>
            {value.environments.map(option => (
              <MenuItem key={option.environment} value={option.environment}>
                {option.environment}
              </MenuItem>
            ))}
          </TextField>
        </Box>
        <Table size="small" aria-label="Deployment history">
          <TableHead>
            <TableRow>
              <TableCell>Created</TableCell>
              <TableCell>Environment</TableCell>
              <TableCell>Status</TableCell>
              <TableCell>SHA</TableCell>
              <TableCell>Shipped</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {history.map(entry => {
              const status = statusOf(entry);
              return (
                <TableRow key={entry.id}>
                  <TableCell>
                    <Created entry={entry} />
                  </TableCell>
                  <TableCell>{entry.environment}</TableCell>
                  <TableCell>
                    <StatusLabel kind={status.kind}>{status.label}</StatusLabel>{' '}
                    <Typography
                      variant="caption"
                      color="textSecondary"
                      component="span"
                    >
                      <When entry={entry} />
                    </Typography>
                  </TableCell>
                  <TableCell>{shortSha(entry)}</TableCell>
                  <TableCell>
                    <Shipped entry={entry} />
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
        {moreError && <ResponseErrorPanel error={moreError} />}
        {cursor && (
          <Button size="small" onClick={loadMore} disabled={loadingMore}>
            Show older deployments
          </Button>
        )}
      </>
    );
  };

  return (
    <InfoCard title="Deployments" subheader={<LiveStatus live={data.live} />}>
      <CardBody
        value={data.value}
        error={data.error}
        notFoundTitle="No deployments"
      >
        {body}
      </CardBody>
    </InfoCard>
  );
};
