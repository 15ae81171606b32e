export { pulseApiRef } from './PulseApi';
export type { PulseApi, PullRequestQuery, WorkflowRunQuery } from './PulseApi';
export { PulseClient } from './PulseClient';
export type {
  ActivityQuery,
  ScheduleVersions,
  CreateIncidentRequest,
  CreateScheduleOverrideRequest,
  IncidentQuery,
} from './PulseApi';
