import { ResponseError } from '@backstage/errors';
import {
  EntityOnCall,
  Incident,
  ScheduleOverride,
} from '@pulse-oss/plugin-pulse-common';
import { PulseClient } from './PulseClient';

const baseUrl = 'http://backstage.test/api/pulse';

const incident: Incident = {
  id: 'inc-1',
  title: 'Checkout latency above SLO',
  entityRef: 'component:default/payments-api',
  severity: 'critical',
  status: 'triggered',
  dedupKey: 'checkout-latency',
  alertCount: 1,
  source: 'manual',
  createdAt: '2025-01-01T12:00:00.000Z',
  acknowledgedAt: null,
  resolvedAt: null,
  timeToAcknowledgeSeconds: null,
  timeToResolveSeconds: null,
  assignees: ['user:default/amelia.chen'],
  escalationPolicyId: 'payments',
  escalationStep: 0,
  escalationRound: 0,
  nextEscalationAt: '2025-01-01T12:05:00.000Z',
  flagged: false,
};

const override: ScheduleOverride = {
  id: 'ovr-1',
  scheduleId: 'payments-primary',
  userRef: 'user:default/jon.snow',
  start: '2025-01-02T08:00:00.000Z',
  end: '2025-01-02T20:00:00.000Z',
  layerId: null,
  createdBy: 'user:default/amelia.chen',
  createdAt: '2025-01-01T12:00:00.000Z',
};

function jsonResponse(status: number, body: unknown) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

function errorResponse(status: number, name: string, message: string) {
  return jsonResponse(status, {
    error: { name, message },
    response: { statusCode: status },
  });
}

function createClient(response: Response) {
  const fetch = jest.fn(
    async (_input: RequestInfo | URL, _init?: RequestInit) => response,
  );
  const client = new PulseClient({
    discoveryApi: { getBaseUrl: async () => baseUrl },
    fetchApi: { fetch },
  });
  return { client, fetch };
}

function sentRequest(fetch: jest.Mock) {
  const [url, init] = fetch.mock.calls[0] as [string, RequestInit | undefined];
  return {
    url,
    method: init?.method ?? 'GET',
    contentType: new Headers(init?.headers).get('Content-Type'),
    body: init?.body === undefined ? undefined : JSON.parse(String(init.body)),
  };
}

