import { createPermission } from '@backstage/plugin-permission-common';

/** Read Pulse data (tracked entities, pull requests, workflow runs) for entities the user may see. */
export const pulseReadPermission = createPermission({
  name: 'pulse.read',
  attributes: { action: 'read' },
});

/** Every permission Pulse defines, for registration with the permissions registry. */
export const pulsePermissions = [pulseReadPermission];
