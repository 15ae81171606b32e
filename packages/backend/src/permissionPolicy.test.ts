import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import {
  catalogEntityDeletePermission,
  catalogEntityReadPermission,
  catalogLocationCreatePermission,
} from '@backstage/plugin-catalog-common/alpha';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { pulseReadPermission } from '@internal/plugin-pulse-common';
import { PortalPermissionPolicy } from './permissionPolicy';

function policyFor(ownershipEntityRefs: string[]) {
  return new PortalPermissionPolicy(
    mockServices.userInfo({
      userEntityRef: 'user:default/someone',
      ownershipEntityRefs,
    }),
  );
}

const user = {
  credentials: mockCredentials.user('user:default/someone'),
  info: { userEntityRef: 'user:default/someone', ownershipEntityRefs: [] },
};

describe('PortalPermissionPolicy', () => {
  it('lets everyone read the catalog and Pulse data', async () => {
    const policy = policyFor(['user:default/someone']);
    for (const permission of [catalogEntityReadPermission, pulseReadPermission]) {
      expect(await policy.handle({ permission }, user)).toEqual({
        result: AuthorizeResult.ALLOW,
      });
    }
  });

  it('reserves deleting entities and registering locations to the platform group', async () => {
    const member = policyFor(['user:default/someone', 'group:default/platform']);
    const outsider = policyFor(['user:default/someone', 'group:default/payments']);
    for (const permission of [
      catalogEntityDeletePermission,
      catalogLocationCreatePermission,
    ]) {
      expect(await member.handle({ permission }, user)).toEqual({
        result: AuthorizeResult.ALLOW,
      });
      expect(await outsider.handle({ permission }, user)).toEqual({
        result: AuthorizeResult.DENY,
      });
    }
  });

  it('denies admin actions to callers without a user identity', async () => {
    expect(
      await policyFor([]).handle({ permission: catalogEntityDeletePermission }),
    ).toEqual({ result: AuthorizeResult.DENY });
  });
});
