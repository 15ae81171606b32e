import { mockCredentials } from '@backstage/backend-test-utils';
import {
  catalogEntityDeletePermission,
  catalogEntityReadPermission,
  catalogLocationCreatePermission,
} from '@backstage/plugin-catalog-common/alpha';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  pulseIncidentCreatePermission,
  pulseIncidentReadPermission,
  pulseIncidentUpdatePermission,
  pulseOnCallReadPermission,
  pulseOverrideCreatePermission,
  pulseOverrideDeletePermission,
  pulseReadPermission,
  pulseSyncRequestPermission,
} from '@pulse-oss/plugin-pulse-common';
import { PortalPermissionPolicy } from './permissionPolicy';

const policy = new PortalPermissionPolicy();

/** Users of examples/org.yaml with the groups their sign-in resolves to. */
const amelia = userWith('user:default/amelia.chen', ['group:default/platform']);
const chloe = userWith('user:default/chloe.martin', ['group:default/payments']);

function userWith(userEntityRef: string, groups: string[]) {
  return {
    credentials: mockCredentials.user(userEntityRef),
    info: { userEntityRef, ownershipEntityRefs: [userEntityRef, ...groups] },
  };
}

describe('PortalPermissionPolicy', () => {
  it('lets everyone read the catalog and Pulse data, and page an on-call', async () => {
    for (const permission of [
      catalogEntityReadPermission,
      pulseReadPermission,
      pulseIncidentReadPermission,
      pulseIncidentCreatePermission,
    ]) {
      expect(await policy.handle({ permission }, chloe)).toEqual({
        result: AuthorizeResult.ALLOW,
      });
    }
  });

  it('reserves deleting entities and registering locations to the platform group', async () => {
    for (const permission of [
      catalogEntityDeletePermission,
      catalogLocationCreatePermission,
    ]) {
      expect(await policy.handle({ permission }, amelia)).toEqual({
        result: AuthorizeResult.ALLOW,
      });
      expect(await policy.handle({ permission }, chloe)).toEqual({
        result: AuthorizeResult.DENY,
      });
    }
  });

  it("lets a service's owners act on its incidents and sync, through the catalog's ownership rule", async () => {
    for (const permission of [
      pulseIncidentUpdatePermission,
      pulseSyncRequestPermission,
    ]) {
      expect(await policy.handle({ permission }, amelia)).toEqual({
        result: AuthorizeResult.ALLOW,
      });
      expect(await policy.handle({ permission }, chloe)).toEqual({
        result: AuthorizeResult.CONDITIONAL,
        pluginId: 'catalog',
        resourceType: 'catalog-entity',
        conditions: {
          rule: 'IS_ENTITY_OWNER',
          resourceType: 'catalog-entity',
          params: {
            claims: ['user:default/chloe.martin', 'group:default/payments'],
          },
        },
      });
    }
  });

  it("shows schedules to their members and their services' owners; members change overrides", async () => {
    const claims = ['user:default/chloe.martin', 'group:default/payments'];
    expect(
      await policy.handle({ permission: pulseOnCallReadPermission }, chloe),
    ).toEqual({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'pulse',
      resourceType: 'pulse-schedule',
      conditions: {
        anyOf: [
          {
            rule: 'IS_SCHEDULE_MEMBER',
            resourceType: 'pulse-schedule',
            params: { claims },
          },
          {
            rule: 'SERVES_OWNED_ENTITY',
            resourceType: 'pulse-schedule',
            params: { claims },
          },
        ],
      },
    });
    for (const permission of [
      pulseOverrideCreatePermission,
      pulseOverrideDeletePermission,
    ]) {
      expect(await policy.handle({ permission }, chloe)).toEqual({
        result: AuthorizeResult.CONDITIONAL,
        pluginId: 'pulse',
        resourceType: 'pulse-schedule',
        conditions: {
          rule: 'IS_SCHEDULE_MEMBER',
          resourceType: 'pulse-schedule',
          params: { claims },
        },
      });
      expect(await policy.handle({ permission }, amelia)).toEqual({
        result: AuthorizeResult.ALLOW,
      });
    }
  });

  it('denies admin and Pulse actions to callers without a user identity', async () => {
    for (const permission of [
      catalogEntityDeletePermission,
      pulseIncidentUpdatePermission,
      pulseOverrideCreatePermission,
    ]) {
      expect(await policy.handle({ permission })).toEqual({
        result: AuthorizeResult.DENY,
      });
    }
  });
});
