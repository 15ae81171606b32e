import { HttpAuthService } from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { NotFoundError } from '@backstage/errors';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { pulseIncidentReadPermission } from '@pulse-oss/plugin-pulse-common';
import type { Request } from 'express';
import { Caller, RequestKit } from './requestKit';

const service: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'checkout', namespace: 'default' },
  spec: { owner: 'group:default/team-a' },
};

function kitWith(options: {
  entities?: Entity[];
  authorize?: jest.Mock;
  decisionCacheMs?: number;
}) {
  const permissions = mockServices.permissions.mock();
  if (options.authorize) {
    permissions.authorize.mockImplementation(options.authorize);
    permissions.authorizeConditional.mockImplementation(options.authorize);
  }
  // Every request is Ava's, whatever token it carries: the kit tells tokens apart itself.
  const httpAuth = {
    ...mockServices.httpAuth(),
    credentials: async () => mockCredentials.user('user:default/ava'),
  } as unknown as HttpAuthService;
  return new RequestKit({
    httpAuth,
    auth: mockServices.auth(),
    permissions,
    catalog: catalogServiceMock({ entities: options.entities ?? [] }),
    userInfo: mockServices.userInfo(),
    decisionCacheMs: options.decisionCacheMs ?? 0,
  });
}

function userCaller(token: string): Caller {
  return {
    credentials: mockCredentials.user('user:default/ava'),
    actor: 'user:default/ava',
    userEntityRef: 'user:default/ava',
    request: { headers: { authorization: `Bearer ${token}` } } as Request,
  };
}

describe('RequestKit.readVisibleEntity', () => {
  it('gives the entity and what was read beside it', async () => {
    const kit = kitWith({ entities: [service] });
    const read = jest.fn(async () => 'rows');
    await expect(
      kit.readVisibleEntity(
        userCaller('t'),
        'component:default/checkout',
        read,
      ),
    ).resolves.toEqual({ entity: service, data: 'rows' });
    expect(read).toHaveBeenCalledTimes(1);
  });

  it('answers 404 for an entity the catalog does not show, whatever the read found or failed at', async () => {
    const kit = kitWith({ entities: [] });
    await expect(
      kit.readVisibleEntity(
        userCaller('t'),
        'component:default/checkout',
        async () => 'rows',
      ),
    ).rejects.toThrow(NotFoundError);
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      await expect(
        kit.readVisibleEntity(
          userCaller('t'),
          'component:default/checkout',
          async () => {
            throw new Error('database down');
          },
        ),
      ).rejects.toThrow(NotFoundError);
      // Let any rejection left unhandled surface before checking.
      await new Promise(resolve => setImmediate(resolve));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it("fails with the read's error when the entity is visible", async () => {
    const kit = kitWith({ entities: [service] });
    await expect(
      kit.readVisibleEntity(
        userCaller('t'),
        'component:default/checkout',
        async () => {
          throw new Error('database down');
        },
      ),
    ).rejects.toThrow('database down');
  });
});

describe('RequestKit decision cache', () => {
  it('keeps a caller’s decisions per token: a new token (new ownership claims) is asked afresh', async () => {
    const authorize = jest.fn(async (requests: unknown[]) =>
      requests.map(() => ({ result: AuthorizeResult.ALLOW })),
    );
    const kit = kitWith({
      entities: [service],
      authorize,
      decisionCacheMs: 10_000,
    });
    const ref = 'component:default/checkout';
    const first = await kit.caller(userCaller('token-1').request);
    await kit.isAllowed(first, pulseIncidentReadPermission, ref);
    await kit.isAllowed(first, pulseIncidentReadPermission, ref);
    expect(authorize).toHaveBeenCalledTimes(1);
    const second = await kit.caller(userCaller('token-2').request);
    await kit.isAllowed(second, pulseIncidentReadPermission, ref);
    expect(authorize).toHaveBeenCalledTimes(2);
  });
});
