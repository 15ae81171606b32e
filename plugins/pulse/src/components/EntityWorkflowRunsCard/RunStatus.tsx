import { WorkflowRun } from '@pulse-oss/plugin-pulse-common';
import { StatusLabel } from '../StatusLabel';
import { describeRun } from './runs';

/** A workflow run's state as a status icon with its label. */
export function RunStatus(props: {
  run: Pick<WorkflowRun, 'status' | 'conclusion'>;
}) {
  const { kind, label } = describeRun(props.run);
  return <StatusLabel kind={kind}>{label}</StatusLabel>;
}
