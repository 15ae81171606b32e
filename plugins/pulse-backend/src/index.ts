/**
 * Pulse backend plugin: live pull requests, CI workflows, on-call and incidents for Backstage.
 *
 * @packageDocumentation
 */

export { pulsePlugin as default } from './plugin';
export {
  createPulseScheduleConditionalDecision,
  pulseScheduleConditions,
} from './oncall/permissions/scheduleAccess';
export type {
  ClaimsParams,
  ScheduleQuery,
  ScheduleResource,
} from './oncall/permissions/scheduleAccess';
