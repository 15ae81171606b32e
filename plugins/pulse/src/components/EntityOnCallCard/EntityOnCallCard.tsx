import { useState } from 'react';
import {
  getCompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  EmptyState,
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import Box from '@material-ui/core/Box';
import { usePermission } from '@backstage/plugin-permission-react';
import Button from '@material-ui/core/Button';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import { makeStyles } from '@material-ui/core/styles';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import {
  ESCALATION_POLICY_ANNOTATION,
  EntityOnCall,
  EscalationStepView,
  Incident,
  pulseIncidentCreatePermission,
  pulseIncidentUpdatePermission,
} from '@pulse-oss/plugin-pulse-common';
import { pulseApiRef } from '../../api';
import {
  entitySubject,
  entityVersionKey,
  LiveStatus,
  scheduleSubject,
  useLiveData,
} from '../../live';
import {
  formatDateTime,
  formatElapsed,
  formatRelative,
} from '../../shared/time';
import {
  EntityRefList,
  EntityRefOrText,
  IncidentStatusLabel,
  IncidentTransition,
  IncidentTransitionDialog,
  INCIDENT_TRANSITIONS,
  SeverityChip,
  useIncidentLinks,
} from '../oncallCommon';
import { PageOnCallDialog } from './PageOnCallDialog';

const useStyles = makeStyles(theme => ({
  section: { marginBottom: theme.spacing(2) },
  gap: { color: theme.palette.error.main, fontWeight: 'bold' },
  steps: { margin: 0, paddingLeft: theme.spacing(3) },
  incident: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(1),
    paddingLeft: 0,
    paddingRight: 0,
  },
  incidentTitle: { flex: '1 1 12rem', minWidth: 0 },
  notice: { marginBottom: theme.spacing(2) },
}));

const CHOSEN_BY: Record<
  NonNullable<EntityOnCall['policy']>['chosenBy'],
  string
> = {
  annotation: `set by the ${ESCALATION_POLICY_ANNOTATION} annotation`,
  'owner-group': "the owning group's default",
  default: 'the global default',
};

function SectionTitle(props: { children: string }) {
  return (
    <Typography variant="overline" component="h3" color="textSecondary">
      {props.children}
    </Typography>
  );
}

function Nobody(props: { children: string }) {
  const classes = useStyles();
  return <span className={classes.gap}>{props.children}</span>;
}

function Instant(props: { iso: string }) {
  return (
    <time dateTime={props.iso} title={formatRelative(props.iso)}>
      {formatDateTime(props.iso)}
    </time>
  );
}

function OnCallNow(props: { onCall: EntityOnCall }) {
  const { now, next } = props.onCall;
  const classes = useStyles();
  return (
    <>
      <Box className={classes.section}>
        <SectionTitle>On call now</SectionTitle>
        <Typography>
          {now.userRef ? (
            <EntityRefOrText value={now.userRef} />
          ) : (
            <Nobody>Nobody is on call</Nobody>
          )}
          {now.until && (
            <>
              {' '}
              until <Instant iso={now.until} /> ({formatRelative(now.until)})
            </>
          )}
        </Typography>
      </Box>
      <Box className={classes.section}>
        <SectionTitle>Next</SectionTitle>
        <Typography>
          {next?.userRef ? (
            <EntityRefOrText value={next.userRef} />
          ) : (
            <Nobody>Nobody</Nobody>
          )}
          {next?.from && (
            <>
              {' '}
              from <Instant iso={next.from} />
            </>
          )}
          {!next && ' is scheduled next'}
        </Typography>
      </Box>
    </>
  );
}

function StepTargets(props: { targets: EscalationStepView['targets'] }) {
  if (props.targets.length === 0) {
    return <Nobody>no targets</Nobody>;
  }
  return (
    <>
      {props.targets.map((target, index) => {
        let content;
        switch (target.type) {
          case 'schedule':
            content = (
              <>
                schedule {target.name} (now:{' '}
                {target.currentUserRef ? (
                  <EntityRefOrText value={target.currentUserRef} />
                ) : (
                  <Nobody>nobody</Nobody>
                )}
                )
              </>
            );
            break;
          case 'user':
            content = <EntityRefOrText value={target.userRef} />;
            break;
          case 'group':
            content = (
              <>
                group <EntityRefOrText value={target.groupRef} />
              </>
            );
            break;
          default:
            content = <>webhook {target.name}</>;
        }
        return (
          <span key={index}>
            {index > 0 && ', '}
            {content}
          </span>
        );
      })}
    </>
  );
}

