import { ResponseError } from '@backstage/errors';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import {
  Incident,
  IncidentDetail,
  IncidentList,
  pulseIncidentUpdatePermission,
} from '@pulse-oss/plugin-pulse-common';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { Route, Routes } from 'react-router-dom';
import {
  allowAllBut,
  createPermissionApi,
  FreshPermissionCache,
} from '../../__testUtils__/permissions';
import { PulseApi, pulseApiRef } from '../../api';
import { incidentsRouteRef } from '../../routes';
import { IncidentsPage } from './IncidentsPage';

// Dialogs, menus and the table render slowly in jsdom when the test workers share a busy machine.
jest.setTimeout(20_000);

const minute = 60 * 1000;

function isoAgo(ms: number) {
  return new Date(Date.now() - ms).toISOString();
}

function incident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: 'inc-1',
    title: 'Checkout latency above SLO',
    entityRef: 'component:default/payments-api',
    severity: 'critical',
    status: 'triggered',
    dedupKey: 'checkout-latency',
    alertCount: 3,
    source: 'alertmanager',
    createdAt: isoAgo(95 * minute),
    acknowledgedAt: null,
    resolvedAt: null,
    timeToAcknowledgeSeconds: null,
    timeToResolveSeconds: null,
    assignees: ['user:default/amelia.chen'],
    escalationPolicyId: 'payments',
    escalationStep: 1,
    escalationRound: 0,
    nextEscalationAt: new Date(Date.now() + 5 * minute).toISOString(),
    flagged: false,
    ...overrides,
  };
}

const timeline: IncidentDetail['timeline'] = [
  {
    id: 't1',
    at: isoAgo(95 * minute),
    type: 'created',
    actor: 'alertmanager',
    message: 'Opened from Alertmanager alert CheckoutLatencyHigh',
  },
  {
    id: 't2',
    at: isoAgo(94 * minute),
    type: 'notified',
    actor: null,
    message: 'Paged user:default/amelia.chen (step 1, round 1)',
  },
  {
    id: 't3',
    at: isoAgo(80 * minute),
    type: 'nobody_on_call',
    actor: null,
    message: 'Schedule payments-secondary has nobody on call',
  },
  {
    id: 't4',
    at: isoAgo(60 * minute),
    type: 'note',
    actor: 'user:default/jon.snow',
    message: 'Looking at the database',
  },
];

function detail(overrides: Partial<IncidentDetail> = {}): IncidentDetail {
  return { ...incident(), timeline, rawPayload: {}, version: 1, ...overrides };
}

function page(
  items: Incident[],
  nextCursor: string | null = null,
): IncidentList {
  return { items, nextCursor };
}

async function responseError(status: number, name: string, message: string) {
  return ResponseError.fromResponse(
    new Response(
      JSON.stringify({
        error: { name, message },
        response: { statusCode: status },
      }),
      { status, headers: { 'Content-Type': 'application/json' } },
    ),
  );
}

const ACTIONS = [
  'Acknowledge',
  'Unacknowledge',
  'Escalate',
  'Resolve',
  'Reassign',
  'Add note',
];

async function renderPage(
  path: string,
  pulseApi: Partial<PulseApi>,
  permissions = createPermissionApi(),
) {
  return renderInTestApp(
    <FreshPermissionCache>
      <TestApiProvider
        apis={[
          [pulseApiRef, pulseApi],
          [permissionApiRef, permissions.api],
        ]}
      >
        <Routes>
          <Route path="/pulse/incidents/*" element={<IncidentsPage />} />
        </Routes>
      </TestApiProvider>
    </FreshPermissionCache>,
    {
      routeEntries: [path],
      mountedRoutes: {
        '/catalog/:namespace/:kind/:name': entityRouteRef,
        '/pulse/incidents': incidentsRouteRef,
      },
    },
  );
}

