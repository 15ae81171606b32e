import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  DefaultEventsService,
  eventsServiceRef,
} from '@backstage/plugin-events-node';
import { pulsePlugin } from './plugin';
import { createTestDatabases } from './__testUtils__/testDatabases';

const databases = createTestDatabases();

/**
 * The events backend answers GitHub as soon as the events plugin has started, whatever Pulse is
 * still doing; a delivery published before Pulse has subscribed never reaches Pulse. So the
 * subscription comes before migrations and every other awaited step of Pulse's start-up.
 */
describe('Pulse start-up', () => {
  it('subscribes to the GitHub webhook topics before it touches the database', async () => {
    const knex = await databases.init('SQLITE_3');
    const steps: string[] = [];
    const bus = DefaultEventsService.create({
      logger: mockServices.logger.mock(),
    });
    await startTestBackend({
      features: [
        pulsePlugin,
        createServiceFactory({
          service: eventsServiceRef,
          deps: {},
          factory: () => {
            const events = bus.forPlugin('pulse');
            return {
              publish: params => events.publish(params),
              subscribe: async options => {
                steps.push(`subscribe ${options.id}`);
                await events.subscribe(options);
              },
            };
          },
        }),
        createServiceFactory({
          service: coreServices.database,
          deps: {},
          factory: () => ({
            getClient: async () => {
              steps.push('database');
              return knex;
            },
          }),
        }),
        mockServices.rootConfig.factory({
          data: { integrations: { github: [{ host: 'github.com' }] } },
        }),
        catalogServiceMock.factory({ entities: [] }),
      ],
    });
    expect(steps[0]).toBe('subscribe pulse-github');
    expect(steps).toContain('database');
  });
});