function Policy(props: { policy: NonNullable<EntityOnCall['policy']> }) {
  const { policy } = props;
  const classes = useStyles();
  return (
    <Box className={classes.section}>
      <SectionTitle>Escalation policy</SectionTitle>
      <Typography gutterBottom>
        <strong>{policy.name}</strong> ({CHOSEN_BY[policy.chosenBy]})
        {policy.repeat > 0 &&
          `, repeated ${policy.repeat} ${
            policy.repeat === 1 ? 'time' : 'times'
          } if nobody acknowledges`}
      </Typography>
      <ol className={classes.steps} aria-label="Escalation steps">
        {policy.steps.map((step, index) => (
          <li key={index}>
            <Typography variant="body2">
              {step.delayMinutes === 0
                ? 'Immediately'
                : `After ${step.delayMinutes} min`}
              : {step.roundRobin && 'one of, in turns: '}
              <StepTargets targets={step.targets} />
            </Typography>
          </li>
        ))}
      </ol>
    </Box>
  );
}

function OpenIncidents(props: {
  incidents: Incident[];
  /** Whether the user may act on this entity's incidents; undefined while that is checked. */
  canAct?: boolean;
  onAction: (incident: Incident, transition: IncidentTransition) => void;
}) {
  const { incidents, canAct, onAction } = props;
  const classes = useStyles();
  const incidentLink = useIncidentLinks().incident;

  return (
    <Box>
      <SectionTitle>{`Open incidents (${incidents.length})`}</SectionTitle>
      {incidents.length === 0 ? (
        <Typography variant="body2">No open incidents.</Typography>
      ) : (
        <List dense disablePadding aria-label="Open incidents">
          {incidents.map(incident => (
            <ListItem key={incident.id} divider className={classes.incident}>
              <SeverityChip severity={incident.severity} />
              <Box className={classes.incidentTitle}>
                <Typography variant="body2" noWrap>
                  {incidentLink ? (
                    <Link to={incidentLink(incident.id)}>{incident.title}</Link>
                  ) : (
                    incident.title
                  )}
                </Typography>
                <Typography variant="caption" color="textSecondary">
                  <IncidentStatusLabel status={incident.status} /> · open for{' '}
                  {formatElapsed(incident.createdAt)} · assigned to{' '}
                  <EntityRefList refs={incident.assignees} />
                </Typography>
              </Box>
              {canAct && incident.status === 'triggered' && (
                <Button
                  size="small"
                  variant="outlined"
                  color="primary"
                  onClick={() => onAction(incident, 'acknowledge')}
                  aria-label={`Acknowledge ${incident.title}`}
                >
                  {INCIDENT_TRANSITIONS.acknowledge.label}
                </Button>
              )}
              {canAct && (
                <Button
                  size="small"
                  variant="outlined"
                  onClick={() => onAction(incident, 'resolve')}
                  aria-label={`Resolve ${incident.title}`}
                >
                  {INCIDENT_TRANSITIONS.resolve.label}
                </Button>
              )}
            </ListItem>
          ))}
        </List>
      )}
      {canAct === false && incidents.length > 0 && (
        <Typography variant="caption" color="textSecondary">
          You can follow these incidents; acknowledging and resolving them is up
          to the service's owners.
        </Typography>
      )}
    </Box>
  );
}

/**
 * The schedules whose handoffs change what the card shows: the current shift's, and those the
 * policy's steps page (each step shows who is on call on it now).
 */
function schedulesOf(onCall: EntityOnCall | undefined): string[] {
  if (!onCall) {
    return [];
  }
  const ids = new Set<string>();
  if (onCall.now.scheduleId) {
    ids.add(onCall.now.scheduleId);
  }
  for (const step of onCall.policy?.steps ?? []) {
    for (const target of step.targets) {
      if (target.type === 'schedule') {
        ids.add(target.scheduleId);
      }
    }
  }
  return [...ids];
}

