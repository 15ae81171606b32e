import { mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  componentEntity,
  groupEntity,
  userEntity,
} from '../../__testUtils__/entities';
import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { CatalogPolicySource } from '../CatalogPolicySource';
import { choosePolicy } from '../policies';
import {
  migratedDatabase,
  oncallConfigData,
  testOncallConfig,
} from '../__testUtils__/fixtures';
import {
  DIRECTORY_REFRESH_EVERY_MS,
  DIRECTORY_RETRIES,
  DIRECTORY_RETRY_EVERY_MS,
  DirectoryReadState,
  DirectoryRefresher,
  directoryRefreshDue,
  nextDirectoryReadState,
} from './DirectoryRefresher';
import { DirectoryStore } from './DirectoryStore';
import { referencedRefs } from './referencedRefs';
import { ScheduleAudienceStore } from './ScheduleAudienceStore';

jest.setTimeout(60_000);

const databases = createTestDatabases();

const config = testOncallConfig({
  schedules: [
    {
      ...oncallConfigData.schedules[0],
      layers: [
        {
          ...oncallConfigData.schedules[0].layers[0],
          members: ['group:default/payments', 'user:default/zoe'],
        },
      ],
    },
  ],
  escalationPolicies: [
    {
      id: 'payments',
      name: 'Payments',
      steps: [
        { delayMinutes: 5, targets: [{ schedule: 'primary' }] },
        {
          delayMinutes: 5,
          targets: [
            { group: 'group:default/gone' },
            { user: 'user:default/carol' },
          ],
        },
      ],
    },
    {
      id: 'web',
      name: 'Web',
      steps: [{ delayMinutes: 5, targets: [{ user: 'user:default/carol' }] }],
    },
  ],
  defaultEscalationPolicy: 'payments',
  groupEscalationPolicies: { 'group:default/web': 'web' },
});

const entities: Entity[] = [
  componentEntity('invoices', { owner: 'group:default/billing' }),
  groupEntity('payments', {
    members: ['user:default/bob', 'user:default/alice'],
  }),
  ...['alice', 'bob', 'carol'].map(userEntity),
  componentEntity('checkout', {
    owner: 'web',
    annotations: { 'pulse.dev/escalation-policy': 'retired-policy' },
  }),
];

describe.each(databases.eachSupportedId())(
  'on-call directory on %s',
  databaseId => {
    it('reads group members and missing users from the catalog into the database', async () => {
      const knex = await databases.init(databaseId);
      await migratedDatabase(knex);
      const store = new DirectoryStore(knex);
      const audience = new ScheduleAudienceStore(knex);
      const logger = mockServices.logger.mock();
      const refresher = new DirectoryRefresher({
        config,
        catalog: catalogServiceMock({ entities }),
        auth: mockServices.auth(),
        store,
        audience,
        logger,
      });
      expect(referencedRefs(config)).toEqual({
        users: ['user:default/carol', 'user:default/zoe'],
        groups: ['group:default/gone', 'group:default/payments'],
      });
      expect(await refresher.refresh()).toEqual({
        groups: 2,
        users: 2,
        missing: ['group:default/gone', 'user:default/zoe'],
        emptyGroups: [],
      });
      const snapshot = await store.load();
      expect(snapshot.groupMembers('group:default/payments')).toEqual([
        'user:default/alice',
        'user:default/bob',
      ]);
      expect(snapshot.groupMembers('group:default/gone')).toEqual([]);
      expect(snapshot.isMissing('user:default/zoe')).toBe(true);
      expect(snapshot.isMissing('user:default/carol')).toBe(false);
      // invoices falls back to the default policy, which pages 'primary'; checkout's owner has a
      // policy of its own that pages no schedule.
      expect(await audience.load()).toEqual(
        new Map([['primary', ['group:default/billing']]]),
      );
      expect(logger.warn).toHaveBeenCalledWith(
        expect.stringContaining(
          'user:default/zoe, which is not in the catalog',
        ),
      );
    });
  },
);

