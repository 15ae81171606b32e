/**
 * Pulse frontend plugin: live pull requests, workflow runs, on-call and incidents on Backstage entity pages.
 *
 * @packageDocumentation
 */

export { pulsePlugin, EntityPulseStatusCard } from './plugin';
export { pulseApiRef, PulseClient } from './api';
export type { PulseApi } from './api';
export {
  isPulseAvailable,
  GITHUB_PROJECT_SLUG_ANNOTATION,
} from '@internal/plugin-pulse-common';
export type {
  TrackedEntity,
  TrackedEntityList,
  LinkedRepository,
} from '@internal/plugin-pulse-common';
