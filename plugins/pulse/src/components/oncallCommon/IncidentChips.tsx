import Chip from '@material-ui/core/Chip';
import { makeStyles } from '@material-ui/core/styles';
import {
  IncidentSeverity,
  IncidentStatus,
} from '@pulse-oss/plugin-pulse-common';
import { StatusLabel } from '../StatusLabel';

/** Every severity, most severe first, with its label. */
export const SEVERITIES: Array<{ value: IncidentSeverity; label: string }> = [
  { value: 'critical', label: 'Critical' },
  { value: 'error', label: 'Error' },
  { value: 'warning', label: 'Warning' },
  { value: 'info', label: 'Info' },
];

/** Every status, in the order an incident goes through them, with its label. */
export const STATUSES: Array<{ value: IncidentStatus; label: string }> = [
  { value: 'triggered', label: 'Triggered' },
  { value: 'acknowledged', label: 'Acknowledged' },
  { value: 'resolved', label: 'Resolved' },
];

const useStyles = makeStyles({
  critical: { backgroundColor: '#b71c1c', color: '#fff' },
  error: { backgroundColor: '#e65100', color: '#fff' },
  warning: { backgroundColor: '#ffb300', color: '#000' },
  info: { backgroundColor: '#1565c0', color: '#fff' },
});

/** An incident's severity as a coloured chip. */
export function SeverityChip(props: { severity: IncidentSeverity }) {
  const classes = useStyles();
  const label =
    SEVERITIES.find(s => s.value === props.severity)?.label ?? props.severity;
  return (
    <Chip
      size="small"
      label={label}
      className={classes[props.severity] ?? undefined}
    />
  );
}

/** An incident's status with the matching status indicator. */
export function IncidentStatusLabel(props: { status: IncidentStatus }) {
  const label =
    STATUSES.find(s => s.value === props.status)?.label ?? props.status;
  switch (props.status) {
    case 'triggered':
      return <StatusLabel kind="error">{label}</StatusLabel>;
    case 'acknowledged':
      return <StatusLabel kind="warning">{label}</StatusLabel>;
    default:
      return <StatusLabel kind="ok">{label}</StatusLabel>;
  }
}
