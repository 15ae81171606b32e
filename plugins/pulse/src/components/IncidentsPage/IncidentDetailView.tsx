import { useState } from 'react';
import {
  EmptyState,
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
  StructuredMetadataTable,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import Box from '@material-ui/core/Box';
import { usePermission } from '@backstage/plugin-permission-react';
import Button from '@material-ui/core/Button';
import DialogContentText from '@material-ui/core/DialogContentText';
import Grid from '@material-ui/core/Grid';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import {
  IncidentDetail,
  IncidentTimelineEntry,
  pulseIncidentUpdatePermission,
} from '@pulse-oss/plugin-pulse-common';
import { useParams } from 'react-router-dom';
import { pulseApiRef } from '../../api';
import {
  entitySubject,
  entityVersionKey,
  LiveStatus,
  useLiveData,
} from '../../live';
import { isNotFound } from '../../shared/errors';
import {
  formatDateTime,
  formatDuration,
  formatRelative,
} from '../../shared/time';
import {
  ActionDialog,
  EntityRefList,
  EntityRefOrText,
  INCIDENT_TRANSITIONS,
  IncidentStatusLabel,
  IncidentTransition,
  IncidentTransitionDialog,
  SeverityChip,
  availableTransitions,
  normalizeUserRef,
} from '../oncallCommon';

const useStyles = makeStyles(theme => ({
  heading: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(2),
  },
  actions: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(2),
  },
  notice: { marginBottom: theme.spacing(2) },
  timeline: { listStyle: 'none', margin: 0, padding: 0 },
  entry: {
    display: 'grid',
    gridTemplateColumns: '11rem 1fr',
    gap: theme.spacing(0, 2),
    padding: theme.spacing(1, 0),
    borderBottom: `1px solid ${theme.palette.divider}`,
  },
  alarming: { color: theme.palette.error.main },
}));

const ENTRY_LABELS: Record<IncidentTimelineEntry['type'], string> = {
  created: 'Created',
  alert_absorbed: 'Alert absorbed',
  notified: 'Notified',
  nobody_on_call: 'Nobody on call',
  acknowledged: 'Acknowledged',
  unacknowledged: 'Unacknowledged',
  ack_timeout: 'Acknowledgement timed out',
  resolved: 'Resolved',
  reassigned: 'Reassigned',
  escalated: 'Escalated',
  note: 'Note',
  escalation_finished: 'Escalation finished',
  watchdog_recovered: 'Recovered by the watchdog',
  ignored_signal: 'Signal ignored',
};

const ALARMING: Array<IncidentTimelineEntry['type']> = [
  'nobody_on_call',
  'ack_timeout',
  'watchdog_recovered',
];

function Instant(props: { iso: string | null }) {
  if (!props.iso) {
    return <>—</>;
  }
  return (
    <time dateTime={props.iso} title={formatRelative(props.iso)}>
      {formatDateTime(props.iso)}
    </time>
  );
}

function Timeline(props: { entries: IncidentTimelineEntry[] }) {
  const classes = useStyles();
  const entries = [...props.entries].sort((a, b) => a.at.localeCompare(b.at));
  return (
    <ol className={classes.timeline} aria-label="Timeline">
      {entries.map(entry => (
        <li key={entry.id} className={classes.entry}>
          <Typography variant="body2" color="textSecondary">
            <Instant iso={entry.at} />
          </Typography>
          <Box>
            <Typography
              variant="subtitle2"
              className={
                ALARMING.includes(entry.type) ? classes.alarming : undefined
              }
            >
              {ENTRY_LABELS[entry.type] ?? entry.type} ·{' '}
              <EntityRefOrText value={entry.actor} />
            </Typography>
            <Typography variant="body2">{entry.message}</Typography>
          </Box>
        </li>
      ))}
    </ol>
  );
}

