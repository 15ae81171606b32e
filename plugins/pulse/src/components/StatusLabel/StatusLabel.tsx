import {
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
  StatusWarning,
} from '@backstage/core-components';
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

/**
 * Backstage's status icon followed by its label. The label sits outside the status component,
 * which hides everything inside it from screen readers, and never wraps inside a narrow column.
 */
export function StatusLabel(props: PropsWithChildren<{ kind: StatusKind }>) {
  const Icon = ICONS[props.kind];
  return (
    <span style={{ whiteSpace: 'nowrap' }}>
      <Icon />
      {props.children}
    </span>
  );
}
