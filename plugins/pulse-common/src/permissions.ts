import { createPermission } from '@backstage/plugin-permission-common';

/** Read Pulse data (tracked entities, pull requests, workflow runs) for entities the user may see. */
export const pulseReadPermission = createPermission({
  name: 'pulse.read',
  attributes: { action: 'read' },
});

/** Ask for an immediate GitHub sync of an entity's repository. */
export const pulseSyncRequestPermission = createPermission({
  name: 'pulse.sync.request',
  attributes: { action: 'update' },
});

/** Read incidents and their timelines. */
export const pulseIncidentReadPermission = createPermission({
  name: 'pulse.incident.read',
  attributes: { action: 'read' },
});

/** Open an incident by hand ("page the on-call"). */
export const pulseIncidentCreatePermission = createPermission({
  name: 'pulse.incident.create',
  attributes: { action: 'create' },
});

/** Acknowledge, resolve, reassign, escalate or annotate an incident. */
export const pulseIncidentUpdatePermission = createPermission({
  name: 'pulse.incident.update',
  attributes: { action: 'update' },
});

/** Read schedules, who is on call, and escalation policies. */
export const pulseOnCallReadPermission = createPermission({
  name: 'pulse.oncall.read',
  attributes: { action: 'read' },
});

/** Create a schedule override (someone covers a time range). */
export const pulseOverrideCreatePermission = createPermission({
  name: 'pulse.oncall.override.create',
  attributes: { action: 'create' },
});

/** Delete a schedule override. */
export const pulseOverrideDeletePermission = createPermission({
  name: 'pulse.oncall.override.delete',
  attributes: { action: 'delete' },
});

/** Every permission Pulse defines, for registration with the permissions registry. */
export const pulsePermissions = [
  pulseReadPermission,
  pulseSyncRequestPermission,
  pulseIncidentReadPermission,
  pulseIncidentCreatePermission,
  pulseIncidentUpdatePermission,
  pulseOnCallReadPermission,
  pulseOverrideCreatePermission,
  pulseOverrideDeletePermission,
];
