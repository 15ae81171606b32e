/**
 * A GitHub REST API v3 simulator for Pulse's demo portal, tests and
 * benchmarks.
 *
 * @packageDocumentation
 */

export { GitHubSimulator } from './GitHubSimulator';
export type { GitHubSimulatorOptions } from './options';
export type { WebhookEvent, WebhookEventName } from './activity/types';
export type {
  WebhookDelivery,
  WebhookSettings,
} from './activity/WebhookDispatcher';
export type {
  FaultSettings,
  LatencySetting,
  SecondaryRateLimitSettings,
  SecondaryRateLimitTrigger,
} from './server/FaultInjector';
export type { SimulatorStats } from './server/RequestStats';
export type { SimulatorLogger } from './server/context';
export { SimulationStore } from './data/SimulationStore';
export { SimulationClock } from './data/SimulationClock';
export { RepositoryState } from './data/RepositoryState';
export type * from './data/types';
