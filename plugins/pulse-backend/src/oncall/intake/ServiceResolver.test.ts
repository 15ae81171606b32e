import { mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { ServiceResolver } from './ServiceResolver';

function setup() {
  const catalog = catalogServiceMock.mock({
    getEntityByRef: jest.fn(async (ref: any) =>
      ref === 'component:default/payments-api'
        ? {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Component',
            metadata: { name: 'Payments-API', namespace: 'default' },
          }
        : undefined,
    ),
  });
  let now = 0;
  const resolver = new ServiceResolver({
    catalog,
    auth: mockServices.auth(),
    kinds: { entityKinds: ['Component', 'Resource', 'System'] },
    clock: { now: () => new Date(now) },
  });
  return { catalog, resolver, advance: (ms: number) => (now += ms) };
}

describe('ServiceResolver', () => {
  it('refuses a kind that cannot have incidents without asking the catalog', async () => {
    const { resolver, catalog } = setup();
    await expect(
      resolver.resolve({
        ref: 'group:default/payments',
        from: "label 'entity_ref'",
      }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message:
        "Alert refused (from label 'entity_ref'): group:default/payments is of kind Group, and incidents can only be about kinds Component, Resource or System (pulse.oncall.intake.entityKinds)",
    });
    expect(catalog.getEntityByRef).not.toHaveBeenCalled();
  });

  it('answers with the canonical ref of the entity found, asking with the plugin’s service credentials', async () => {
    const { resolver, catalog } = setup();
    await expect(
      resolver.resolve({ ref: 'payments-api', from: "label 'service'" }),
    ).resolves.toBe('component:default/payments-api');
    expect(catalog.getEntityByRef).toHaveBeenCalledWith(
      'component:default/payments-api',
      {
        credentials: expect.objectContaining({
          principal: expect.objectContaining({
            type: 'service',
            subject: 'plugin:test',
          }),
        }),
      },
    );
  });

  it('names an unknown service and where it came from', async () => {
    const { resolver } = setup();
    await expect(
      resolver.resolve({ ref: 'checkout', from: "label 'service'" }),
    ).rejects.toThrow(
      "Unknown service 'component:default/checkout' (from label 'service'): there is no such entity in the catalog",
    );
  });

  it('remembers known services for a minute and never remembers unknown ones', async () => {
    const { resolver, catalog, advance } = setup();
    const hint = { ref: 'component:default/payments-api', from: 'x' };
    await resolver.resolve(hint);
    await resolver.resolve({ ...hint, ref: 'Component:default/Payments-API' });
    expect(catalog.getEntityByRef).toHaveBeenCalledTimes(1);
    advance(60_001);
    await resolver.resolve(hint);
    expect(catalog.getEntityByRef).toHaveBeenCalledTimes(2);

    for (let i = 0; i < 2; i++) {
      await expect(
        resolver.resolve({ ref: 'nope', from: 'x' }),
      ).rejects.toThrow();
    }
    expect(catalog.getEntityByRef).toHaveBeenCalledTimes(4);
  });

  it('asks once per distinct service of a delivery', async () => {
    const { resolver, catalog } = setup();
    const refs = await resolver.resolveAll([
      { ref: 'payments-api', from: 'a' },
      { ref: 'component:default/payments-api', from: 'b' },
      { ref: 'payments-api', from: 'c' },
    ]);
    expect(refs).toEqual(Array(3).fill('component:default/payments-api'));
    expect(catalog.getEntityByRef).toHaveBeenCalledTimes(1);
  });
});
