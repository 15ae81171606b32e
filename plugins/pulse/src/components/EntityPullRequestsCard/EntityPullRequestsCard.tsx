import {
  CompoundEntityRef,
  getCompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  Avatar,
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
  CiState,
  GITHUB_PROJECT_SLUG_ANNOTATION,
  isPulseAvailable,
  PullRequest,
  PullRequestPage,
  ReviewDecision,
  SyncStatus,
} from '@pulse-oss/plugin-pulse-common';
import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemAvatar from '@material-ui/core/ListItemAvatar';
import ListItemText from '@material-ui/core/ListItemText';
import { makeStyles } from '@material-ui/core/styles';
import Tab from '@material-ui/core/Tab';
import Tabs from '@material-ui/core/Tabs';
import Tooltip from '@material-ui/core/Tooltip';
import { DateTime } from 'luxon';
import { useState } from 'react';
import { pulseApiRef } from '../../api';
import {
  entitySubject,
  entityVersionKey,
  pollIntervalFor,
  useLiveData,
} from '../../live';
import { isNotFound } from '../../shared/errors';
import { formatRelative } from '../../shared/time';
import {
  DataErrorState,
  GitHubSyncCard,
  useEntitySync,
} from '../GitHubSyncCard';
import { pullRequestSize } from './pullRequestSize';
import { DEFAULT_STALE_AFTER_DAYS } from './config';
import { daysWithoutActivity, isStale } from './staleness';
import { StatusLabel } from '../StatusLabel';

const TITLE = 'Pull requests';
const PAGE_SIZE = 20;

type PullRequestTab = 'open' | 'merged';

const useStyles = makeStyles(theme => ({
  item: {
    alignItems: 'flex-start',
  },
  stale: {
    borderLeft: `4px solid ${theme.palette.warning.main}`,
    backgroundColor: theme.palette.action.hover,
  },
  avatar: {
    width: 32,
    height: 32,
  },
  avatarText: {
    fontSize: '0.75rem',
  },
  title: {
    marginRight: theme.spacing(1),
  },
  chip: {
    marginRight: theme.spacing(0.5),
  },
  staleChip: {
    marginRight: theme.spacing(0.5),
    backgroundColor: theme.palette.warning.main,
    color: theme.palette.warning.contrastText,
  },
  state: {
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'flex-end',
    flexShrink: 0,
    marginLeft: theme.spacing(2),
    marginTop: theme.spacing(0.75),
    gap: theme.spacing(0.5),
  },
  tabs: {
    marginBottom: theme.spacing(1),
  },
}));

function ReviewState(props: { decision: ReviewDecision | null }) {
  switch (props.decision) {
    case 'approved':
      return <StatusLabel kind="ok">Approved</StatusLabel>;
    case 'changes_requested':
      return <StatusLabel kind="error">Changes requested</StatusLabel>;
    case 'review_required':
      return <StatusLabel kind="pending">Review required</StatusLabel>;
    default:
      return null;
  }
}

function CiStatus(props: { state: CiState }) {
  switch (props.state) {
    case 'success':
      return <StatusLabel kind="ok">Checks passed</StatusLabel>;
    case 'failure':
      return <StatusLabel kind="error">Checks failed</StatusLabel>;
    case 'pending':
      return <StatusLabel kind="pending">Checks running</StatusLabel>;
    default:
      return null;
  }
}

function PullRequestItem(props: {
  pr: PullRequest;
  staleAfterDays: number;
  now: DateTime;
}) {
  const { pr, staleAfterDays, now } = props;
  const classes = useStyles();
  const stale = isStale(pr, staleAfterDays, now);
  const size = pullRequestSize(pr);
  const changed = pr.additions + pr.deletions;

  const secondary =
    pr.state === 'merged' && pr.mergedAt ? (
      <>
        by {pr.author.login}, merged {formatRelative(pr.mergedAt, now)}
      </>
    ) : (
      <>
        opened {formatRelative(pr.createdAt, now)} by {pr.author.login}
        {stale && <> · no activity for {daysWithoutActivity(pr, now)} days</>}
      </>
    );

  return (
    <ListItem
      divider
      className={`${classes.item} ${stale ? classes.stale : ''}`}
      data-testid={`pull-request-${pr.number}`}
      data-stale={stale}
    >
      <ListItemAvatar>
        <Avatar
          displayName={pr.author.login}
          picture={pr.author.avatarUrl ?? undefined}
          classes={{ avatar: classes.avatar, avatarText: classes.avatarText }}
        />
      </ListItemAvatar>
      <ListItemText
        disableTypography
        primary={
          <Box display="flex" flexWrap="wrap" alignItems="center">
            <Link to={pr.htmlUrl} className={classes.title}>
              #{pr.number} {pr.title}
            </Link>
            {pr.draft && (
              <Chip
                className={classes.chip}
                size="small"
                variant="outlined"
                label="Draft"
              />
            )}
            <Tooltip
              title={`+${pr.additions} −${pr.deletions} in ${
                pr.changedFiles
              } file${pr.changedFiles === 1 ? '' : 's'}`}
            >
              <Chip
                className={classes.chip}
                size="small"
                label={size}
                aria-label={`Size ${size}, ${changed} line${
                  changed === 1 ? '' : 's'
                } changed`}
              />
            </Tooltip>
            {stale && (
              <Chip className={classes.staleChip} size="small" label="Stale" />
            )}
          </Box>
        }
        secondary={
          <Box component="span" color="text.secondary" fontSize="0.875rem">
            {secondary}
          </Box>
        }
      />
      {pr.state === 'open' && (
        <div className={classes.state}>
          <ReviewState decision={pr.reviewDecision} />
          <CiStatus state={pr.ciState} />
        </div>
      )}
    </ListItem>
  );
}

