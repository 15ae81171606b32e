import {
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
  StatusWarning,
} from '@backstage/core-components';
import { WorkflowRun } from '@internal/plugin-pulse-common';
import { describeRun } from './runs';

const STATUS_COMPONENTS = {
  ok: StatusOK,
  error: StatusError,
  warning: StatusWarning,
  pending: StatusPending,
  running: StatusRunning,
  aborted: StatusAborted,
};

/** A workflow run's state as a status icon with its label. */
export function RunStatus(props: {
  run: Pick<WorkflowRun, 'status' | 'conclusion'>;
}) {
  const { kind, label } = describeRun(props.run);
  const Status = STATUS_COMPONENTS[kind];
  return <Status>{label}</Status>;
}
