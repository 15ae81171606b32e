import { useApi } from '@backstage/core-plugin-api';
import DialogContentText from '@material-ui/core/DialogContentText';
import { Incident } from '@pulse-oss/plugin-pulse-common';
import { PulseApi, pulseApiRef } from '../../api';
import { ActionDialog } from './ActionDialog';

/** The state changes an incident takes without input. */
export type IncidentTransition =
  | 'acknowledge'
  | 'unacknowledge'
  | 'resolve'
  | 'escalate';

interface TransitionText {
  label: string;
  question: string;
  explanation: string;
  done: string;
  run: (api: PulseApi, id: string) => Promise<Incident>;
}

/** What each transition is called and does, as shown to the on-call engineer. */
export const INCIDENT_TRANSITIONS: Record<IncidentTransition, TransitionText> =
  {
    acknowledge: {
      label: 'Acknowledge',
      question: 'Acknowledge this incident?',
      explanation:
        'Everyone sees that you are on it and the escalation stops paging further steps. ' +
        'The incident stays open until it is resolved.',
      done: 'Acknowledged',
      run: (api, id) => api.acknowledgeIncident(id),
    },
    unacknowledge: {
      label: 'Unacknowledge',
      question: 'Withdraw your acknowledgement?',
      explanation:
        'The incident goes back to triggered and the current step of the escalation policy is ' +
        'paged again now, so that someone else can take it.',
      done: 'Unacknowledged',
      run: (api, id) => api.unacknowledgeIncident(id),
    },
    resolve: {
      label: 'Resolve',
      question: 'Resolve this incident?',
      explanation:
        'The incident is closed and its escalation ends. ' +
        'An alert for the same problem afterwards opens a new incident.',
      done: 'Resolved',
      run: (api, id) => api.resolveIncident(id),
    },
    escalate: {
      label: 'Escalate',
      question: 'Escalate this incident now?',
      explanation:
        'The next step of the escalation policy is paged now, without waiting for its delay.',
      done: 'Escalated',
      run: (api, id) => api.escalateIncident(id),
    },
  };

/** The transitions that make sense for an incident in its current status. */
export function availableTransitions(
  incident: Pick<Incident, 'status'>,
): IncidentTransition[] {
  switch (incident.status) {
    case 'triggered':
      return ['acknowledge', 'escalate', 'resolve'];
    case 'acknowledged':
      return ['unacknowledge', 'escalate', 'resolve'];
    default:
      return [];
  }
}

/** Asks to confirm a transition of an incident, performs it, and reports what happened. */
export function IncidentTransitionDialog(props: {
  incident: Pick<Incident, 'id' | 'title'>;
  transition: IncidentTransition;
  onClose: () => void;
  /** Called with a sentence saying what was done, and the incident as it now is. */
  onDone: (message: string, incident: Incident) => void;
  /** Called when the backend refused (the dialog shows why); the incident may have changed meanwhile. */
  onFailed?: () => void;
}) {
  const { incident, transition, onClose, onDone, onFailed } = props;
  const pulseApi = useApi(pulseApiRef);
  const text = INCIDENT_TRANSITIONS[transition];

  return (
    <ActionDialog
      title={text.question}
      confirmLabel={text.label}
      onClose={onClose}
      onConfirm={async () => {
        let updated: Incident;
        try {
          updated = await text.run(pulseApi, incident.id);
        } catch (e) {
          onFailed?.();
          throw e;
        }
        onDone(`${text.done} "${incident.title}"`, updated);
      }}
    >
      <DialogContentText component="div">
        <p>
          <strong>{incident.title}</strong>
        </p>
        <p>{text.explanation}</p>
      </DialogContentText>
    </ActionDialog>
  );
}
