export { ActionDialog } from './ActionDialog';
export type { ActionDialogProps } from './ActionDialog';
export { EntityRefList, EntityRefOrText } from './EntityRefOrText';
export { errorMessage, isNotFoundError } from './errors';
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
export {
  formatAge,
  formatDateTime,
  formatDuration,
  formatRelative,
} from './time';
export { useIncidentLinks } from './useIncidentLinks';
export { normalizeUserRef, shortName } from './userRefs';
export { REFRESH_INTERVAL_MS, useRefreshEvery } from './useRefreshEvery';
