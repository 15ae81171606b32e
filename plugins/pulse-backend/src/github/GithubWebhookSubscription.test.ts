import { mockServices } from '@backstage/backend-test-utils';
import {
  DefaultEventsService,
  EventParams,
} from '@backstage/plugin-events-node';
import { GithubWebhookSubscription } from './GithubWebhookSubscription';

function delivery(id: string): EventParams {
  return {
    topic: 'github.pull_request',
    eventPayload: { action: 'opened' },
    metadata: { 'x-github-event': 'pull_request', 'x-github-delivery': id },
  };
}

/** Lets every callback that is already due run. */
const settle = () => new Promise(resolve => setImmediate(resolve));

describe('GithubWebhookSubscription', () => {
  function bus() {
    const events = DefaultEventsService.create({
      logger: mockServices.logger.mock(),
    });
    // The events plugin publishes what its HTTP route received; Pulse subscribes.
    return {
      events: events.forPlugin('events'),
      pulse: events.forPlugin('pulse'),
    };
  }

  it('holds a delivery that arrives before Pulse is ready, and hands it over once it is', async () => {
    const { events, pulse } = bus();
    const subscription = await GithubWebhookSubscription.subscribe(pulse, {
      logger: mockServices.logger.mock(),
    });
    let answered = false;
    const published = events.publish(delivery('early')).then(() => {
      answered = true;
    });
    await settle();
    // The events backend answers GitHub when publish returns: not yet.
    expect(answered).toBe(false);

    const received: unknown[] = [];
    subscription.attach({
      onEvent: async params => {
        received.push(params.metadata?.['x-github-delivery']);
      },
    });
    await published;
    expect(received).toEqual(['early']);

    await events.publish(delivery('later'));
    expect(received).toEqual(['early', 'later']);
  });

  it('gives a delivery up, naming it, when Pulse is not ready in time', async () => {
    const { events, pulse } = bus();
    const logger = mockServices.logger.mock();
    await GithubWebhookSubscription.subscribe(pulse, {
      logger,
      readyTimeoutMs: 1,
    });
    await events.publish(delivery('too-early'));
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringContaining('too-early'),
    );
  });
});
