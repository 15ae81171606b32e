export { GitHubSyncCard } from './GitHubSyncCard';
export { DataErrorState } from './DataErrorState';
export {
  useEntitySync,
  pollIntervalFor,
  POLL_INTERVAL_MS,
} from './useEntitySync';
export type { EntitySync } from './useEntitySync';
export { usePolledAsync } from './usePolledAsync';
export { formatAge } from './formatAge';
export { isNotFound } from './errors';
