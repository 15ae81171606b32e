import { useMemo, useState } from 'react';
import {
  EmptyState,
  Link,
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Checkbox from '@material-ui/core/Checkbox';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import FormGroup from '@material-ui/core/FormGroup';
import FormLabel from '@material-ui/core/FormLabel';
import Tab from '@material-ui/core/Tab';
import Tabs from '@material-ui/core/Tabs';
import { makeStyles } from '@material-ui/core/styles';
import {
  Incident,
  IncidentList as IncidentPage,
  IncidentSeverity,
  IncidentStatus,
} from '@pulse-oss/plugin-pulse-common';
import { useSearchParams } from 'react-router-dom';
import { IncidentQuery, pulseApiRef } from '../../api';
import {
  ASSIGNED_INCIDENTS_CHANNEL,
  incidentsSubject,
  INCIDENTS_CHANNEL,
  LiveStatus,
  LiveSubject,
  useLiveData,
} from '../../live';
import { errorMessage } from '../../shared/errors';
import { formatDateTime, formatElapsed } from '../../shared/time';
import {
  EntityRefList,
  IncidentStatusLabel,
  SEVERITIES,
  STATUSES,
  SeverityChip,
} from '../oncallCommon';

const PAGE_SIZE = 50;

const VIEWS = [
  {
    value: 'mine',
    label: 'Mine',
    empty: 'No incident matching these filters is assigned to you.',
  },
  {
    value: 'team',
    label: 'My team',
    empty: 'No incident matching these filters is assigned to your teams.',
  },
  {
    value: 'all',
    label: 'All open',
    empty: 'No incident matches these filters.',
  },
] as const;

type View = (typeof VIEWS)[number]['value'];

const DEFAULT_STATUSES: IncidentStatus[] = ['triggered', 'acknowledged'];

const useStyles = makeStyles(theme => ({
  filters: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(4),
    margin: theme.spacing(2, 0),
  },
  more: { marginTop: theme.spacing(2), textAlign: 'center' },
  live: { display: 'flex', justifyContent: 'flex-end' },
}));

function parseList<T extends string>(
  value: string | null,
  allowed: readonly T[],
  fallback: T[],
): T[] {
  if (value === null) {
    return fallback;
  }
  return value
    .split(',')
    .filter((item): item is T => (allowed as readonly string[]).includes(item));
}

// The filters live in the URL so that a link to the page, and going back from an incident, keep them.
function useFilters() {
  const [params, setParams] = useSearchParams();
  const view: View = VIEWS.some(v => v.value === params.get('view'))
    ? (params.get('view') as View)
    : 'mine';
  const statuses = parseList(
    params.get('status'),
    STATUSES.map(s => s.value),
    DEFAULT_STATUSES,
  );
  const severities = parseList(
    params.get('severity'),
    SEVERITIES.map(s => s.value),
    SEVERITIES.map(s => s.value),
  );

  const update = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      next.set(key, value);
    }
    setParams(next, { replace: true });
  };

  return {
    view,
    statuses,
    severities,
    setView: (value: View) => update({ view: value }),
    setStatuses: (value: IncidentStatus[]) =>
      update({ status: value.join(',') }),
    setSeverities: (value: IncidentSeverity[]) =>
      update({ severity: value.join(',') }),
  };
}

function toggle<T>(list: T[], item: T, on: boolean): T[] {
  return on ? [...list, item] : list.filter(i => i !== item);
}

function CheckboxFilter<T extends string>(props: {
  label: string;
  options: Array<{ value: T; label: string }>;
  selected: T[];
  onChange: (selected: T[]) => void;
}) {
  const { label, options, selected, onChange } = props;
  return (
    <Box component="fieldset" border={0} padding={0} margin={0}>
      <FormLabel component="legend">{label}</FormLabel>
      <FormGroup row>
        {options.map(option => (
          <FormControlLabel
            key={option.value}
            label={option.label}
            control={
              <Checkbox
                size="small"
                checked={selected.includes(option.value)}
                onChange={e =>
                  onChange(
                    options
                      .map(o => o.value)
                      .filter(v =>
                        toggle(
                          selected,
                          option.value,
                          e.target.checked,
                        ).includes(v),
                      ),
                  )
                }
              />
            }
          />
        ))}
      </FormGroup>
    </Box>
  );
}

const severityRank = (severity: IncidentSeverity) =>
  SEVERITIES.findIndex(s => s.value === severity);

const columns: TableColumn<Incident>[] = [
  {
    title: 'Title',
    field: 'title',
    highlight: true,
    render: incident => (
      <Link to={encodeURIComponent(incident.id)}>{incident.title}</Link>
    ),
  },
  {
    title: 'Service',
    field: 'entityRef',
    render: incident => (
      <EntityRefLink entityRef={incident.entityRef} defaultKind="component" />
    ),
  },
  {
    title: 'Severity',
    field: 'severity',
    customSort: (a, b) => severityRank(a.severity) - severityRank(b.severity),
    render: incident => <SeverityChip severity={incident.severity} />,
  },
  {
    title: 'Status',
    field: 'status',
    render: incident => <IncidentStatusLabel status={incident.status} />,
  },
  {
    title: 'Age',
    field: 'createdAt',
    defaultSort: 'desc',
    customSort: (a, b) => a.createdAt.localeCompare(b.createdAt),
    render: incident => (
      <time
        dateTime={incident.createdAt}
        title={formatDateTime(incident.createdAt)}
      >
        {formatElapsed(incident.createdAt)}
      </time>
    ),
  },
  {
    title: 'Assignees',
    field: 'assignees',
    sorting: false,
    render: incident => <EntityRefList refs={incident.assignees} />,
  },
];

