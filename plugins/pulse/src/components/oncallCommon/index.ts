export { ActionDialog } from './ActionDialog';
export type { ActionDialogProps } from './ActionDialog';
export { EntityRefList, EntityRefOrText } from './EntityRefOrText';
export {
  IncidentStatusLabel,
  SEVERITIES,
  STATUSES,
  SeverityChip,
} from './IncidentChips';
export {
  INCIDENT_TRANSITIONS,
  IncidentTransitionDialog,
  availableTransitions,
} from './IncidentTransitionDialog';
export type { IncidentTransition } from './IncidentTransitionDialog';
export { useIncidentLinks, useOnCallLink } from './useIncidentLinks';
export { normalizeUserRef, shortName } from './userRefs';