function Summary(props: { incident: IncidentDetail }) {
  const { incident } = props;
  const metadata: Record<string, unknown> = {
    service: (
      <EntityRefLink entityRef={incident.entityRef} defaultKind="component" />
    ),
    status: <IncidentStatusLabel status={incident.status} />,
    severity: <SeverityChip severity={incident.severity} />,
    opened: (
      <>
        <Instant iso={incident.createdAt} /> (
        {formatRelative(incident.createdAt)})
      </>
    ),
    acknowledged: incident.acknowledgedAt ? (
      <>
        <Instant iso={incident.acknowledgedAt} />
        {incident.timeToAcknowledgeSeconds !== null &&
          ` (after ${formatDuration(incident.timeToAcknowledgeSeconds)})`}
      </>
    ) : (
      'Not yet'
    ),
    resolved: incident.resolvedAt ? (
      <>
        <Instant iso={incident.resolvedAt} />
        {incident.timeToResolveSeconds !== null &&
          ` (after ${formatDuration(incident.timeToResolveSeconds)})`}
      </>
    ) : (
      'Not yet'
    ),
    assignedTo: <EntityRefList refs={incident.assignees} />,
    escalation: `Step ${incident.escalationStep + 1}, round ${
      incident.escalationRound + 1
    } of policy ${incident.escalationPolicyId}`,
    nextEscalation:
      incident.status === 'triggered' && incident.nextEscalationAt ? (
        <>
          <Instant iso={incident.nextEscalationAt} /> (
          {formatRelative(incident.nextEscalationAt)})
        </>
      ) : (
        'None planned'
      ),
    source: incident.htmlUrl ? (
      <Link to={incident.htmlUrl}>{incident.source}</Link>
    ) : (
      incident.source
    ),
    alerts: incident.alertCount,
    dedupKey: incident.dedupKey,
  };
  return <StructuredMetadataTable metadata={metadata} />;
}

function ReassignDialog(props: {
  incident: IncidentDetail;
  onClose: () => void;
  onDone: (message: string) => void;
  onFailed: () => void;
}) {
  const { incident, onClose, onDone, onFailed } = props;
  const pulseApi = useApi(pulseApiRef);
  const [value, setValue] = useState('');
  const [invalid, setInvalid] = useState<string>();

  return (
    <ActionDialog
      title="Reassign this incident?"
      confirmLabel="Reassign"
      onClose={onClose}
      onConfirm={async () => {
        const userRef = normalizeUserRef(value);
        if (!userRef) {
          setInvalid('Enter a user, such as user:default/jane.doe or jane.doe');
          return false;
        }
        try {
          await pulseApi.reassignIncident(incident.id, userRef);
        } catch (e) {
          onFailed();
          throw e;
        }
        onDone(`Reassigned "${incident.title}" to ${userRef}`);
        return true;
      }}
    >
      <DialogContentText component="div">
        <p>
          <strong>{incident.title}</strong>
        </p>
        <p>
          The person you name is assigned the incident and paged now. The
          current assignees are no longer paged for it.
        </p>
      </DialogContentText>
      <TextField
        id="pulse-reassign-user"
        label="User"
        value={value}
        onChange={e => {
          setValue(e.target.value);
          setInvalid(undefined);
        }}
        error={Boolean(invalid)}
        helperText={invalid ?? 'A user entity ref, e.g. user:default/jane.doe'}
        required
        fullWidth
        margin="normal"
      />
    </ActionDialog>
  );
}

function NoteDialog(props: {
  incident: IncidentDetail;
  onClose: () => void;
  onDone: (message: string) => void;
  onFailed: () => void;
}) {
  const { incident, onClose, onDone, onFailed } = props;
  const pulseApi = useApi(pulseApiRef);
  const [text, setText] = useState('');
  const [invalid, setInvalid] = useState<string>();

  return (
    <ActionDialog
      title="Add a note to the timeline?"
      confirmLabel="Add note"
      onClose={onClose}
      onConfirm={async () => {
        if (!text.trim()) {
          setInvalid('Write the note first');
          return false;
        }
        try {
          await pulseApi.addIncidentNote(incident.id, text.trim());
        } catch (e) {
          onFailed();
          throw e;
        }
        onDone(`Added a note to "${incident.title}"`);
        return true;
      }}
    >
      <DialogContentText>
        Everyone working on <strong>{incident.title}</strong> sees the note in
        its timeline, with your name and the time.
      </DialogContentText>
      <TextField
        id="pulse-incident-note"
        label="Note"
        value={text}
        onChange={e => {
          setText(e.target.value);
          setInvalid(undefined);
        }}
        error={Boolean(invalid)}
        helperText={invalid}
        required
        multiline
        minRows={3}
        fullWidth
        margin="normal"
      />
    </ActionDialog>
  );
}

type PendingAction = IncidentTransition | 'reassign' | 'note';