function PullRequestList(props: {
  page: PullRequestPage;
  tab: PullRequestTab;
  staleAfterDays: number;
  backfilling: boolean;
}) {
  const { page, tab, staleAfterDays, backfilling } = props;
  if (page.items.length === 0) {
    const title =
      tab === 'open'
        ? 'No open pull requests'
        : 'No recently merged pull requests';
    return (
      <EmptyState
        missing="data"
        title={title}
        description={
          backfilling
            ? 'Pulse is still importing the history of this repository from GitHub.'
            : undefined
        }
      />
    );
  }
  const now = DateTime.now();
  return (
    <List dense disablePadding aria-label={`${tab} pull requests`}>
      {page.items.map(pr => (
        <PullRequestItem
          key={pr.number}
          pr={pr}
          staleAfterDays={staleAfterDays}
          now={now}
        />
      ))}
    </List>
  );
}

function gitHubLink(status: SyncStatus | undefined, tab: PullRequestTab) {
  if (!status) {
    return undefined;
  }
  const repositoryUrl = `https://${status.host}/${status.repository}`;
  return tab === 'open'
    ? {
        link: `${repositoryUrl}/pulls`,
        title: 'Open pull requests on GitHub',
      }
    : {
        link: `${repositoryUrl}/pulls?q=${encodeURIComponent(
          'is:pr is:merged',
        )}`,
        title: 'Merged pull requests on GitHub',
      };
}

function PullRequestsCard(props: {
  entityRef: CompoundEntityRef;
  staleAfterDays: number;
}) {
  const { entityRef, staleAfterDays } = props;
  const classes = useStyles();
  const pulseApi = useApi(pulseApiRef);
  const [tab, setTab] = useState<PullRequestTab>('open');
  const entityKey = stringifyEntityRef(entityRef);

  // The page carries the sync status: the pull-requests topic and the sync topic (a first sync's
  // progress) both refetch it.
  const pullRequests = useLiveData({
    key: `${entityKey}?state=${tab}`,
    load: () =>
      pulseApi.getPullRequests(entityRef, { state: tab, limit: PAGE_SIZE }),
    subjects: [entitySubject(entityKey, ['pull-requests', 'sync'])],
    versionsOf: page => ({
      [entityVersionKey(entityKey, 'pull-requests')]: page.version,
      ...(page.sync && {
        [entityVersionKey(entityKey, 'sync')]: page.sync.version,
      }),
    }),
    pollIntervalMs: page => pollIntervalFor(page?.sync),
  });
  const status = pullRequests.value?.sync;
  const sync = useEntitySync(entityRef, status, pullRequests.reload);

  const error = pullRequests.error;
  if (error && isNotFound(error)) {
    return (
      <GitHubSyncCard
        title={TITLE}
        entityRef={entityKey}
        sync={sync}
        refreshable={false}
        live={pullRequests.live}
      >
        <DataErrorState error={error} />
      </GitHubSyncCard>
    );
  }

  let content;
  if (pullRequests.value) {
    content = (
      <PullRequestList
        page={pullRequests.value}
        tab={tab}
        staleAfterDays={staleAfterDays}
        backfilling={sync.status?.state === 'backfilling'}
      />
    );
  } else if (pullRequests.error) {
    content = <DataErrorState error={pullRequests.error} />;
  } else {
    content = <Progress />;
  }

  return (
    <GitHubSyncCard
      entityRef={entityKey}
      title={TITLE}
      sync={sync}
      live={pullRequests.live}
      lastSyncedAt={pullRequests.value?.lastSyncedAt}
      deepLink={gitHubLink(sync.status, tab)}
    >
      <Tabs
        className={classes.tabs}
        value={tab}
        onChange={(_event, value: PullRequestTab) => setTab(value)}
        indicatorColor="primary"
        textColor="primary"
        aria-label="Pull request state"
      >
        <Tab value="open" label="Open" />
        <Tab value="merged" label="Recently merged" />
      </Tabs>
      {content}
    </GitHubSyncCard>
  );
}

/**
 * Props of {@link EntityPullRequestsCard}.
 *
 * @public
 */
export interface EntityPullRequestsCardProps {
  /** Open pull requests without activity for longer than this many days are highlighted. Defaults to 7. */
  staleAfterDays?: number;
}

/** Card with the open and recently merged pull requests of the current entity's GitHub repository. */
export const EntityPullRequestsCard = (props: EntityPullRequestsCardProps) => {
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
  return (
    <PullRequestsCard
      entityRef={getCompoundEntityRef(entity)}
      staleAfterDays={props.staleAfterDays ?? DEFAULT_STALE_AFTER_DAYS}
    />
  );
};