/**
 * What an incident list follows. "Mine" hears of new incidents on the channel only its assignees
 * get, and of changes to the incidents it shows (one reassigned away, say) on the broadcast
 * channel, narrowed to their entities; the team and everyone lists take every incident change.
 */
function listSubjects(view: View, shown: Incident[]): LiveSubject[] {
  if (view !== 'mine') {
    return [incidentsSubject(INCIDENTS_CHANNEL)];
  }
  const entityRefs = shown.map(incident => incident.entityRef);
  return [
    incidentsSubject(ASSIGNED_INCIDENTS_CHANNEL),
    ...(entityRefs.length > 0
      ? [incidentsSubject(INCIDENTS_CHANNEL, entityRefs)]
      : []),
  ];
}

function IncidentResults(props: {
  view: View;
  query: IncidentQuery;
  empty: string;
}) {
  const { view, query, empty } = props;
  const classes = useStyles();
  const pulseApi = useApi(pulseApiRef);
  const [more, setMore] = useState<IncidentPage>();
  const [moreError, setMoreError] = useState<string>();
  const [loadingMore, setLoadingMore] = useState(false);
  const first = useLiveData<IncidentPage>({
    key: JSON.stringify(query),
    load: () => pulseApi.listIncidents(query),
    subjects: page =>
      listSubjects(view, [...(page?.items ?? []), ...(more?.items ?? [])]),
  });

  // A live refetch of the first page may now hold incidents of the pages loaded after it.
  const firstItems = first.value?.items ?? [];
  const firstIds = new Set(firstItems.map(incident => incident.id));
  const items = [
    ...firstItems,
    ...(more?.items ?? []).filter(incident => !firstIds.has(incident.id)),
  ];
  const nextCursor = more ? more.nextCursor : first.value?.nextCursor ?? null;

  const loadMore = async () => {
    if (!nextCursor) {
      return;
    }
    setLoadingMore(true);
    setMoreError(undefined);
    try {
      const page = await pulseApi.listIncidents({
        ...query,
        cursor: nextCursor,
      });
      setMore(prev => ({
        items: [...(prev?.items ?? []), ...page.items],
        nextCursor: page.nextCursor,
      }));
    } catch (e) {
      setMoreError(errorMessage(e));
    } finally {
      setLoadingMore(false);
    }
  };

  const status = (
    <Box className={classes.live}>
      <LiveStatus live={first.live} />
    </Box>
  );
  if (first.loading && !first.value) {
    return <Progress />;
  }
  if (first.error) {
    return <ResponseErrorPanel error={first.error} />;
  }
  if (items.length === 0) {
    return (
      <>
        {status}
        <EmptyState missing="data" title="No incidents" description={empty} />
      </>
    );
  }
  return (
    <>
      {status}
      <Table<Incident>
        title={`${items.length} ${
          items.length === 1 ? 'incident' : 'incidents'
        }`}
        columns={columns}
        data={items}
        options={{ paging: false, search: true, padding: 'dense' }}
      />
      {(nextCursor || moreError) && (
        <Box className={classes.more}>
          {moreError && <p role="alert">{moreError}</p>}
          <Button variant="outlined" onClick={loadMore} disabled={loadingMore}>
            Load more
          </Button>
        </Box>
      )}
    </>
  );
}

/** The incidents the signed-in user, their teams or everyone have, filtered by status and severity. */
export function IncidentList() {
  const classes = useStyles();
  const filters = useFilters();
  const { view, statuses, severities } = filters;

  // Keyed by value: the filter arrays are rebuilt from the URL on every render.
  const statusKey = statuses.join(',');
  const severityKey = severities.join(',');
  const query = useMemo<IncidentQuery>(
    () => ({
      status: statusKey.split(',') as IncidentStatus[],
      // Every severity ticked is no filter at all.
      severity:
        severityKey.split(',').length === SEVERITIES.length
          ? undefined
          : (severityKey.split(',') as IncidentSeverity[]),
      mine: view === 'mine' || undefined,
      team: view === 'team' || undefined,
      limit: PAGE_SIZE,
    }),
    [view, statusKey, severityKey],
  );

  const content =
    statuses.length === 0 || severities.length === 0 ? (
      <EmptyState
        missing="data"
        title="Nothing to show"
        description="Tick at least one status and one severity."
      />
    ) : (
      // A new key per filter starts afresh: no rows or extra pages of the previous filter linger.
      <IncidentResults
        key={`${view}|${statusKey}|${severityKey}`}
        view={view}
        query={query}
        empty={VIEWS.find(v => v.value === view)!.empty}
      />
    );

  return (
    <>
      <Tabs
        value={view}
        onChange={(_, value) => filters.setView(value)}
        indicatorColor="primary"
        aria-label="Whose incidents"
      >
        {VIEWS.map(v => (
          <Tab key={v.value} value={v.value} label={v.label} />
        ))}
      </Tabs>
      <Box className={classes.filters}>
        <CheckboxFilter
          label="Status"
          options={STATUSES}
          selected={statuses}
          onChange={filters.setStatuses}
        />
        <CheckboxFilter
          label="Severity"
          options={SEVERITIES}
          selected={severities}
          onChange={filters.setSeverities}
        />
      </Box>
      {content}
    </>
  );
}
