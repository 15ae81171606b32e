import { mockServices } from '@backstage/backend-test-utils';
import { SignalPayload } from '@backstage/plugin-signals-node';
import { applyMigrations } from '../database/migrations';
import { DomainEventPublisher } from '../events/DomainEventPublisher';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { Schedule } from './HintCoalescer';
import { LiveHints } from './LiveHints';

jest.setTimeout(60_000);

const databases = createTestDatabases();

function manualSchedule() {
  const due: Array<() => void> = [];
  const schedule: Schedule = fn => {
    due.push(fn);
    return () => {
      const index = due.indexOf(fn);
      if (index >= 0) due.splice(index, 1);
    };
  };
  /** Ends the current coalescing window. */
  const tick = () => due.splice(0).forEach(fn => fn());
  return { schedule, tick };
}

describe.each(databases.eachSupportedId())('LiveHints on %s', databaseId => {
  async function setup() {
    const knex = await databases.init(databaseId);
    await applyMigrations(knex);
    const publisher = new DomainEventPublisher(
      knex,
      mockServices.logger.mock(),
    );
    const sent: SignalPayload[] = [];
    const { schedule, tick } = manualSchedule();
    const hints = new LiveHints({
      signals: { publish: async signal => void sent.push(signal) },
      logger: mockServices.logger.mock(),
      schedule,
    });
    hints.attach(publisher);
    return { knex, publisher, sent, tick };
  }

  it('sends small hints, never data: the first change at once, the rest of a burst once per window', async () => {
    const { publisher, sent, tick } = await setup();
    const hintOf = (topic: string, version: number) => ({
      recipients: { type: 'broadcast' },
      channel: 'pulse:entity:component:default/payments-api',
      message: { entityRef: 'component:default/payments-api', topic, version },
    });
    for (let n = 1; n <= 50; n++) {
      await publisher.publish({
        entityRef: 'Component:default/Payments-API',
        type: 'github.pull_request.updated',
        payload: { pullRequest: { number: n, title: 'Secret roadmap item' } },
      });
    }
    expect(sent).toHaveLength(2);
    expect(sent).toEqual(
      expect.arrayContaining([
        hintOf('pull-requests', 1),
        hintOf('activity', 1),
      ]),
    );
    tick();
    expect(sent).toHaveLength(4);
    expect(sent.slice(2)).toEqual(
      expect.arrayContaining([
        hintOf('pull-requests', 50),
        hintOf('activity', 50),
      ]),
    );
    tick();
    expect(sent).toHaveLength(4);
    expect(JSON.stringify(sent)).not.toContain('Secret');
  });

  it('tells the incident lists and only the assignees of their own incidents', async () => {
    const { publisher, sent, tick } = await setup();
    await publisher.publish({
      entityRef: 'component:default/payments-api',
      type: 'incident.notified',
      payload: {
        incident: {
          id: 'i1',
          title: 'Refunds failing',
          assignees: ['user:default/alice'],
        },
        actor: null,
      },
    });
    tick();
    const byChannel = new Map(sent.map(s => [s.channel, s]));
    expect(byChannel.get('pulse:incidents')).toEqual({
      recipients: { type: 'broadcast' },
      channel: 'pulse:incidents',
      message: {
        entityRef: 'component:default/payments-api',
        topic: 'incidents',
        version: 1,
      },
    });
    expect(byChannel.get('pulse:incidents:assigned')).toEqual({
      recipients: { type: 'user', entityRef: ['user:default/alice'] },
      channel: 'pulse:incidents:assigned',
      message: {
        entityRef: 'component:default/payments-api',
        topic: 'incidents',
        version: 1,
      },
    });
    expect(JSON.stringify(sent)).not.toContain('Refunds');
  });

  it('sends schedule hints on the schedule channel', async () => {
    const { publisher, sent, tick } = await setup();
    await publisher.publish({
      entityRef: null,
      type: 'oncall.handoff',
      payload: {
        scheduleId: 'primary',
        from: 'user:default/a',
        to: 'user:default/b',
      },
    });
    tick();
    expect(sent).toContainEqual({
      recipients: { type: 'broadcast' },
      channel: 'pulse:schedule:primary',
      message: { scheduleId: 'primary', topic: 'oncall', version: 1 },
    });
  });

  it('sends nothing for a change that rolled back', async () => {
    const { knex, publisher, sent, tick } = await setup();
    await knex
      .transaction(async tx => {
        await publisher.publish(
          {
            entityRef: 'component:default/x',
            type: 'incident.created',
            payload: {},
          },
          tx,
        );
        throw new Error('rolled back');
      })
      .catch(() => undefined);
    tick();
    expect(sent).toEqual([]);
  });
});
