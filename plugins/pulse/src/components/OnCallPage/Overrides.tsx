import { useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import DialogContentText from '@material-ui/core/DialogContentText';
import IconButton from '@material-ui/core/IconButton';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import DeleteIcon from '@material-ui/icons/Delete';
import {
  ScheduleOverride,
  ScheduleSummary,
} from '@pulse-oss/plugin-pulse-common';
import { DateTime } from 'luxon';
import { pulseApiRef } from '../../api';
import { formatZonedDateTime } from '../../shared/time';
import {
  ActionDialog,
  EntityRefOrText,
  normalizeUserRef,
  shortName,
} from '../oncallCommon';

const INPUT_FORMAT = "yyyy-MM-dd'T'HH:mm";

/** Asks who covers which time range of a schedule, in the schedule's zone, and creates the override. */
export function CreateOverrideDialog(props: {
  schedule: Pick<ScheduleSummary, 'id' | 'name' | 'timeZone'>;
  onClose: () => void;
  onCreated: (message: string) => void;
}) {
  const { schedule, onClose, onCreated } = props;
  const pulseApi = useApi(pulseApiRef);
  const zone = schedule.timeZone;
  const [user, setUser] = useState('');
  const [start, setStart] = useState(() =>
    DateTime.now()
      .setZone(zone)
      .startOf('hour')
      .plus({ hours: 1 })
      .toFormat(INPUT_FORMAT),
  );
  const [end, setEnd] = useState(() =>
    DateTime.now()
      .setZone(zone)
      .startOf('hour')
      .plus({ hours: 9 })
      .toFormat(INPUT_FORMAT),
  );
  const [errors, setErrors] = useState<{
    user?: string;
    start?: string;
    end?: string;
  }>({});

  const submit = async () => {
    const userRef = normalizeUserRef(user);
    const startAt = DateTime.fromISO(start, { zone });
    const endAt = DateTime.fromISO(end, { zone });
    let endProblem: string | undefined;
    if (!endAt.isValid) {
      endProblem = 'Enter when the override ends';
    } else if (startAt.isValid && endAt <= startAt) {
      endProblem = 'The end must be after the start';
    }
    const problems = {
      user: userRef
        ? undefined
        : 'Enter a user, such as user:default/jane.doe or jane.doe',
      start: startAt.isValid ? undefined : 'Enter when the override starts',
      end: endProblem,
    };
    setErrors(problems);
    if (problems.user || problems.start || problems.end) {
      return false;
    }
    const created = await pulseApi.createScheduleOverride(schedule.id, {
      userRef: userRef!,
      start: startAt.toUTC().toISO()!,
      end: endAt.toUTC().toISO()!,
    });
    onCreated(
      `${shortName(created.userRef)} covers ${
        schedule.name
      } from ${formatZonedDateTime(
        created.start,
        zone,
      )} to ${formatZonedDateTime(created.end, zone)}`,
    );
    return true;
  };

  return (
    <ActionDialog
      title={`Create an override of ${schedule.name}?`}
      confirmLabel="Create override"
      onClose={onClose}
      onConfirm={submit}
    >
      <DialogContentText>
        The person you name is on call for {schedule.name} during this time
        range, in place of whoever the rotation has. Times are in the schedule's
        zone, {zone}.
      </DialogContentText>
      <TextField
        id={`pulse-override-user-${schedule.id}`}
        label="User"
        value={user}
        onChange={e => setUser(e.target.value)}
        error={Boolean(errors.user)}
        helperText={
          errors.user ?? 'A user entity ref, e.g. user:default/jane.doe'
        }
        required
        fullWidth
        margin="normal"
      />
      <TextField
        id={`pulse-override-start-${schedule.id}`}
        label={`Start (${zone})`}
        type="datetime-local"
        value={start}
        onChange={e => setStart(e.target.value)}
        error={Boolean(errors.start)}
        helperText={errors.start}
        required
        fullWidth
        margin="normal"
        InputLabelProps={{ shrink: true }}
      />
      <TextField
        id={`pulse-override-end-${schedule.id}`}
        label={`End (${zone})`}
        type="datetime-local"
        value={end}
        onChange={e => setEnd(e.target.value)}
        error={Boolean(errors.end)}
        helperText={errors.end}
        required
        fullWidth
        margin="normal"
        InputLabelProps={{ shrink: true }}
      />
    </ActionDialog>
  );
}

/**
 * A schedule's overrides; with `canDelete`, each has a button to delete it after confirmation.
 */
export function OverrideList(props: {
  schedule: Pick<ScheduleSummary, 'id' | 'name' | 'timeZone'>;
  overrides: ScheduleOverride[];
  /** Whether the user may delete this schedule's overrides. */
  canDelete: boolean;
  onDeleted: (message: string) => void;
}) {
  const { schedule, overrides, canDelete, onDeleted } = props;
  const pulseApi = useApi(pulseApiRef);
  const [deleting, setDeleting] = useState<ScheduleOverride>();
  const zone = schedule.timeZone;

  if (overrides.length === 0) {
    return <Typography variant="body2">No overrides.</Typography>;
  }

  const sorted = [...overrides].sort((a, b) => a.start.localeCompare(b.start));
  return (
    <>
      <Table size="small" aria-label={`Overrides of ${schedule.name}`}>
        <TableHead>
          <TableRow>
            <TableCell>Who</TableCell>
            <TableCell>From</TableCell>
            <TableCell>To</TableCell>
            <TableCell>Created by</TableCell>
            {canDelete && <TableCell />}
          </TableRow>
        </TableHead>
        <TableBody>
          {sorted.map(override => (
            <TableRow key={override.id}>
              <TableCell>
                <EntityRefOrText value={override.userRef} />
              </TableCell>
              <TableCell>{formatZonedDateTime(override.start, zone)}</TableCell>
              <TableCell>{formatZonedDateTime(override.end, zone)}</TableCell>
              <TableCell>
                <EntityRefOrText value={override.createdBy} />
              </TableCell>
              {canDelete && (
                <TableCell padding="none" align="right">
                  <IconButton
                    size="small"
                    aria-label={`Delete the override for ${shortName(
                      override.userRef,
                    )} from ${formatZonedDateTime(override.start, zone)}`}
                    onClick={() => setDeleting(override)}
                  >
                    <DeleteIcon fontSize="small" />
                  </IconButton>
                </TableCell>
              )}
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {deleting && (
        <ActionDialog
          title="Delete this override?"
          confirmLabel="Delete override"
          onClose={() => setDeleting(undefined)}
          onConfirm={async () => {
            await pulseApi.deleteScheduleOverride(schedule.id, deleting.id);
            onDeleted(
              `Deleted the override for ${shortName(
                deleting.userRef,
              )} from ${formatZonedDateTime(deleting.start, zone)}`,
            );
          }}
        >
          <DialogContentText>
            {shortName(deleting.userRef)} will no longer cover {schedule.name}{' '}
            from {formatZonedDateTime(deleting.start, zone)} to{' '}
            {formatZonedDateTime(deleting.end, zone)}; the rotation applies
            again.
          </DialogContentText>
        </ActionDialog>
      )}
    </>
  );
}
