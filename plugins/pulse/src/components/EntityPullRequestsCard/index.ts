export { EntityPullRequestsCard } from './EntityPullRequestsCard';
export type { EntityPullRequestsCardProps } from './EntityPullRequestsCard';
