import { RESOURCE_TYPE_CATALOG_ENTITY } from '@backstage/plugin-catalog-common/alpha';
import { createPermission } from '@backstage/plugin-permission-common';

/**
 * The resource type of an on-call schedule in permission policies. Its resource ref is the
 * schedule's id; the Pulse backend plugin (`pluginId: pulse`) evaluates its conditions.
 *
 * @public
 */
export const RESOURCE_TYPE_PULSE_SCHEDULE = 'pulse-schedule';

/**
 * Use Pulse at all: every route but alert intake checks it first. What a caller then sees is
 * decided per catalog entity (the catalog's own visibility) and per schedule.
 *
 * @public
 */
export const pulseReadPermission = createPermission({
  name: 'pulse.read',
  attributes: { action: 'read' },
});

/**
 * Ask for an immediate GitHub sync of an entity's repository; authorized with the entity's ref.
 *
 * @public
 */
export const pulseSyncRequestPermission = createPermission({
  name: 'pulse.sync.request',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Read an entity's incidents, their timelines and raw alert payloads; authorized with the
 * entity's ref, on top of the catalog letting the caller see the entity.
 *
 * @public
 */
export const pulseIncidentReadPermission = createPermission({
  name: 'pulse.incident.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Open an incident on an entity by hand ("page the on-call"); authorized with the entity's ref.
 *
 * @public
 */
export const pulseIncidentCreatePermission = createPermission({
  name: 'pulse.incident.create',
  attributes: { action: 'create' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Acknowledge, unacknowledge, resolve, reassign, escalate or annotate an incident; authorized
 * with the ref of the entity the incident is about.
 *
 * @public
 */
export const pulseIncidentUpdatePermission = createPermission({
  name: 'pulse.incident.update',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Read a schedule: who is on call, its shifts and overrides; authorized with the schedule's id.
 *
 * @public
 */
export const pulseOnCallReadPermission = createPermission({
  name: 'pulse.oncall.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_PULSE_SCHEDULE,
});

/**
 * Create an override on a schedule (someone covers a time range); authorized with its id.
 *
 * @public
 */
export const pulseOverrideCreatePermission = createPermission({
  name: 'pulse.oncall.override.create',
  attributes: { action: 'create' },
  resourceType: RESOURCE_TYPE_PULSE_SCHEDULE,
});

/**
 * Delete an override of a schedule; authorized with the schedule's id.
 *
 * @public
 */
export const pulseOverrideDeletePermission = createPermission({
  name: 'pulse.oncall.override.delete',
  attributes: { action: 'delete' },
  resourceType: RESOURCE_TYPE_PULSE_SCHEDULE,
});

/**
 * Post alerts to the intake routes (`/alerts/...`). Only service principals post alerts; give a
 * monitoring tool's token this permission alone (an external access entry whose
 * `accessRestrictions` name plugin `pulse` and permission `pulse.alert.create`) so that it can do
 * nothing else.
 *
 * @public
 */
export const pulseAlertCreatePermission = createPermission({
  name: 'pulse.alert.create',
  attributes: { action: 'create' },
});

/**
 * Every permission Pulse defines, for registration with the permissions registry.
 *
 * @public
 */
export const pulsePermissions = [
  pulseReadPermission,
  pulseSyncRequestPermission,
  pulseIncidentReadPermission,
  pulseIncidentCreatePermission,
  pulseIncidentUpdatePermission,
  pulseOnCallReadPermission,
  pulseOverrideCreatePermission,
  pulseOverrideDeletePermission,
  pulseAlertCreatePermission,
];
