export { LiveStatus } from './LiveStatus';
export { describeLiveState } from './liveState';
export {
  ACTIVE_SYNC_POLL_INTERVAL_MS,
  DEFAULT_CHECK_INTERVAL_MS,
  POLL_INTERVAL_MS,
  earliest,
  isSyncActive,
  pollIntervalFor,
} from './timing';
export {
  ASSIGNED_INCIDENTS_CHANNEL,
  INCIDENTS_CHANNEL,
  entitySubject,
  entityVersionKey,
  incidentsSubject,
  scheduleSubject,
  scheduleVersionKey,
} from './topics';
export type { LiveSubject, LiveTopic } from './topics';
export { useLiveData } from './useLiveData';
export type {
  LiveData,
  LiveDataOptions,
  LiveInfo,
  LiveState,
} from './useLiveData';
export type { Versions } from './versions';