describe('escalation policy choice', () => {
  it('follows annotation, then owner group, then default, and reports an unknown annotation', async () => {
    const [, , , , , checkout] = entities;
    expect(
      choosePolicy(config, 'component:default/checkout', checkout),
    ).toEqual({
      policy: expect.objectContaining({ id: 'web' }),
      chosenBy: 'owner-group',
      problem:
        'The pulse.dev/escalation-policy annotation of component:default/checkout names an unknown escalation policy "retired-policy"',
    });
    expect(
      choosePolicy(config, 'component:default/x', {
        ...checkout,
        metadata: {
          name: 'x',
          annotations: { 'pulse.dev/escalation-policy': 'web' },
        },
        spec: { owner: 'group:default/payments' },
      }),
    ).toMatchObject({
      policy: { id: 'web' },
      chosenBy: 'annotation',
      problem: null,
    });
    expect(
      choosePolicy(config, 'component:default/unknown', undefined),
    ).toMatchObject({
      policy: { id: 'payments' },
      chosenBy: 'default',
      problem: null,
    });
    expect(
      choosePolicy(
        { ...config, defaultPolicyId: null },
        'component:default/unknown',
        undefined,
      ),
    ).toMatchObject({
      policy: null,
      chosenBy: null,
      problem: expect.stringContaining('No escalation policy applies'),
    });

    const logger = mockServices.logger.mock();
    const source = new CatalogPolicySource({
      config,
      catalog: catalogServiceMock({ entities }),
      auth: mockServices.auth(),
      logger,
    });
    expect(await source.reportUnknownPolicies()).toEqual([
      'component:default/checkout',
    ]);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('"retired-policy"'),
    );
    expect(await source.policyFor('component:default/checkout')).toMatchObject({
      chosenBy: 'owner-group',
    });
  });
});

describe('directoryRefreshDue', () => {
  const start = new Date('2026-12-02T09:00:00Z');
  const later = (ms: number) => new Date(start.getTime() + ms);
  const complete = { missing: [], emptyGroups: [] };
  const ingesting = { missing: [], emptyGroups: ['group:default/payments'] };

  it('reads at once, then every period while the directory is complete', () => {
    expect(directoryRefreshDue(undefined, start)).toBe(true);
    const read = nextDirectoryReadState(undefined, complete, start);
    expect(directoryRefreshDue(read, later(DIRECTORY_RETRY_EVERY_MS))).toBe(
      false,
    );
    expect(directoryRefreshDue(read, later(DIRECTORY_REFRESH_EVERY_MS))).toBe(
      true,
    );
  });

  it('reads on every tick while a group has no members or a ref is missing', () => {
    let read = nextDirectoryReadState(undefined, ingesting, start);
    expect(directoryRefreshDue(read, later(DIRECTORY_RETRY_EVERY_MS))).toBe(
      true,
    );
    read = nextDirectoryReadState(
      read,
      { missing: ['user:default/zoe'], emptyGroups: [] },
      later(DIRECTORY_RETRY_EVERY_MS),
    );
    expect(read.incompleteInARow).toBe(2);
    expect(directoryRefreshDue(read, later(2 * DIRECTORY_RETRY_EVERY_MS))).toBe(
      true,
    );
    // Found everything: back to the full period.
    read = nextDirectoryReadState(
      read,
      complete,
      later(DIRECTORY_RETRY_EVERY_MS),
    );
    expect(read).toMatchObject({ complete: true, incompleteInARow: 0 });
    expect(directoryRefreshDue(read, later(2 * DIRECTORY_RETRY_EVERY_MS))).toBe(
      false,
    );
  });

  it('waits the full period after a gap that lasts (a typo in the config)', () => {
    let read: DirectoryReadState | undefined;
    for (let i = 0; i < DIRECTORY_RETRIES; i++) {
      read = nextDirectoryReadState(read, ingesting, start);
    }
    expect(directoryRefreshDue(read, later(DIRECTORY_RETRY_EVERY_MS))).toBe(
      false,
    );
    expect(directoryRefreshDue(read, later(DIRECTORY_REFRESH_EVERY_MS))).toBe(
      true,
    );
  });
});
