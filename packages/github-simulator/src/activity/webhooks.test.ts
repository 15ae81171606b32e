import { verify } from '@octokit/webhooks-methods';
import express from 'express';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { startTestSimulator } from '../__testUtils__/simulator';
import { WebhookValidator } from '../__testUtils__/webhookValidator';
import { GitHubSimulator } from '../GitHubSimulator';
import { WebhookEvent } from './types';

const SECRET = 'simulator-webhook-secret';

/** Every event and action the activity engine emits. */
const EXPECTED_KINDS = [
  'check_run:completed',
  'check_run:created',
  'deployment:created',
  'deployment_status:created',
  'pull_request:closed',
  'pull_request:opened',
  'pull_request:ready_for_review',
  'pull_request:synchronize',
  'pull_request_review:submitted',
  'status',
  'workflow_run:completed',
  'workflow_run:in_progress',
  'workflow_run:requested',
];

interface ReceivedDelivery {
  headers: http.IncomingHttpHeaders;
  rawBody: string;
}

function kindOf(name: string, action: string | undefined): string {
  return action ? `${name}:${action}` : name;
}

describe('activity webhooks', () => {
  let receiver: http.Server;
  let receiverUrl: string;
  const received: ReceivedDelivery[] = [];
  let simulator: GitHubSimulator;
  const emitted: WebhookEvent[] = [];

  beforeAll(async () => {
    const app = express();
    app.post('/hooks', express.raw({ type: '*/*' }), (req, res) => {
      received.push({
        headers: req.headers,
        rawBody: req.body.toString('utf8'),
      });
      res.status(202).end();
    });
    receiver = http.createServer(app);
    await new Promise<void>(resolve =>
      receiver.listen(0, '127.0.0.1', resolve),
    );
    receiverUrl = `http://127.0.0.1:${
      (receiver.address() as AddressInfo).port
    }/hooks`;

    simulator = await startTestSimulator({
      repositories: [
        'acme/web',
        'acme/api',
        'acme/mobile',
        'globex/infra',
        'globex/billing',
      ],
      pullsPerRepo: 20,
      runsPerRepo: 40,
      webhook: { url: receiverUrl, secret: SECRET, installationId: 4242 },
      activity: { stepSeconds: 120 },
    });
    simulator.onEvent(event => emitted.push(event));

    const seen = new Set<string>();
    const mergedValues = new Set<boolean>();
    for (
      let tick = 0;
      tick < 400 &&
      (seen.size < EXPECTED_KINDS.length || mergedValues.size < 2);
      tick++
    ) {
      for (const event of simulator.tick()) {
        seen.add(kindOf(event.name, event.action));
        if (event.name === 'pull_request' && event.action === 'closed') {
          mergedValues.add(
            (event.payload.pull_request as { merged: boolean }).merged,
          );
        }
      }
    }
    await simulator.webhooksIdle();
  });

  afterAll(async () => {
    await simulator.stop();
    await new Promise(resolve => receiver.close(resolve));
  });

  it('emits every event type and action', () => {
    const kinds = new Set(
      emitted.map(event => kindOf(event.name, event.action)),
    );
    expect([...kinds].sort()).toEqual(EXPECTED_KINDS);
    const closed = emitted.filter(
      event => event.name === 'pull_request' && event.action === 'closed',
    );
    const merged = closed.map(
      event => (event.payload.pull_request as { merged: boolean }).merged,
    );
    expect(new Set(merged)).toEqual(new Set([true, false]));
  });

  it('delivers every event, in order, with GitHub headers', () => {
    expect(
      received.map(delivery => delivery.headers['x-github-delivery']),
    ).toEqual(emitted.map(event => event.deliveryId));
    for (const [index, delivery] of received.entries()) {
      const event = emitted[index];
      expect(delivery.headers).toMatchObject({
        'x-github-event': event.name,
        'content-type': 'application/json',
        'x-github-hook-installation-target-type': 'repository',
      });
      expect(delivery.headers['user-agent']).toMatch(/^GitHub-Hookshot\//);
      expect(delivery.headers['x-github-delivery']).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(JSON.parse(delivery.rawBody)).toEqual(event.payload);
    }
  });

  it('signs every delivery with the configured secret', async () => {
    for (const delivery of received) {
      const signature = delivery.headers['x-hub-signature-256'] as string;
      expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(await verify(SECRET, delivery.rawBody, signature)).toBe(true);
      expect(await verify('wrong-secret', delivery.rawBody, signature)).toBe(
        false,
      );
    }
  });

  it('sends payloads that match the webhook schemas', () => {
    const validator = new WebhookValidator();
    const failures: Array<{ kind: string; errors: string[] }> = [];
    for (const delivery of received) {
      const payload = JSON.parse(delivery.rawBody);
      const name = delivery.headers['x-github-event'] as string;
      const errors = validator.validate(name, payload.action, payload);
      if (errors.length) {
        failures.push({
          kind: kindOf(name, payload.action),
          errors: errors.slice(0, 5),
        });
      }
    }
    expect(failures.slice(0, 3)).toEqual([]);
  });

  it('includes repository, sender, organization and installation', () => {
    for (const event of emitted) {
      expect(event.payload).toMatchObject({
        repository: { full_name: event.repository },
        sender: { login: expect.any(String) },
        organization: { login: event.repository.split('/')[0] },
        installation: { id: 4242 },
      });
    }
  });

  it('reflects activity in the REST API', async () => {
    const opened = emitted.find(
      event => event.name === 'pull_request' && event.action === 'opened',
    )!;
    const number = (opened.payload as { number: number }).number;
    const response = await fetch(
      `${simulator.url}/repos/${opened.repository}/pulls/${number}`,
    );
    expect(response.status).toBe(200);
    const pull = await response.json();
    expect(pull.id).toBe((opened.payload.pull_request as { id: number }).id);

    const completed = emitted.find(
      event => event.name === 'workflow_run' && event.action === 'completed',
    )!;
    const run = completed.payload.workflow_run as {
      id: number;
      conclusion: string;
    };
    const runResponse = await fetch(
      `${simulator.url}/repos/${completed.repository}/actions/runs/${run.id}`,
    );
    expect(await runResponse.json()).toMatchObject({
      status: 'completed',
      conclusion: run.conclusion,
    });
  });
});

describe('webhook delivery failures', () => {
  it('are logged and reported without stopping the simulator', async () => {
    const warnings: string[] = [];
    const closedPort = http.createServer();
    await new Promise<void>(resolve =>
      closedPort.listen(0, '127.0.0.1', resolve),
    );
    const port = (closedPort.address() as AddressInfo).port;
    await new Promise(resolve => closedPort.close(resolve));

    const simulator = await startTestSimulator({
      webhook: { url: `http://127.0.0.1:${port}/hooks`, secret: 's' },
      logger: {
        warn: message => warnings.push(message),
        error: message => warnings.push(message),
      },
    });
    try {
      const failures: string[] = [];
      simulator.onDelivery(delivery => {
        if (delivery.error) {
          failures.push(delivery.event.deliveryId);
        }
      });
      const events = simulator.tick();
      await simulator.webhooksIdle();
      expect(failures).toEqual(events.map(event => event.deliveryId));
      expect(warnings.length).toBe(events.length);
      expect(warnings[0]).toContain('failed');
      expect(simulator.tick().length).toBeGreaterThan(0);
      await simulator.webhooksIdle();
    } finally {
      await simulator.stop();
    }
  });
});

describe('activity interval', () => {
  it('runs activity steps on a timer until stopped', async () => {
    const simulator = await startTestSimulator({
      activity: { intervalMs: 20, stepSeconds: 60 },
    });
    const startedAt = simulator.clock.now();
    const events: WebhookEvent[] = [];
    simulator.onEvent(event => events.push(event));
    try {
      await new Promise(resolve => setTimeout(resolve, 300));
      expect(events.length).toBeGreaterThan(0);
      expect(simulator.clock.now()).toBeGreaterThanOrEqual(
        startedAt + 3 * 60_000,
      );
    } finally {
      await simulator.stop();
    }
    const afterStop = events.length;
    await new Promise(resolve => setTimeout(resolve, 100));
    expect(events.length).toBe(afterStop);
  });
});
