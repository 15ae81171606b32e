import {
  Entity,
  getCompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { EmptyState } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { EntityRefLink, useEntity } from '@backstage/plugin-catalog-react';
import type {
  EntityDeliveryMetrics,
  MemberDeliveryFigures,
  MemberKeyFigure,
  MetricItemsKind,
} from '@pulse-oss/plugin-pulse-common';
import Box from '@material-ui/core/Box';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { useState } from 'react';
import { pulseApiRef } from '../../api';
import { entitySubject, entityVersionKey, useLiveData } from '../../live';
import { formatDuration, formatRelative } from '../../shared/time';
import { FlowAndCi } from './EntityDeliveryMetricsCard';
import { LEVEL_LABELS, percent, perWeek } from './figures';
import { KeyTileGrid, LEVEL_COLOURS } from './KeyTileGrid';
import { MetricsCardFrame, MetricsDrill } from './MetricsCardFrame';

/** A team's card follows at most this many of its members' channels. */
const MAX_MEMBER_CHANNELS = 200;

function KeyCell(props: {
  figure: MemberKeyFigure;
  format: (value: number) => string;
}) {
  const { figure, format } = props;
  return (
    <TableCell align="right">
      {figure.value === null ? '—' : format(figure.value)}
      <Typography
        variant="caption"
        component="span"
        display="block"
        style={
          figure.level ? { color: LEVEL_COLOURS[figure.level] } : undefined
        }
        color={figure.level ? undefined : 'textSecondary'}
      >
        {figure.level ? LEVEL_LABELS[figure.level] : 'not enough data'}
      </Typography>
    </TableCell>
  );
}

function MembersTable(props: { members: MemberDeliveryFigures[] }) {
  return (
    <Table size="small" aria-label="Delivery metrics per member">
      <TableHead>
        <TableRow>
          <TableCell>Entity</TableCell>
          <TableCell align="right">Deploys</TableCell>
          <TableCell align="right">Lead time (p50)</TableCell>
          <TableCell align="right">Change failure</TableCell>
          <TableCell align="right">Time to restore (p50)</TableCell>
          <TableCell align="right">Pull requests</TableCell>
          <TableCell align="right">CI</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {props.members.map(member => (
          <TableRow key={member.entityRef}>
            <TableCell>
              <EntityRefLink
                entityRef={member.entityRef}
                defaultKind="component"
              />
            </TableCell>
            <KeyCell figure={member.deploymentFrequency} format={perWeek} />
            <KeyCell figure={member.leadTime} format={formatDuration} />
            <KeyCell figure={member.changeFailureRate} format={percent} />
            <KeyCell figure={member.timeToRestore} format={formatDuration} />
            <TableCell align="right">
              {member.pullRequests.merged} merged
              <Typography
                variant="caption"
                component="span"
                display="block"
                color="textSecondary"
              >
                {member.pullRequests.open} open
              </Typography>
            </TableCell>
            <TableCell align="right">
              {member.ci.successRate === null
                ? '—'
                : percent(member.ci.successRate)}
              <Typography
                variant="caption"
                component="span"
                display="block"
                color={member.ci.redNow ? 'error' : 'textSecondary'}
              >
                {member.ci.redNow
                  ? 'default branch red'
                  : `${member.ci.runs} runs`}
              </Typography>
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function MembersDeliveryMetricsContent(props: {
  entity: Entity;
  /** What the members are to the entity, for the empty state. */
  members: string;
}) {
  const { entity } = props;
  const pulseApi = useApi(pulseApiRef);
  const entityKey = stringifyEntityRef(entity);
  const ref = getCompoundEntityRef(entity);
  const [windowDays, setWindowDays] = useState<number>();
  const [drill, setDrill] = useState<MetricsDrill>();
  const data = useLiveData<EntityDeliveryMetrics>({
    key: `${entityKey}:${windowDays ?? 'default'}`,
    load: () => pulseApi.getDeliveryMetrics(ref, windowDays),
    // The members it showed: one that joins later is seen at the next refetch.
    subjects: value =>
      (value?.members ?? [])
        .slice(0, MAX_MEMBER_CHANNELS)
        .map(member => entitySubject(member.entityRef, ['metrics'])),
    versionsOf: metrics =>
      Object.fromEntries(
        (metrics.members ?? []).map(member => [
          entityVersionKey(member.entityRef, 'metrics'),
          member.version,
        ]),
      ),
    checkBy: 'refetch',
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
        !metrics.members?.length || metrics.computedAt === null ? (
          <EmptyState
            missing="data"
            title="No delivery metrics yet"
            description={`Delivery metrics count ${props.members} that Pulse tracks (with a GitHub repository annotation) and that you may see. None has metrics yet.`}
          />
        ) : (
          <>
            <KeyTileGrid metrics={metrics} open={open} />
            <Box mt={3}>
              <Typography variant="h6" component="h3">
                Side by side
              </Typography>
              <MembersTable members={metrics.members} />
            </Box>
            <FlowAndCi metrics={metrics} open={open} ci={false} />
            <Typography variant="caption" color="textSecondary" component="p">
              {metrics.members.length} counted, a repository several of them
              show once · {metrics.window.firstDay} to {metrics.window.lastDay}{' '}
              ({metrics.window.timeZone}) · computed{' '}
              {formatRelative(metrics.computedAt)} or later · bands from the{' '}
              {metrics.bands.source}
            </Typography>
          </>
        )
      }
    </MetricsCardFrame>
  );
}

/**
 * Card for a group's page: the delivery metrics of everything the group and its child groups
 * own, counted together, and each of those entities side by side; every number drillable; live.
 */
export const EntityGroupDeliveryMetricsCard = () => {
  const { entity } = useEntity();
  return (
    <MembersDeliveryMetricsContent
      entity={entity}
      members="the entities this group and its child groups own"
    />
  );
};

/**
 * Card for a system's page: the delivery metrics of the entities the system contains, counted
 * together and side by side; every number drillable; live.
 */
export const EntitySystemDeliveryMetricsCard = () => {
  const { entity } = useEntity();
  return (
    <MembersDeliveryMetricsContent
      entity={entity}
      members="the entities this system contains"
    />
  );
};
