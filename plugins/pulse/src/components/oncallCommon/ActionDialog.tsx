import { ReactNode, useState } from 'react';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import Alert from '@material-ui/lab/Alert';
import { errorMessage } from '../../shared/errors';

/** Props of {@link ActionDialog}. */
export interface ActionDialogProps {
  title: string;
  confirmLabel: string;
  /**
   * Performs the action. Resolve to `false` to stay open without closing (invalid input);
   * a rejection is shown in the dialog.
   */
  onConfirm: () => Promise<boolean | void>;
  onClose: () => void;
  children?: ReactNode;
}

/**
 * A dialog that asks for confirmation (and any input in `children`) before an action,
 * and shows why the action failed without closing. Mount it only while it is open.
 */
export function ActionDialog(props: ActionDialogProps) {
  const { title, confirmLabel, onConfirm, onClose, children } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      if ((await onConfirm()) === false) {
        setBusy(false);
        return;
      }
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
      return;
    }
    onClose();
  };

  return (
    <Dialog
      open
      onClose={busy ? undefined : onClose}
      aria-labelledby="pulse-action-dialog-title"
      fullWidth
      maxWidth="sm"
    >
      <DialogTitle id="pulse-action-dialog-title">{title}</DialogTitle>
      <DialogContent>
        {children}
        {error && (
          <Alert severity="error" style={{ marginTop: 16 }}>
            {error}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={busy}>
          Cancel
        </Button>
        <Button
          onClick={confirm}
          disabled={busy}
          color="primary"
          variant="contained"
        >
          {confirmLabel}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