function IncidentView(props: {
  incident: IncidentDetail;
  refresh: () => void;
}) {
  const { incident, refresh } = props;
  const classes = useStyles();
  const [pending, setPending] = useState<PendingAction>();
  const [notice, setNotice] = useState<string>();
  const available = availableTransitions(incident);
  const resolved = incident.status === 'resolved';
  const canAct = usePermission({
    permission: pulseIncidentUpdatePermission,
    resourceRef: incident.entityRef,
  });

  const done = (message: string) => {
    setNotice(message);
    refresh();
  };
  const close = () => setPending(undefined);

  return (
    <>
      <Box className={classes.heading}>
        <Typography variant="h5" component="h2">
          {incident.title}
        </Typography>
        <SeverityChip severity={incident.severity} />
        <IncidentStatusLabel status={incident.status} />
      </Box>
      {incident.flagged && (
        <Alert severity="warning" className={classes.notice}>
          An escalation step of this incident was overdue and had to be re-run
          by the watchdog. Check that paging works.
        </Alert>
      )}
      {notice && (
        <Alert
          severity="success"
          className={classes.notice}
          onClose={() => setNotice(undefined)}
        >
          {notice}
        </Alert>
      )}
      {!canAct.loading && !canAct.allowed && (
        <Alert severity="info" className={classes.notice}>
          You can follow this incident. Acknowledging, resolving, escalating,
          reassigning and adding notes are up to the owners of{' '}
          <EntityRefLink entityRef={incident.entityRef} />.
        </Alert>
      )}
      {canAct.allowed && (
        <Box className={classes.actions}>
          {(
            ['acknowledge', 'unacknowledge', 'escalate', 'resolve'] as const
          ).map(transition => (
            <Button
              key={transition}
              variant={transition === 'acknowledge' ? 'contained' : 'outlined'}
              color="primary"
              disabled={!available.includes(transition)}
              onClick={() => setPending(transition)}
            >
              {INCIDENT_TRANSITIONS[transition].label}
            </Button>
          ))}
          <Button
            variant="outlined"
            disabled={resolved}
            onClick={() => setPending('reassign')}
          >
            Reassign
          </Button>
          <Button variant="outlined" onClick={() => setPending('note')}>
            Add note
          </Button>
        </Box>
      )}
      <Grid container spacing={3}>
        <Grid item xs={12} md={5}>
          <InfoCard title="Details">
            <Summary incident={incident} />
          </InfoCard>
        </Grid>
        <Grid item xs={12} md={7}>
          <InfoCard title="Timeline">
            <Timeline entries={incident.timeline} />
          </InfoCard>
        </Grid>
      </Grid>
      {pending === 'reassign' && (
        <ReassignDialog
          incident={incident}
          onClose={close}
          onDone={done}
          onFailed={refresh}
        />
      )}
      {pending === 'note' && (
        <NoteDialog
          incident={incident}
          onClose={close}
          onDone={done}
          onFailed={refresh}
        />
      )}
      {pending && pending !== 'reassign' && pending !== 'note' && (
        <IncidentTransitionDialog
          incident={incident}
          transition={pending}
          onClose={close}
          onDone={done}
          onFailed={refresh}
        />
      )}
    </>
  );
}

/** One incident: its details, its timeline and every action on it. */
export function IncidentDetailView() {
  const { id = '' } = useParams();
  const pulseApi = useApi(pulseApiRef);
  // An incident's changes move its entity's incidents topic: its timeline follows that channel.
  const {
    value,
    loading,
    error,
    reload: retry,
    live,
  } = useLiveData<IncidentDetail>({
    key: id,
    load: () => pulseApi.getIncident(id),
    subjects: incident =>
      incident ? [entitySubject(incident.entityRef, ['incidents'])] : [],
    versionsOf: incident => ({
      [entityVersionKey(incident.entityRef, 'incidents')]: incident.version,
    }),
  });

  let content;
  if (loading && !value) {
    content = <Progress />;
  } else if (error && isNotFound(error)) {
    content = (
      <EmptyState
        missing="data"
        title="No such incident"
        description={`Pulse has no incident with the id ${id}.`}
      />
    );
  } else if (error && !value) {
    content = <ResponseErrorPanel error={error} />;
  } else if (value) {
    content = <IncidentView incident={value} refresh={retry} />;
  }

  return (
    <>
      <Box
        mb={2}
        display="flex"
        justifyContent="space-between"
        alignItems="center"
      >
        <Link to="..">← All incidents</Link>
        <LiveStatus live={live} />
      </Box>
      {content}
    </>
  );
}
