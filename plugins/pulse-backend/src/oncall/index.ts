/**
 * The on-call domain: `setupOncallDomain` wires incidents, schedules, the escalation engine and
 * the REST API into the plugin; the pure logic (schedule computation, the escalation state
 * machine) is exported as well.
 */
export { setupOncallDomain } from './setup';
export { createIncidentServices } from './incidents';
export * from './schedule';
export * from './escalation';
export type { IsoWeekday } from './localTime';
