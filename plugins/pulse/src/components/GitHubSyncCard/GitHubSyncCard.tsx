import { BottomLinkProps, InfoCard } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import IconButton from '@material-ui/core/IconButton';
import LinearProgress from '@material-ui/core/LinearProgress';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import RefreshIcon from '@material-ui/icons/Refresh';
import Alert from '@material-ui/lab/Alert';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  pulseSyncRequestPermission,
  SyncStatus,
} from '@pulse-oss/plugin-pulse-common';
import { DateTime } from 'luxon';
import { ReactNode } from 'react';
import { LiveInfo, LiveStatus } from '../../live';
import { formatRelative } from '../../shared/time';
import { EntitySync } from './useEntitySync';

function RelativeTime(props: { value: string }) {
  const time = DateTime.fromISO(props.value);
  return (
    <time
      dateTime={props.value}
      title={time.isValid ? time.toLocaleString(DateTime.DATETIME_FULL) : ''}
    >
      {formatRelative(props.value)}
    </time>
  );
}

function Freshness(props: {
  status?: SyncStatus;
  lastSyncedAt?: string | null;
}) {
  const { status } = props;
  const lastSyncedAt =
    status !== undefined ? status.lastSyncedAt : props.lastSyncedAt;
  if (lastSyncedAt === undefined) {
    return null;
  }

  const notes: ReactNode[] = [];
  if (status?.requestedAt) {
    notes.push('sync requested');
  }
  if (status?.state === 'paused' && status.pausedUntil) {
    notes.push(
      <>
        GitHub rate limit reached, paused until{' '}
        {DateTime.fromISO(status.pausedUntil).toLocaleString(
          DateTime.TIME_SIMPLE,
        )}
      </>,
    );
  }
  if (status?.state === 'error' && status.lastError) {
    notes.push(`last sync failed: ${status.lastError.message}`);
  }

  return (
    <span data-testid="pulse-sync-freshness">
      {lastSyncedAt ? (
        <>
          synced <RelativeTime value={lastSyncedAt} />
        </>
      ) : (
        'not synced yet'
      )}
      {notes.map((note, index) => (
        <span key={index}> · {note}</span>
      ))}
    </span>
  );
}

function BackfillProgress(props: { status: SyncStatus }) {
  const percent = Math.max(
    0,
    Math.min(100, Math.round(props.status.progressPercent)),
  );
  return (
    <Box mb={2}>
      <Typography variant="body2" color="textSecondary" gutterBottom>
        Syncing {percent}% · {props.status.itemsSynced.toLocaleString('en-US')}{' '}
        items so far
      </Typography>
      <LinearProgress
        variant="determinate"
        value={percent}
        aria-label="Syncing from GitHub"
      />
    </Box>
  );
}

/** Props of {@link GitHubSyncCard}. */
export interface GitHubSyncCardProps {
  title: string;
  sync: EntitySync;
  /** The freshness the data itself reported, shown until the sync status has loaded. */
  lastSyncedAt?: string | null;
  /** The entity whose repository the card shows (for the refresh permission). */
  entityRef: string;
  /** How the card's data stays current, shown beside the freshness. */
  live?: LiveInfo;
  /** False when there is nothing to sync, e.g. the entity is not tracked. */
  refreshable?: boolean;
  deepLink?: BottomLinkProps;
  children: ReactNode;
}

/**
 * An `InfoCard` for data synced from GitHub: last-synced time in the subheader, a refresh action,
 * the progress of a first sync, and why a refresh request failed.
 */
export function GitHubSyncCard(props: GitHubSyncCardProps) {
  const { title, sync, refreshable = true, deepLink, children } = props;
  const { status, requesting, message, requestSync, dismissMessage } = sync;
  const canSync = usePermission({
    permission: pulseSyncRequestPermission,
    resourceRef: props.entityRef,
  });

  const action =
    refreshable && canSync.allowed ? (
      <Tooltip title="Sync from GitHub now">
        <span>
          <IconButton
            aria-label="Refresh"
            onClick={() => {
              requestSync();
            }}
            disabled={requesting}
          >
            <RefreshIcon />
          </IconButton>
        </span>
      </Tooltip>
    ) : undefined;

  return (
    <InfoCard
      title={title}
      subheader={
        <Box
          component="span"
          display="flex"
          flexWrap="wrap"
          alignItems="center"
          style={{ gap: 8 }}
        >
          <Freshness status={status} lastSyncedAt={props.lastSyncedAt} />
          {props.live && <LiveStatus live={props.live} />}
        </Box>
      }
      action={action}
      deepLink={deepLink}
    >
      {message && (
        <Box mb={2}>
          <Alert severity={message.severity} onClose={dismissMessage}>
            {message.message}
          </Alert>
        </Box>
      )}
      {status?.state === 'backfilling' && <BackfillProgress status={status} />}
      {children}
    </InfoCard>
  );
}
