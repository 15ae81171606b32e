import { RecordingNotifications, TestLogger } from '../__testUtils__/engine';
import { Pager, PageRequest } from './Pager';

const request: PageRequest = {
  incident: {
    id: 'inc-1',
    title: 'Checkout down',
    entityRef: 'component:default/checkout',
    severity: 'error',
    createdAt: '2025-05-05T10:00:00.000Z',
  },
  recipients: ['user:default/alice'],
  webhookUrls: ['https://chat.example/hook'],
  stepIndex: 1,
  round: 0,
  idempotencyKey: 'inc-1:1:0',
  link: '/pulse/incidents/inc-1',
};

function setup(responses: Array<number | Error>) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetchMock = jest.fn(async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const next = responses.shift() ?? 200;
    if (next instanceof Error) {
      throw next;
    }
    return new Response(null, { status: next });
  });
  const notifications = new RecordingNotifications();
  const pager = new Pager({
    notifications,
    webhooks: new Map([
      [
        'https://chat.example/hook',
        {
          name: 'ops chat',
          url: 'https://chat.example/hook',
          headers: { authorization: 'Bearer t' },
        },
      ],
    ]),
    logger: new TestLogger(),
    fetch: fetchMock as unknown as typeof fetch,
    retryDelaysMs: [1, 1, 1],
  });
  return { calls, notifications, pager };
}

describe('Pager', () => {
  it('notifies the users with the idempotency key as scope and posts to the webhook', async () => {
    const { calls, notifications, pager } = setup([200]);
    expect(await pager.page(request)).toEqual([{ name: 'ops chat', ok: true }]);
    expect(notifications.sent).toEqual([
      {
        recipients: ['user:default/alice'],
        scope: 'inc-1:1:0',
        title: '[error] Checkout down',
        link: '/pulse/incidents/inc-1',
        severity: 'high',
      },
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0].init.headers).toEqual({
      authorization: 'Bearer t',
      'content-type': 'application/json',
      'idempotency-key': 'inc-1:1:0',
    });
    expect(JSON.parse(calls[0].init.body as string)).toMatchObject({
      type: 'pulse.incident.page',
      idempotencyKey: 'inc-1:1:0',
      step: 2,
      round: 1,
      incident: { id: 'inc-1', url: '/pulse/incidents/inc-1' },
    });
  });

  it('retries a failing webhook with the same idempotency key', async () => {
    const { calls, pager } = setup([503, new Error('ECONNRESET'), 200]);
    expect(await pager.page(request)).toEqual([{ name: 'ops chat', ok: true }]);
    expect(calls).toHaveLength(3);
    expect(
      new Set(
        calls.map(
          c => (c.init.headers as Record<string, string>)['idempotency-key'],
        ),
      ),
    ).toEqual(new Set(['inc-1:1:0']));
  });

  it('gives up on a client error at once, and after the last retry otherwise', async () => {
    const rejected = setup([400]);
    expect(await rejected.pager.page(request)).toEqual([
      { name: 'ops chat', ok: false, error: 'HTTP 400' },
    ]);
    expect(rejected.calls).toHaveLength(1);

    const down = setup([500, 502, 503, 504]);
    expect(await down.pager.page(request)).toEqual([
      { name: 'ops chat', ok: false, error: 'HTTP 504' },
    ]);
    expect(down.calls).toHaveLength(4);
  });

  it('fails the page when the notification cannot be sent, so that it is retried', async () => {
    const { notifications, pager } = setup([]);
    notifications.onSend = () => {
      throw new Error('down');
    };
    await expect(pager.page({ ...request, webhookUrls: [] })).rejects.toThrow(
      'down',
    );
  });
});