describe('PulseClient on-call and incidents', () => {
  it("reads an entity's on-call", async () => {
    const onCall: EntityOnCall = {
      version: 7,
      entityRef: 'component:default/payments-api',
      policy: null,
      problem: 'No escalation policy applies',
      now: { userRef: null, until: null, scheduleId: null },
      next: null,
      openIncidents: [],
    };
    const { client, fetch } = createClient(jsonResponse(200, onCall));

    await expect(
      client.getEntityOnCall({
        kind: 'Component',
        namespace: 'default',
        name: 'payments api',
      }),
    ).resolves.toEqual(onCall);
    expect(sentRequest(fetch)).toEqual({
      url: `${baseUrl}/v1/entities/Component/default/payments%20api/oncall`,
      method: 'GET',
      contentType: null,
      body: undefined,
    });
  });

  it('lists incidents with every filter in the query string', async () => {
    const { client, fetch } = createClient(
      jsonResponse(200, { items: [incident], nextCursor: 'c2' }),
    );

    await expect(
      client.listIncidents({
        status: ['triggered', 'acknowledged'],
        severity: ['critical', 'error'],
        entityRef: 'component:default/payments-api',
        mine: true,
        team: false,
        limit: 50,
        cursor: 'c1',
      }),
    ).resolves.toEqual({ items: [incident], nextCursor: 'c2' });

    const url = new URL(sentRequest(fetch).url);
    expect(`${url.origin}${url.pathname}`).toBe(`${baseUrl}/v1/incidents`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      status: 'triggered,acknowledged',
      severity: 'critical,error',
      entityRef: 'component:default/payments-api',
      mine: 'true',
      limit: '50',
      cursor: 'c1',
    });
  });

  it('lists incidents without a query string when there are no filters', async () => {
    const { client, fetch } = createClient(
      jsonResponse(200, { items: [], nextCursor: null }),
    );

    await client.listIncidents({ status: [], severity: [] });

    expect(sentRequest(fetch).url).toBe(`${baseUrl}/v1/incidents`);
  });

  it('reads one incident, encoding its id', async () => {
    const detail = { ...incident, timeline: [], rawPayload: null };
    const { client, fetch } = createClient(jsonResponse(200, detail));

    await expect(client.getIncident('inc/1')).resolves.toEqual(detail);
    expect(sentRequest(fetch).url).toBe(`${baseUrl}/v1/incidents/inc%2F1`);
  });

  it('creates an incident with a JSON body', async () => {
    const { client, fetch } = createClient(jsonResponse(201, incident));
    const request = {
      entityRef: 'component:default/payments-api',
      title: 'Checkout latency above SLO',
      severity: 'critical' as const,
      details: 'p99 at 4 s',
    };

    await expect(client.createIncident(request)).resolves.toEqual(incident);
    expect(sentRequest(fetch)).toEqual({
      url: `${baseUrl}/v1/incidents`,
      method: 'POST',
      contentType: 'application/json',
      body: request,
    });
  });

  it.each([
    ['acknowledgeIncident', 'acknowledge'],
    ['unacknowledgeIncident', 'unacknowledge'],
    ['resolveIncident', 'resolve'],
    ['escalateIncident', 'escalate'],
  ] as const)('%s posts to /%s without a body', async (method, action) => {
    const { client, fetch } = createClient(jsonResponse(200, incident));

    await expect(client[method]('inc-1')).resolves.toEqual(incident);
    expect(sentRequest(fetch)).toEqual({
      url: `${baseUrl}/v1/incidents/inc-1/${action}`,
      method: 'POST',
      contentType: null,
      body: undefined,
    });
  });

  it('reassigns an incident', async () => {
    const { client, fetch } = createClient(jsonResponse(200, incident));

    await client.reassignIncident('inc-1', 'user:default/jon.snow');

    expect(sentRequest(fetch)).toMatchObject({
      url: `${baseUrl}/v1/incidents/inc-1/reassign`,
      method: 'POST',
      body: { userRef: 'user:default/jon.snow' },
    });
  });

  it('adds a note', async () => {
    const entry = {
      id: 't-9',
      at: '2025-01-01T12:10:00.000Z',
      type: 'note',
      actor: 'user:default/amelia.chen',
      message: 'Rolling back',
    };
    const { client, fetch } = createClient(jsonResponse(201, entry));

    await expect(
      client.addIncidentNote('inc-1', 'Rolling back'),
    ).resolves.toEqual(entry);
    expect(sentRequest(fetch)).toMatchObject({
      url: `${baseUrl}/v1/incidents/inc-1/notes`,
      method: 'POST',
      body: { text: 'Rolling back' },
    });
  });

  it('maps a 409 on a transition to a ResponseError with the reason', async () => {
    const { client } = createClient(
      errorResponse(409, 'ConflictError', 'Incident inc-1 is already resolved'),
    );

    const error = await client.acknowledgeIncident('inc-1').catch(e => e);

    expect(error).toBeInstanceOf(ResponseError);
    expect(error.statusCode).toBe(409);
    expect(error.cause.name).toBe('ConflictError');
    expect(error.cause.message).toBe('Incident inc-1 is already resolved');
  });

  it('maps a 403 to a ResponseError', async () => {
    const { client } = createClient(
      errorResponse(403, 'NotAllowedError', 'Unauthorized'),
    );

    const error = await client
      .createIncident({
        entityRef: 'component:default/payments-api',
        title: 'x',
        severity: 'info',
      })
      .catch(e => e);

    expect(error).toBeInstanceOf(ResponseError);
    expect(error.statusCode).toBe(403);
    expect(error.cause.name).toBe('NotAllowedError');
  });

  it('lists schedules', async () => {
    const { client, fetch } = createClient(jsonResponse(200, { items: [] }));

    await expect(client.listSchedules()).resolves.toEqual({ items: [] });
    expect(sentRequest(fetch).url).toBe(`${baseUrl}/v1/schedules`);
  });

  it('reads the shifts of a schedule in a range', async () => {
    const shifts = {
      scheduleId: 'payments-primary',
      timeZone: 'Europe/Berlin',
      from: '2025-01-01T00:00:00.000Z',
      to: '2025-01-15T00:00:00.000Z',
      shifts: [],
      gaps: [],
    };
    const { client, fetch } = createClient(jsonResponse(200, shifts));

    await expect(
      client.getScheduleShifts('payments-primary', {
        from: shifts.from,
        to: shifts.to,
      }),
    ).resolves.toEqual(shifts);

    const url = new URL(sentRequest(fetch).url);
    expect(url.pathname).toBe(
      '/api/pulse/v1/schedules/payments-primary/shifts',
    );
    expect(url.searchParams.get('from')).toBe(shifts.from);
    expect(url.searchParams.get('to')).toBe(shifts.to);
  });

  it('lists, creates and deletes overrides', async () => {
    const list = createClient(jsonResponse(200, { items: [override] }));
    await expect(
      list.client.listScheduleOverrides('payments-primary'),
    ).resolves.toEqual({ items: [override] });
    expect(sentRequest(list.fetch).url).toBe(
      `${baseUrl}/v1/schedules/payments-primary/overrides`,
    );

    const create = createClient(jsonResponse(201, override));
    const request = {
      userRef: override.userRef,
      start: override.start,
      end: override.end,
    };
    await expect(
      create.client.createScheduleOverride('payments-primary', request),
    ).resolves.toEqual(override);
    expect(sentRequest(create.fetch)).toEqual({
      url: `${baseUrl}/v1/schedules/payments-primary/overrides`,
      method: 'POST',
      contentType: 'application/json',
      body: request,
    });

    const remove = createClient(new Response(null, { status: 204 }));
    await expect(
      remove.client.deleteScheduleOverride('payments-primary', 'ovr-1'),
    ).resolves.toBeUndefined();
    expect(sentRequest(remove.fetch)).toEqual({
      url: `${baseUrl}/v1/schedules/payments-primary/overrides/ovr-1`,
      method: 'DELETE',
      contentType: null,
      body: undefined,
    });
  });

  it('maps a failed delete to a ResponseError', async () => {
    const { client } = createClient(
      errorResponse(404, 'NotFoundError', 'No override ovr-2'),
    );

    const error = await client
      .deleteScheduleOverride('payments-primary', 'ovr-2')
      .catch(e => e);

    expect(error).toBeInstanceOf(ResponseError);
    expect(error.statusCode).toBe(404);
    expect(error.cause.message).toBe('No override ovr-2');
  });
});