describe('IncidentsPage list', () => {
  it("lists the signed-in user's open incidents in a table", async () => {
    const listIncidents = jest.fn(async () =>
      page([
        incident(),
        incident({
          id: 'inc-2',
          title: 'Refund queue backing up',
          entityRef: 'component:default/refunds',
          severity: 'warning',
          status: 'acknowledged',
          assignees: ['user:default/jon.snow', 'user:default/amelia.chen'],
        }),
      ]),
    );

    await renderPage('/pulse/incidents', { listIncidents });

    const link = await screen.findByRole('link', {
      name: 'Checkout latency above SLO',
    });
    expect(link).toHaveAttribute('href', '/pulse/incidents/inc-1');
    expect(listIncidents).toHaveBeenCalledWith({
      status: ['triggered', 'acknowledged'],
      severity: undefined,
      mine: true,
      team: undefined,
      limit: 50,
    });
    expect(screen.getByText('2 incidents')).toBeInTheDocument();

    const row = link.closest('tr')!;
    expect(
      within(row).getByRole('link', { name: /payments-api/ }),
    ).toHaveAttribute('href', '/catalog/default/component/payments-api');
    expect(within(row).getByText('Critical')).toBeInTheDocument();
    expect(within(row).getByText('Triggered')).toBeInTheDocument();
    expect(within(row).getByText('1h 35m')).toBeInTheDocument();
    expect(
      within(row).getByRole('link', { name: /amelia\.chen/ }),
    ).toBeInTheDocument();

    const other = screen
      .getByRole('link', { name: 'Refund queue backing up' })
      .closest('tr')!;
    expect(within(other).getByText('Acknowledged')).toBeInTheDocument();
    expect(
      within(other).getByRole('link', { name: /jon\.snow/ }),
    ).toBeInTheDocument();
  });

  it("switches between mine, my team's and all open incidents", async () => {
    const listIncidents = jest.fn(async () => page([incident()]));

    await renderPage('/pulse/incidents', { listIncidents });
    await screen.findByText('1 incident');

    fireEvent.click(screen.getByRole('tab', { name: 'My team' }));
    await waitFor(() =>
      expect(listIncidents).toHaveBeenLastCalledWith(
        expect.objectContaining({ team: true, mine: undefined }),
      ),
    );

    fireEvent.click(screen.getByRole('tab', { name: 'All open' }));
    await waitFor(() =>
      expect(listIncidents).toHaveBeenLastCalledWith(
        expect.objectContaining({
          team: undefined,
          mine: undefined,
          status: ['triggered', 'acknowledged'],
        }),
      ),
    );
  });

  it('filters by status and severity', async () => {
    const listIncidents = jest.fn(async () => page([incident()]));

    await renderPage('/pulse/incidents', { listIncidents });
    await screen.findByText('1 incident');

    fireEvent.click(screen.getByRole('checkbox', { name: 'Resolved' }));
    await waitFor(() =>
      expect(listIncidents).toHaveBeenLastCalledWith(
        expect.objectContaining({
          status: ['triggered', 'acknowledged', 'resolved'],
        }),
      ),
    );

    fireEvent.click(screen.getByRole('checkbox', { name: 'Triggered' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'Info' }));
    await waitFor(() =>
      expect(listIncidents).toHaveBeenLastCalledWith(
        expect.objectContaining({
          status: ['acknowledged', 'resolved'],
          severity: ['critical', 'error', 'warning'],
        }),
      ),
    );
  });

  it('asks for a status when every status is unticked', async () => {
    const listIncidents = jest.fn(async () => page([incident()]));

    await renderPage('/pulse/incidents?status=', { listIncidents });

    expect(
      await screen.findByText('Tick at least one status and one severity.'),
    ).toBeInTheDocument();
    expect(listIncidents).not.toHaveBeenCalled();
  });

  it('says when nothing matches', async () => {
    const listIncidents = jest.fn(async () => page([]));

    await renderPage('/pulse/incidents?view=team', { listIncidents });

    expect(await screen.findByText('No incidents')).toBeInTheDocument();
    expect(
      screen.getByText(
        'No incident matching these filters is assigned to your teams.',
      ),
    ).toBeInTheDocument();
  });

  it('shows a failure in an error panel', async () => {
    const error = await responseError(500, 'Error', 'database is unavailable');
    const listIncidents = jest.fn(() => Promise.reject(error));

    await renderPage('/pulse/incidents', { listIncidents });

    expect(
      await screen.findByText(/Request failed with 500/),
    ).toBeInTheDocument();
  });

  it('loads the next page with the cursor', async () => {
    const listIncidents = jest
      .fn()
      .mockResolvedValueOnce(page([incident()], 'cursor-2'))
      .mockResolvedValueOnce(
        page([incident({ id: 'inc-9', title: 'Old incident' })]),
      );

    await renderPage('/pulse/incidents', { listIncidents });
    fireEvent.click(await screen.findByRole('button', { name: 'Load more' }));

    expect(await screen.findByText('Old incident')).toBeInTheDocument();
    expect(listIncidents).toHaveBeenLastCalledWith(
      expect.objectContaining({ cursor: 'cursor-2', mine: true }),
    );
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('offers no action on the incidents it lists, so it asks no permission', async () => {
    const permissions = createPermissionApi();
    const listIncidents = jest.fn(async () => page([incident()]));

    await renderPage('/pulse/incidents', { listIncidents }, permissions);

    const row = (
      await screen.findByRole('link', { name: 'Checkout latency above SLO' })
    ).closest('tr')!;
    expect(within(row).queryByRole('button')).toBeNull();
    for (const name of ACTIONS) {
      expect(screen.queryByRole('button', { name })).toBeNull();
    }
    expect(permissions.authorize).not.toHaveBeenCalled();
  });

  it('opens an incident from the list', async () => {
    const listIncidents = jest.fn(async () => page([incident()]));
    const getIncident = jest.fn(async () => detail());

    await renderPage('/pulse/incidents', { listIncidents, getIncident });
    fireEvent.click(
      await screen.findByRole('link', { name: 'Checkout latency above SLO' }),
    );

    expect(
      await screen.findByRole('list', { name: 'Timeline' }),
    ).toBeInTheDocument();
    expect(getIncident).toHaveBeenCalledWith('inc-1');
  });
});

describe('IncidentsPage detail', () => {
  it('shows every timeline entry with its time, actor and message', async () => {
    const getIncident = jest.fn(async () => detail());

    await renderPage('/pulse/incidents/inc-1', { getIncident });

    const entries = within(
      await screen.findByRole('list', { name: 'Timeline' }),
    ).getAllByRole('listitem');
    expect(entries).toHaveLength(4);
    timeline.forEach((entry, index) => {
      expect(entries[index].querySelector('time')).toHaveAttribute(
        'datetime',
        entry.at,
      );
      expect(entries[index]).toHaveTextContent(entry.message);
    });
    expect(entries[0]).toHaveTextContent('Created · alertmanager');
    expect(entries[1]).toHaveTextContent('Notified · Pulse');
    expect(entries[2]).toHaveTextContent('Nobody on call · Pulse');
    expect(
      within(entries[3]).getByRole('link', { name: /jon\.snow/ }),
    ).toHaveAttribute('href', '/catalog/default/user/jon.snow');

    expect(
      screen.getByRole('heading', { name: 'Checkout latency above SLO' }),
    ).toBeInTheDocument();
    expect(
      screen.getByText('Step 2, round 1 of policy payments'),
    ).toBeInTheDocument();
    expect(
      await screen.findByRole('button', { name: 'Acknowledge' }),
    ).toBeEnabled();
    expect(screen.getByRole('button', { name: 'Escalate' })).toBeEnabled();
    expect(screen.getByRole('button', { name: 'Resolve' })).toBeEnabled();
    expect(screen.getByRole('button', { name: 'Reassign' })).toBeEnabled();
    expect(screen.getByRole('button', { name: 'Add note' })).toBeEnabled();
  });

  it('offers only the actions that fit a resolved incident', async () => {
    const getIncident = jest.fn(async () =>
      detail({
        status: 'resolved',
        acknowledgedAt: isoAgo(90 * minute),
        resolvedAt: isoAgo(30 * minute),
        timeToAcknowledgeSeconds: 300,
        timeToResolveSeconds: 3900,
      }),
    );

    await renderPage('/pulse/incidents/inc-1', { getIncident });

    expect(await screen.findByText(/after 5m/)).toBeInTheDocument();
    expect(screen.getByText(/after 1h 5m/)).toBeInTheDocument();
    expect(
      await screen.findByRole('button', { name: 'Add note' }),
    ).toBeEnabled();
    for (const name of [
      'Acknowledge',
      'Unacknowledge',
      'Escalate',
      'Resolve',
      'Reassign',
    ]) {
      expect(screen.getByRole('button', { name })).toBeDisabled();
    }
  });

  it('withdraws an acknowledgement after confirmation', async () => {
    const getIncident = jest
      .fn()
      .mockResolvedValueOnce(detail({ status: 'acknowledged' }))
      .mockResolvedValue(detail());
    const unacknowledgeIncident = jest.fn(async () => incident());

    await renderPage('/pulse/incidents/inc-1', {
      getIncident,
      unacknowledgeIncident,
    });

    expect(
      await screen.findByRole('button', { name: 'Unacknowledge' }),
    ).toBeEnabled();
    expect(screen.getByRole('button', { name: 'Acknowledge' })).toBeDisabled();
    fireEvent.click(screen.getByRole('button', { name: 'Unacknowledge' }));
    const dialog = await screen.findByRole('dialog');
    expect(
      within(dialog).getByText('Withdraw your acknowledgement?'),
    ).toBeInTheDocument();
    expect(unacknowledgeIncident).not.toHaveBeenCalled();
    fireEvent.click(
      within(dialog).getByRole('button', { name: 'Unacknowledge' }),
    );
    expect(
      await screen.findByText('Unacknowledged "Checkout latency above SLO"'),
    ).toBeInTheDocument();
    expect(unacknowledgeIncident).toHaveBeenCalledWith('inc-1');
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Acknowledge' })).toBeEnabled(),
    );
  });

  it('acknowledges after confirmation and shows the result', async () => {
    const getIncident = jest
      .fn()
      .mockResolvedValueOnce(detail())
      .mockResolvedValue(detail({ status: 'acknowledged' }));
    const acknowledgeIncident = jest.fn(async () =>
      incident({ status: 'acknowledged' }),
    );

    await renderPage('/pulse/incidents/inc-1', {
      getIncident,
      acknowledgeIncident,
    });

    fireEvent.click(await screen.findByRole('button', { name: 'Acknowledge' }));
    const dialog = await screen.findByRole('dialog');
    expect(
      within(dialog).getByText('Acknowledge this incident?'),
    ).toBeInTheDocument();
    expect(acknowledgeIncident).not.toHaveBeenCalled();
    fireEvent.click(
      within(dialog).getByRole('button', { name: 'Acknowledge' }),
    );

    expect(
      await screen.findByText('Acknowledged "Checkout latency above SLO"'),
    ).toBeInTheDocument();
    expect(acknowledgeIncident).toHaveBeenCalledWith('inc-1');
    await waitFor(() =>
      expect(
        screen.getByRole('button', { name: 'Acknowledge' }),
      ).toBeDisabled(),
    );
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('shows a 409 from the backend in the dialog and refreshes the incident', async () => {
    const getIncident = jest.fn(async () => detail());
    const error = await responseError(
      409,
      'ConflictError',
      'Incident inc-1 is already resolved',
    );
    const resolveIncident = jest.fn(() => Promise.reject(error));

    await renderPage('/pulse/incidents/inc-1', {
      getIncident,
      resolveIncident,
    });

    fireEvent.click(await screen.findByRole('button', { name: 'Resolve' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Resolve' }));

    expect(
      await within(dialog).findByText('Incident inc-1 is already resolved'),
    ).toBeInTheDocument();
    expect(screen.getByRole('dialog')).toBeInTheDocument();
    await waitFor(() => expect(getIncident).toHaveBeenCalledTimes(2));
  });

  it('escalates after confirmation', async () => {
    const getIncident = jest.fn(async () => detail());
    const escalateIncident = jest.fn(async () =>
      incident({ escalationStep: 2 }),
    );

    await renderPage('/pulse/incidents/inc-1', {
      getIncident,
      escalateIncident,
    });

    fireEvent.click(await screen.findByRole('button', { name: 'Escalate' }));
    const dialog = await screen.findByRole('dialog');
    expect(
      within(dialog).getByText(
        /next step of the escalation policy is paged now/,
      ),
    ).toBeInTheDocument();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Escalate' }));

    expect(
      await screen.findByText('Escalated "Checkout latency above SLO"'),
    ).toBeInTheDocument();
    expect(escalateIncident).toHaveBeenCalledWith('inc-1');
  });

  it('reassigns to a user, completing a short name to an entity ref', async () => {
    const getIncident = jest.fn(async () => detail());
    const reassignIncident = jest.fn(async () =>
      incident({ assignees: ['user:default/jon.snow'] }),
    );

    await renderPage('/pulse/incidents/inc-1', {
      getIncident,
      reassignIncident,
    });

    fireEvent.click(await screen.findByRole('button', { name: 'Reassign' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Reassign' }));
    expect(await within(dialog).findByText(/Enter a user/)).toBeInTheDocument();
    expect(reassignIncident).not.toHaveBeenCalled();

    fireEvent.change(within(dialog).getByRole('textbox', { name: /User/ }), {
      target: { value: 'jon.snow' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Reassign' }));

    expect(
      await screen.findByText(
        'Reassigned "Checkout latency above SLO" to user:default/jon.snow',
      ),
    ).toBeInTheDocument();
    expect(reassignIncident).toHaveBeenCalledWith(
      'inc-1',
      'user:default/jon.snow',
    );
  });

  it('adds a note', async () => {
    const getIncident = jest.fn(async () => detail());
    const addIncidentNote = jest.fn(async () => timeline[3]);

    await renderPage('/pulse/incidents/inc-1', {
      getIncident,
      addIncidentNote,
    });

    fireEvent.click(await screen.findByRole('button', { name: 'Add note' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByRole('textbox', { name: /Note/ }), {
      target: { value: 'Rolled back to v41' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add note' }));

    expect(
      await screen.findByText('Added a note to "Checkout latency above SLO"'),
    ).toBeInTheDocument();
    expect(addIncidentNote).toHaveBeenCalledWith('inc-1', 'Rolled back to v41');
    await waitFor(() => expect(getIncident).toHaveBeenCalledTimes(2));
  });

  it('says when the incident does not exist', async () => {
    const error = await responseError(404, 'NotFoundError', 'No incident nope');
    const getIncident = jest.fn(() => Promise.reject(error));

    await renderPage('/pulse/incidents/nope', { getIncident });

    expect(await screen.findByText('No such incident')).toBeInTheDocument();
    expect(getIncident).toHaveBeenCalledWith('nope');
  });

  it("offers every action to someone who may act on the incident's service, asking about that service", async () => {
    const permissions = createPermissionApi();
    const getIncident = jest.fn(async () =>
      detail({ entityRef: 'component:default/refunds' }),
    );

    await renderPage('/pulse/incidents/inc-1', { getIncident }, permissions);

    expect(
      await screen.findByRole('button', { name: 'Acknowledge' }),
    ).toBeEnabled();
    for (const name of ACTIONS) {
      expect(screen.getByRole('button', { name })).toBeInTheDocument();
    }
    expect(screen.queryByText(/You can follow this incident/)).toBeNull();
    expect(permissions.authorize).toHaveBeenCalledWith({
      permission: pulseIncidentUpdatePermission,
      resourceRef: 'component:default/refunds',
    });
    for (const [request] of permissions.authorize.mock.calls) {
      expect(request.resourceRef).toBe('component:default/refunds');
    }
  });

  it('offers no action, and says whose they are, to someone who may not act on the service', async () => {
    const permissions = createPermissionApi(
      allowAllBut(pulseIncidentUpdatePermission),
    );
    const getIncident = jest.fn(async () =>
      detail({ entityRef: 'component:default/refunds' }),
    );

    await renderPage('/pulse/incidents/inc-1', { getIncident }, permissions);

    const notice = await screen.findByText(/You can follow this incident/);
    expect(notice).toHaveTextContent(
      'Acknowledging, resolving, escalating, reassigning and adding notes are up to the owners of refunds',
    );
    expect(
      within(notice).getByRole('link', { name: /refunds/ }),
    ).toHaveAttribute('href', '/catalog/default/component/refunds');
    for (const name of ACTIONS) {
      expect(screen.queryByRole('button', { name })).toBeNull();
    }
    // What happened stays visible.
    expect(screen.getByRole('list', { name: 'Timeline' })).toBeInTheDocument();
    expect(permissions.authorize).toHaveBeenCalledWith({
      permission: pulseIncidentUpdatePermission,
      resourceRef: 'component:default/refunds',
    });
  });

  it('warns when the watchdog had to recover a step', async () => {
    const getIncident = jest.fn(async () => detail({ flagged: true }));

    await renderPage('/pulse/incidents/inc-1', { getIncident });

    expect(
      await screen.findByText(/re-run by the watchdog/),
    ).toBeInTheDocument();
  });
});
