import { useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import DialogContentText from '@material-ui/core/DialogContentText';
import MenuItem from '@material-ui/core/MenuItem';
import TextField from '@material-ui/core/TextField';
import { Incident, IncidentSeverity } from '@pulse-oss/plugin-pulse-common';
import { pulseApiRef } from '../../api';
import { ActionDialog, SEVERITIES } from '../oncallCommon';

/** Opens an incident by hand for a service, which pages whoever is on call for it. */
export function PageOnCallDialog(props: {
  entityRef: string;
  onClose: () => void;
  onCreated: (incident: Incident) => void;
}) {
  const { entityRef, onClose, onCreated } = props;
  const pulseApi = useApi(pulseApiRef);
  const [title, setTitle] = useState('');
  const [severity, setSeverity] = useState<IncidentSeverity>('critical');
  const [details, setDetails] = useState('');
  const [titleError, setTitleError] = useState<string>();

  const submit = async () => {
    if (!title.trim()) {
      setTitleError('A title is required: it is what the on-call reads first.');
      return false;
    }
    const incident = await pulseApi.createIncident({
      entityRef,
      title: title.trim(),
      severity,
      ...(details.trim() ? { details: details.trim() } : {}),
    });
    onCreated(incident);
    return true;
  };

  return (
    <ActionDialog
      title="Page the on-call"
      confirmLabel="Page"
      onClose={onClose}
      onConfirm={submit}
    >
      <DialogContentText>
        Opens an incident for {entityRef} and pages the first step of its
        escalation policy now.
      </DialogContentText>
      <TextField
        id="pulse-page-oncall-title"
        label="Title"
        value={title}
        onChange={e => {
          setTitle(e.target.value);
          setTitleError(undefined);
        }}
        error={Boolean(titleError)}
        helperText={titleError ?? 'What is wrong, in one line'}
        inputProps={{ maxLength: 500 }}
        required
        fullWidth
        margin="normal"
      />
      <TextField
        id="pulse-page-oncall-severity"
        select
        label="Severity"
        value={severity}
        onChange={e => setSeverity(e.target.value as IncidentSeverity)}
        fullWidth
        margin="normal"
      >
        {SEVERITIES.map(option => (
          <MenuItem key={option.value} value={option.value}>
            {option.label}
          </MenuItem>
        ))}
      </TextField>
      <TextField
        id="pulse-page-oncall-details"
        label="Details"
        value={details}
        onChange={e => setDetails(e.target.value)}
        helperText="What you have seen so far, links to dashboards"
        inputProps={{ maxLength: 10_000 }}
        multiline
        minRows={3}
        fullWidth
        margin="normal"
      />
    </ActionDialog>
  );
}
