import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  catalogEntityDeletePermission,
  catalogLocationCreatePermission,
  catalogLocationDeletePermission,
} from '@backstage/plugin-catalog-common/alpha';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import {
  AuthorizeResult,
  isPermission,
  isResourcePermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  createPulseScheduleConditionalDecision,
  pulseScheduleConditions,
} from '@pulse-oss/plugin-pulse-backend';
import {
  pulseIncidentUpdatePermission,
  pulseOnCallReadPermission,
  pulseOverrideCreatePermission,
  pulseOverrideDeletePermission,
  pulseSyncRequestPermission,
  RESOURCE_TYPE_PULSE_SCHEDULE,
} from '@pulse-oss/plugin-pulse-common';

/** The group whose members administer the portal. */
export const PORTAL_ADMINS_GROUP = 'group:default/platform';

const adminOnlyPermissions = [
  catalogEntityDeletePermission,
  catalogLocationCreatePermission,
  catalogLocationDeletePermission,
];

/** Acting on a service's incidents and its sync: its owners and the platform group. */
const ownerPermissions = [
  pulseIncidentUpdatePermission,
  pulseSyncRequestPermission,
];

/** Changing who covers a schedule: its members and the platform group. */
const scheduleMemberPermissions = [
  pulseOverrideCreatePermission,
  pulseOverrideDeletePermission,
];

const allow: PolicyDecision = { result: AuthorizeResult.ALLOW };
const deny: PolicyDecision = { result: AuthorizeResult.DENY };

/**
 * The demo portal's policy:
 *
 * - Everyone signed in reads the catalog and Pulse's data about what they can see, and may page a
 *   service's on-call (that is how another team asks for help).
 * - Owners of a service and the platform group may acknowledge, resolve, reassign, escalate and
 *   annotate its incidents, and ask for a GitHub sync of it.
 * - A schedule is visible to its members, to the owners of services whose escalation policy pages
 *   it, and to the platform group; its members and the platform group create and delete its
 *   overrides.
 * - Changing the catalog's structure is reserved to the platform group.
 *
 * Service tokens never reach a policy: Backstage decides for them from their access restrictions.
 */
export class PortalPermissionPolicy implements PermissionPolicy {
  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const { permission } = request;
    const claims = user?.info.ownershipEntityRefs ?? [];
    const isAdmin = claims.includes(PORTAL_ADMINS_GROUP);

    if (adminOnlyPermissions.some(p => isPermission(permission, p))) {
      return isAdmin ? allow : deny;
    }
    if (ownerPermissions.some(p => isPermission(permission, p))) {
      if (!user) return deny;
      if (isAdmin) return allow;
      if (isResourcePermission(permission, 'catalog-entity')) {
        return createCatalogConditionalDecision(
          permission,
          catalogConditions.isEntityOwner({ claims }),
        );
      }
      return deny;
    }
    if (isResourcePermission(permission, RESOURCE_TYPE_PULSE_SCHEDULE)) {
      if (!user) return deny;
      if (isAdmin) return allow;
      if (isPermission(permission, pulseOnCallReadPermission)) {
        return createPulseScheduleConditionalDecision(permission, {
          anyOf: [
            pulseScheduleConditions.isScheduleMember({ claims }),
            pulseScheduleConditions.servesOwnedEntity({ claims }),
          ],
        });
      }
      if (scheduleMemberPermissions.some(p => isPermission(permission, p))) {
        return createPulseScheduleConditionalDecision(
          permission,
          pulseScheduleConditions.isScheduleMember({ claims }),
        );
      }
      return deny;
    }
    return allow;
  }
}

export default createBackendModule({
  pluginId: 'permission',
  moduleId: 'portal-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint },
      async init({ policy }) {
        policy.setPolicy(new PortalPermissionPolicy());
      },
    });
  },
});
