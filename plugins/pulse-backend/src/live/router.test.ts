import { mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { DomainEventPublisher } from '../events/DomainEventPublisher';
import { startPulseTestBackend } from '../__testUtils__/testBackend';
import { createTestDatabases } from '../__testUtils__/testDatabases';

jest.setTimeout(60_000);

const databases = createTestDatabases();

function component(name: string, owner: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default' },
    spec: { owner },
    relations: [{ type: 'ownedBy', targetRef: owner }],
  };
}

function group(name: string, children: string[] = []): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { name, namespace: 'default' },
    spec: { type: 'team', children },
    relations: children.map(child => ({
      type: 'parentOf',
      targetRef: `group:default/${child}`,
    })),
  };
}

const entities = [
  group('engineering', ['payments']),
  group('payments'),
  component('payments-api', 'group:default/payments'),
  component('ledger', 'group:default/engineering'),
  component('secret-service', 'group:default/payments'),
];

describe.each(databases.eachSupportedId())('live routes on %s', databaseId => {
  async function start() {
    const knex = await databases.init(databaseId);
    const started = await startPulseTestBackend({
      knex,
      entities,
      config: {
        pulse: {
          api: { validateResponses: true },
          oncall: {
            schedules: [
              {
                id: 'primary',
                name: 'Primary',
                timeZone: 'UTC',
                layers: [
                  {
                    id: 'a',
                    members: ['user:default/alice'],
                    rotation: 'weekly',
                    handoffTime: '09:00',
                    start: '2026-01-05',
                  },
                ],
              },
            ],
          },
        },
      },
      // The outsider may not see secret-service, nor read ledger's incidents.
      visible: (entity, principal) =>
        !(
          principal.ref === 'user:default/outsider' &&
          entity.metadata.name === 'secret-service'
        ),
      decide: (permission, resourceRef, principal) =>
        !(
          principal.ref === 'user:default/outsider' &&
          permission === 'pulse.incident.read' &&
          resourceRef === 'component:default/ledger'
        ),
    });
    const publisher = new DomainEventPublisher(
      knex,
      mockServices.logger.mock(),
    );
    return { ...started, knex, publisher };
  }

  it('serves an entity feed newest first, page by page, and its versions', async () => {
    const { backend, as, publisher } = await start();
    for (let n = 1; n <= 5; n++) {
      await publisher.publish({
        entityRef: 'component:default/payments-api',
        type: 'github.pull_request.updated',
        payload: { number: n },
      });
    }
    const first = await as().get(
      '/entities/component/default/payments-api/activity?limit=3',
    );
    expect(first.status).toBe(200);
    expect(first.body.items.map((i: any) => i.payload.number)).toEqual([
      5, 4, 3,
    ]);
    expect(first.body.version).toBe(5);
    const second = await as().get(
      `/entities/component/default/payments-api/activity?limit=3&before=${first.body.nextCursor}`,
    );
    expect(second.body.items.map((i: any) => i.payload.number)).toEqual([2, 1]);
    expect(second.body.nextCursor).toBeNull();
    const versions = await as().get(
      '/entities/component/default/payments-api/versions',
    );
    expect(versions.body).toEqual({
      entityRef: 'component:default/payments-api',
      versions: { 'pull-requests': 5, activity: 5 },
    });
    await backend.stop();
  });

  it("shows a team's feed over the entities it and its child groups own, as the caller may see them", async () => {
    const { backend, as, publisher } = await start();
    const publish = (name: string, type: string) =>
      publisher.publish({
        entityRef: `component:default/${name}`,
        type,
        payload: { name },
      });
    await publish('payments-api', 'github.workflow_run.updated');
    await publish('ledger', 'incident.created');
    await publish('secret-service', 'github.deployment.updated');
    await publish('ledger', 'github.pull_request.updated');

    const names = (res: any) =>
      res.body.items.map((i: any) => `${i.payload.name} ${i.type}`);
    const insider = await as('user:default/insider').get(
      '/entities/group/default/engineering/activity',
    );
    expect(names(insider)).toEqual([
      'ledger github.pull_request.updated',
      'secret-service github.deployment.updated',
      'ledger incident.created',
      'payments-api github.workflow_run.updated',
    ]);
    const outsider = await as('user:default/outsider').get(
      '/entities/group/default/engineering/activity',
    );
    expect(names(outsider)).toEqual([
      'ledger github.pull_request.updated',
      'payments-api github.workflow_run.updated',
    ]);
    // Nor the entity feed or versions of what the catalog hides.
    expect(
      (
        await as('user:default/outsider').get(
          '/entities/component/default/secret-service/activity',
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await as('user:default/outsider').get(
          '/entities/component/default/secret-service/versions',
        )
      ).status,
    ).toBe(404);
    const ledger = await as('user:default/outsider').get(
      '/entities/component/default/ledger/activity',
    );
    expect(names(ledger)).toEqual(['ledger github.pull_request.updated']);
    await backend.stop();
  });

  it("serves a schedule's versions to those who may read it", async () => {
    const { backend, as, publisher } = await start();
    await publisher.publish({
      entityRef: null,
      type: 'oncall.handoff',
      payload: { scheduleId: 'primary', from: null, to: 'user:default/alice' },
    });
    const res = await as().get('/schedules/primary/versions');
    expect(res.body).toEqual({
      scheduleId: 'primary',
      versions: { oncall: 1, activity: 1 },
    });
    expect((await as().get('/schedules/nope/versions')).status).toBe(404);
    await backend.stop();
  });
});
