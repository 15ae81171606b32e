import {
  Entity,
  getCompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  EmptyState,
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
  StructuredMetadataTable,
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
  TrackedEntity,
} from '@pulse-oss/plugin-pulse-common';
import Box from '@material-ui/core/Box';
import LinearProgress from '@material-ui/core/LinearProgress';
import { DateTime } from 'luxon';
import { pulseApiRef } from '../../api';
import {
  entitySubject,
  entityVersionKey,
  LiveStatus,
  pollIntervalFor,
  useLiveData,
} from '../../live';
import { errorMessage, isNotFound } from '../../shared/errors';
import { formatRelative } from '../../shared/time';
import { StatusLabel } from '../StatusLabel';

function RelativeTime(props: { value: string }) {
  const time = DateTime.fromISO(props.value);
  if (!time.isValid) {
    return <>{props.value}</>;
  }
  return (
    <time
      dateTime={props.value}
      title={time.toLocaleString(DateTime.DATETIME_FULL)}
    >
      {formatRelative(props.value)}
    </time>
  );
}

/** Where the repository's sync stands: the first sync's progress, a pause, a failure, or when it last ran. */
function SyncState(props: { status: SyncStatus }) {
  const { status } = props;
  const requested = status.requestedAt ? ' · sync requested' : '';
  switch (status.state) {
    case 'backfilling': {
      const percent = Math.max(
        0,
        Math.min(100, Math.round(status.progressPercent)),
      );
      return (
        <Box minWidth={160}>
          <StatusLabel kind="running">
            {`First sync ${percent}% · ${status.itemsSynced.toLocaleString(
              'en-US',
            )} items`}
          </StatusLabel>
          <LinearProgress
            variant="determinate"
            value={percent}
            aria-label="First sync from GitHub"
          />
        </Box>
      );
    }
    case 'pending':
      return (
        <StatusLabel kind="pending">{`Waiting for its first sync${requested}`}</StatusLabel>
      );
    case 'syncing':
      return <StatusLabel kind="running">Syncing now</StatusLabel>;
    case 'paused':
      return (
        <StatusLabel kind="warning">
          {`Paused until ${
            status.pausedUntil
              ? DateTime.fromISO(status.pausedUntil).toLocaleString(
                  DateTime.TIME_SIMPLE,
                )
              : 'later'
          }: GitHub rate limit`}
        </StatusLabel>
      );
    case 'error':
      return (
        <StatusLabel kind="error">
          {`Last sync failed: ${status.lastError?.message ?? 'unknown error'}`}
        </StatusLabel>
      );
    default:
      return status.lastSyncedAt ? (
        <StatusLabel kind="ok">
          Synced <RelativeTime value={status.lastSyncedAt} />
          {requested}
        </StatusLabel>
      ) : (
        <StatusLabel kind="pending">{`Not synced yet${requested}`}</StatusLabel>
      );
  }
}

interface PulseStatus {
  tracked: TrackedEntity;
  /** Undefined when the repository has no sync (an invalid link). */
  sync?: SyncStatus;
  syncError?: Error;
}

function TrackedEntityDetails(props: {
  status: PulseStatus;
  annotation: string;
}) {
  const { tracked, sync, syncError } = props.status;
  const { repository, valid, problems, refreshedAt } = tracked;

  const metadata: Record<string, unknown> = {
    repository: repository ? (
      <Link to={repository.htmlUrl}>{repository.slug}</Link>
    ) : (
      `${props.annotation} (not a valid owner/repo)`
    ),
  };
  if (repository) {
    metadata.host = repository.host;
  }
  metadata.link = valid ? (
    <StatusLabel kind="ok">Valid</StatusLabel>
  ) : (
    <StatusLabel kind="error">Invalid</StatusLabel>
  );
  if (!valid && problems.length > 0) {
    metadata.problems = problems;
  }
  if (sync) {
    metadata.sync = <SyncState status={sync} />;
  } else if (syncError) {
    metadata.sync = `Could not read the sync status: ${errorMessage(
      syncError,
    )}`;
  }
  metadata.lastRefreshed = <RelativeTime value={refreshedAt} />;

  return <StructuredMetadataTable metadata={metadata} />;
}

const TITLE = 'Pulse';

function PulseStatusCard(props: { entity: Entity }) {
  const { entity } = props;
  const pulseApi = useApi(pulseApiRef);
  const ref = getCompoundEntityRef(entity);
  const entityKey = stringifyEntityRef(entity);
  const annotation =
    entity.metadata.annotations?.[GITHUB_PROJECT_SLUG_ANNOTATION] ?? '';

  // The link changes rarely; the sync moves, and its progress shows live through the sync topic.
  const { value, loading, error, live } = useLiveData<PulseStatus>({
    key: entityKey,
    load: async () => {
      const [tracked, sync] = await Promise.all([
        pulseApi.getTrackedEntity(ref),
        pulseApi.getSyncStatus(ref).then(
          status => ({ status }),
          (syncError: Error) => ({ syncError }),
        ),
      ]);
      if ('status' in sync) {
        return { tracked, sync: sync.status };
      }
      return isNotFound(sync.syncError)
        ? { tracked }
        : { tracked, syncError: sync.syncError };
    },
    subjects: [entitySubject(entityKey, ['sync'])],
    versionsOf: status =>
      status.sync
        ? { [entityVersionKey(entityKey, 'sync')]: status.sync.version }
        : {},
    pollIntervalMs: status => pollIntervalFor(status?.sync),
  });

  let content;
  if (loading && !value) {
    content = <Progress />;
  } else if (error && isNotFound(error)) {
    content = (
      <EmptyState
        missing="info"
        title="Not tracked by Pulse"
        description={error.cause.message}
      />
    );
  } else if (error) {
    content = <ResponseErrorPanel error={error} />;
  } else if (value) {
    content = <TrackedEntityDetails status={value} annotation={annotation} />;
  }

  return (
    <InfoCard title={TITLE} subheader={<LiveStatus live={live} />}>
      {content}
    </InfoCard>
  );
}

/**
 * Card showing the GitHub repository Pulse links the current entity to, whether that link works,
 * and where its sync stands (a first sync's progress live).
 */
export const EntityPulseStatusCard = () => {
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
  return <PulseStatusCard entity={entity} />;
};
