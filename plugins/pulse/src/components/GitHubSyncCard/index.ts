export { GitHubSyncCard } from './GitHubSyncCard';
export { DataErrorState } from './DataErrorState';
export { useEntitySync } from './useEntitySync';
export type { EntitySync } from './useEntitySync';
