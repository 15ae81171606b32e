import {
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
  StatusWarning,
} from '@backstage/core-components';
import { createStyles, makeStyles } from '@material-ui/core/styles';
import { PropsWithChildren } from 'react';

export type StatusKind =
  | 'ok'
  | 'error'
  | 'warning'
  | 'pending'
  | 'running'
  | 'aborted';

const ICONS = {
  ok: StatusOK,
  error: StatusError,
  warning: StatusWarning,
  pending: StatusPending,
  running: StatusRunning,
  aborted: StatusAborted,
};

const useStyles = makeStyles(theme =>
  createStyles({
    root: {
      // Backstage's status element is a block-level flex box: inline here, it keeps the label on
      // the icon's line.
      display: 'inline-flex',
      alignItems: 'baseline',
      whiteSpace: 'nowrap',
      fontWeight: theme.typography.fontWeightMedium as number,
    },
    wrapping: { whiteSpace: 'normal' },
  }),
);

/**
 * Backstage's status icon followed by its label. The label sits outside the status component,
 * which hides everything inside it from screen readers, and never wraps inside a narrow column,
 * unless `wrap` says a sentence may (the overview card's lines).
 */
export function StatusLabel(
  props: PropsWithChildren<{ kind: StatusKind; wrap?: boolean }>,
) {
  const classes = useStyles();
  const Icon = ICONS[props.kind];
  return (
    <span
      className={
        props.wrap ? `${classes.root} ${classes.wrapping}` : classes.root
      }
    >
      <Icon />
      {props.children}
    </span>
  );
}
