import {
  Entity,
  getCompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { EmptyState, InfoCard } from '@backstage/core-components';
import { useApi, useApiHolder } from '@backstage/core-plugin-api';
import { catalogApiRef, useEntity } from '@backstage/plugin-catalog-react';
import { ActivityPage } from '@pulse-oss/plugin-pulse-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import { makeStyles } from '@material-ui/core/styles';
import { useEffect, useMemo, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { pulseApiRef } from '../../api';
import {
  entitySubject,
  entityVersionKey,
  LiveStatus,
  LiveSubject,
  useLiveData,
} from '../../live';
import { CardBody, errorMessage } from '../../shared';
import { ActivityFeed } from './ActivityFeed';
import { feedRows, FeedState, withNewestPage, withOlderPage } from './feed';

const PAGE_SIZE = 25;
/** A team's card follows at most this many of its entities' channels. */
const MAX_TEAM_CHANNELS = 200;

const useStyles = makeStyles(theme => ({
  more: { marginTop: theme.spacing(2), textAlign: 'center' },
}));

/**
 * The entities of a team whose changes its feed shows, as far as the browser knows them: those the
 * group owns (from the catalog, when the app has it) and those its loaded feed names. The backend
 * also walks child groups; their entities join as soon as the feed names them, and the safety
 * interval's refetch covers the rest.
 */
function useTeamEntityRefs(groupRef: string): string[] {
  const catalogApi = useApiHolder().get(catalogApiRef);
  const owned = useAsync(async () => {
    if (!catalogApi || !groupRef) {
      return [];
    }
    const { items } = await catalogApi.getEntities({
      filter: { 'relations.ownedBy': groupRef },
      fields: ['kind', 'metadata.namespace', 'metadata.name'],
    });
    return items.map(entity => stringifyEntityRef(entity));
  }, [catalogApi, groupRef]);
  return owned.value ?? [];
}

type Scope = 'entity' | 'team';

function ActivityCard(props: { entity: Entity; scope: Scope; title: string }) {
  const { entity, scope, title } = props;
  const classes = useStyles();
  const pulseApi = useApi(pulseApiRef);
  const ref = getCompoundEntityRef(entity);
  const entityKey = stringifyEntityRef(entity);
  const ownedRefs = useTeamEntityRefs(scope === 'team' ? entityKey : '');
  const [feed, setFeed] = useState<{ key: string; state: FeedState }>();
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [olderError, setOlderError] = useState<string>();

  // An entity's feed has a version of its own; a team's has none (0), so its card follows the
  // channels of its entities and refetches the newest page on any of their activity hints.
  const newest = useLiveData<ActivityPage>({
    key: entityKey,
    load: () => pulseApi.getActivity(ref, { limit: PAGE_SIZE }),
    subjects: page => {
      if (scope === 'entity') {
        return [entitySubject(entityKey, ['activity'])];
      }
      const refs = new Set(ownedRefs.map(r => r.toLocaleLowerCase('en-US')));
      for (const item of page?.items ?? []) {
        refs.add(item.entityRef);
      }
      return [...refs]
        .slice(0, MAX_TEAM_CHANNELS)
        .map((teamRef): LiveSubject => entitySubject(teamRef, ['activity']));
    },
    versionsOf: page =>
      scope === 'entity'
        ? { [entityVersionKey(entityKey, 'activity')]: page.version }
        : {},
    checkBy: scope === 'team' ? 'refetch' : 'versions',
  });

  const page = newest.value;
  useEffect(() => {
    if (page) {
      setFeed(previous =>
        previous?.key === entityKey
          ? { key: entityKey, state: withNewestPage(previous.state, page) }
          : { key: entityKey, state: withNewestPage(undefined, page) },
      );
    }
  }, [page, entityKey]);
  const state = feed?.key === entityKey ? feed.state : undefined;
  const rows = useMemo(() => (state ? feedRows(state.items) : []), [state]);

  const loadOlder = async () => {
    if (!state?.before) {
      return;
    }
    setLoadingOlder(true);
    setOlderError(undefined);
    try {
      const older = await pulseApi.getActivity(ref, {
        before: state.before,
        limit: PAGE_SIZE,
      });
      setFeed(previous =>
        previous && previous.key === entityKey
          ? { key: entityKey, state: withOlderPage(previous.state, older) }
          : previous,
      );
    } catch (e) {
      setOlderError(errorMessage(e));
    } finally {
      setLoadingOlder(false);
    }
  };

  const body = (shown: FeedState) => {
    if (shown.items.length === 0) {
      return (
        <EmptyState
          missing="data"
          title="No activity yet"
          description={
            scope === 'team'
              ? 'Changes to pull requests, CI, deploys, incidents and on-call of what this team owns show here as they happen.'
              : 'Changes to its pull requests, CI, deploys, incidents and on-call show here as they happen.'
          }
        />
      );
    }
    return (
      <>
        <ActivityFeed rows={rows} showEntity={scope === 'team'} />
        {(shown.before || olderError) && (
          <Box className={classes.more}>
            {olderError && <p role="alert">{olderError}</p>}
            <Button
              variant="outlined"
              onClick={loadOlder}
              disabled={loadingOlder}
            >
              Load older
            </Button>
          </Box>
        )}
      </>
    );
  };

  return (
    <InfoCard title={title} subheader={<LiveStatus live={newest.live} />}>
      <CardBody
        value={state}
        error={newest.error}
        notFoundTitle="No activity to show"
      >
        {body}
      </CardBody>
    </InfoCard>
  );
}

/**
 * Card with what changed about the current entity, newest first, one sentence each: pull
 * requests, CI runs, deploys, incidents and on-call, live.
 */
export const EntityActivityCard = () => {
  const { entity } = useEntity();
  return <ActivityCard entity={entity} scope="entity" title="Activity" />;
};

/**
 * Card for a group's page with what changed about everything the group and its child groups own,
 * newest first, naming the entity of each change, live.
 */
export const EntityGroupActivityCard = () => {
  const { entity } = useEntity();
  return <ActivityCard entity={entity} scope="team" title="Team activity" />;
};