function OnCallDetails(props: {
  onCall: EntityOnCall;
  canAct?: boolean;
  onAction: (incident: Incident, transition: IncidentTransition) => void;
}) {
  const { onCall, canAct, onAction } = props;
  const classes = useStyles();
  return (
    <>
      {onCall.problem && (
        <Alert severity="warning" className={classes.notice}>
          <AlertTitle>Paging for this service is not set up right</AlertTitle>
          {onCall.problem}
        </Alert>
      )}
      {onCall.policy ? (
        <>
          <OnCallNow onCall={onCall} />
          <Policy policy={onCall.policy} />
        </>
      ) : (
        onCall.openIncidents.length === 0 && (
          <EmptyState
            missing="field"
            title="Nobody is paged for this service"
            description={`No escalation policy applies to it. Name one in the ${ESCALATION_POLICY_ANNOTATION} annotation, or ask an admin for a default for its owning group.`}
          />
        )
      )}
      {(onCall.policy || onCall.openIncidents.length > 0) && (
        <OpenIncidents
          incidents={onCall.openIncidents}
          canAct={canAct}
          onAction={onAction}
        />
      )}
    </>
  );
}

/** Card with who is on call for the entity now and next, its escalation policy and its open incidents. */
export const EntityOnCallCard = () => {
  const { entity } = useEntity();
  const pulseApi = useApi(pulseApiRef);
  const classes = useStyles();
  const { kind, namespace, name } = getCompoundEntityRef(entity);
  const incidentsPage = useIncidentLinks().incidents;
  const [paging, setPaging] = useState(false);
  const [pending, setPending] = useState<{
    incident: Incident;
    transition: IncidentTransition;
  }>();
  const [notice, setNotice] = useState<string>();
  const resourceRef = stringifyEntityRef(entity);
  const canAct = usePermission({
    permission: pulseIncidentUpdatePermission,
    resourceRef,
  });
  const canPage = usePermission({
    permission: pulseIncidentCreatePermission,
    resourceRef,
  });

  // Incidents of the entity move its oncall topic; handoffs and overrides move its schedules'.
  // "On call now" changes at the end of the current shift: the card refetches then too.
  const {
    value,
    loading,
    error,
    reload: retry,
    live,
  } = useLiveData<EntityOnCall>({
    key: resourceRef,
    load: () => pulseApi.getEntityOnCall({ kind, namespace, name }),
    subjects: onCall => [
      entitySubject(resourceRef, ['oncall']),
      ...schedulesOf(onCall).map(id => scheduleSubject(id, ['oncall'])),
    ],
    versionsOf: onCall => ({
      [entityVersionKey(resourceRef, 'oncall')]: onCall.version,
    }),
    refetchAt: onCall => onCall.now.until,
  });

  let content;
  // A refresh after an action keeps the current data on screen.
  if (loading && !value) {
    content = <Progress />;
  } else if (error) {
    content = <ResponseErrorPanel error={error} />;
  } else if (value) {
    content = (
      <OnCallDetails
        onCall={value}
        canAct={canAct.loading ? undefined : canAct.allowed}
        onAction={(incident, transition) =>
          setPending({ incident, transition })
        }
      />
    );
  }

  return (
    <InfoCard
      title="On-call"
      subheader={<LiveStatus live={live} />}
      action={
        canPage.allowed ? (
          <Button
            color="secondary"
            variant="contained"
            onClick={() => setPaging(true)}
          >
            Page the on-call
          </Button>
        ) : undefined
      }
      deepLink={
        incidentsPage
          ? { link: incidentsPage, title: 'All incidents' }
          : undefined
      }
    >
      {notice && (
        <Alert
          severity="success"
          className={classes.notice}
          onClose={() => setNotice(undefined)}
        >
          {notice}
        </Alert>
      )}
      {content}
      {paging && (
        <PageOnCallDialog
          entityRef={resourceRef}
          onClose={() => setPaging(false)}
          onCreated={incident => {
            setNotice(`Paged the on-call: "${incident.title}"`);
            retry();
          }}
        />
      )}
      {pending && (
        <IncidentTransitionDialog
          incident={pending.incident}
          transition={pending.transition}
          onClose={() => setPending(undefined)}
          onDone={message => {
            setNotice(message);
            retry();
          }}
          onFailed={retry}
        />
      )}
    </InfoCard>
  );
};
