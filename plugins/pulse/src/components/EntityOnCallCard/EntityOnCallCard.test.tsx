import { Entity } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import {
  EntityOnCall,
  Incident,
  ESCALATION_POLICY_ANNOTATION,
  pulseIncidentCreatePermission,
  pulseIncidentUpdatePermission,
} from '@pulse-oss/plugin-pulse-common';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import {
  allowAllBut,
  createPermissionApi,
  findPermissionAnswer,
  FreshPermissionCache,
  PermissionProbes,
  PermissionQuestion,
} from '../../__testUtils__/permissions';
import { PulseApi, pulseApiRef } from '../../api';
import { incidentsRouteRef } from '../../routes';
import { EntityOnCallCard } from './EntityOnCallCard';

// Dialogs, menus and the table render slowly in jsdom when the test workers share a busy machine.
jest.setTimeout(20_000);

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'payments-api', namespace: 'default' },
  spec: { type: 'service', lifecycle: 'production', owner: 'team-payments' },
};

const mayAct: PermissionQuestion = {
  permission: pulseIncidentUpdatePermission,
  resourceRef: 'component:default/payments-api',
};
const mayPage: PermissionQuestion = {
  permission: pulseIncidentCreatePermission,
  resourceRef: 'component:default/payments-api',
};

const hour = 60 * 60 * 1000;

function isoIn(ms: number) {
  return new Date(Date.now() + ms).toISOString();
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
    createdAt: isoIn(-2 * hour),
    acknowledgedAt: null,
    resolvedAt: null,
    timeToAcknowledgeSeconds: null,
    timeToResolveSeconds: null,
    assignees: ['user:default/amelia.chen'],
    escalationPolicyId: 'payments',
    escalationStep: 0,
    escalationRound: 0,
    nextEscalationAt: isoIn(5 * 60 * 1000),
    flagged: false,
    ...overrides,
  };
}

function onCall(overrides: Partial<EntityOnCall> = {}): EntityOnCall {
  return {
    entityRef: 'component:default/payments-api',
    policy: {
      id: 'payments',
      name: 'Payments critical',
      chosenBy: 'annotation',
      repeat: 2,
      steps: [
        {
          delayMinutes: 0,
          targets: [
            {
              type: 'schedule',
              scheduleId: 'payments-primary',
              name: 'Payments primary',
              currentUserRef: 'user:default/amelia.chen',
            },
          ],
        },
        {
          delayMinutes: 15,
          roundRobin: true,
          targets: [
            { type: 'user', userRef: 'user:default/jon.snow' },
            { type: 'group', groupRef: 'group:default/team-payments' },
            { type: 'webhook', name: 'sms-gateway' },
          ],
        },
      ],
    },
    problem: null,
    now: {
      userRef: 'user:default/amelia.chen',
      until: isoIn(3 * hour),
      scheduleId: 'payments-primary',
    },
    next: { userRef: 'user:default/jon.snow', from: isoIn(3 * hour) },
    openIncidents: [
      incident(),
      incident({
        id: 'inc-2',
        title: 'Refund queue backing up',
        severity: 'warning',
        status: 'acknowledged',
        assignees: ['user:default/jon.snow'],
      }),
    ],
    version: 1,
    ...overrides,
  };
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

async function renderCard(
  pulseApi: Partial<PulseApi>,
  options: {
    permissions?: ReturnType<typeof createPermissionApi>;
    probes?: PermissionQuestion[];
  } = {},
) {
  const permissions = options.permissions ?? createPermissionApi();
  return renderInTestApp(
    <FreshPermissionCache>
      <TestApiProvider
        apis={[
          [pulseApiRef, pulseApi],
          [permissionApiRef, permissions.api],
        ]}
      >
        <EntityProvider entity={entity}>
          <EntityOnCallCard />
        </EntityProvider>
        <PermissionProbes questions={options.probes} />
      </TestApiProvider>
    </FreshPermissionCache>,
    {
      mountedRoutes: {
        '/catalog/:namespace/:kind/:name': entityRouteRef,
        '/pulse/incidents': incidentsRouteRef,
      },
    },
  );
}

describe('EntityOnCallCard', () => {
  it('shows progress while the on-call loads', async () => {
    const getEntityOnCall = jest.fn(() => new Promise<EntityOnCall>(() => {}));

    await renderCard({ getEntityOnCall });

    expect(await screen.findByTestId('progress')).toBeInTheDocument();
    expect(getEntityOnCall).toHaveBeenCalledWith({
      kind: 'Component',
      namespace: 'default',
      name: 'payments-api',
    });
  });

  it('shows a failure in an error panel', async () => {
    const error = await responseError(500, 'Error', 'database is unavailable');
    const getEntityOnCall = jest.fn(() => Promise.reject(error));

    await renderCard({ getEntityOnCall });

    expect(
      await screen.findByText(/Request failed with 500/),
    ).toBeInTheDocument();
    expect(
      screen.getAllByText(/database is unavailable/).length,
    ).toBeGreaterThan(0);
  });

  it('explains an entity with no escalation policy', async () => {
    const getEntityOnCall = jest.fn(async () =>
      onCall({
        policy: null,
        problem:
          'No escalation policy for component:default/payments-api: no annotation, no default for group:default/team-payments, no global default',
        now: { userRef: null, until: null, scheduleId: null },
        next: null,
        openIncidents: [],
      }),
    );

    await renderCard({ getEntityOnCall });

    expect(
      await screen.findByText('Nobody is paged for this service'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/no default for group:default\/team-payments/),
    ).toBeInTheDocument();
    expect(
      screen.getByText(new RegExp(ESCALATION_POLICY_ANNOTATION)),
    ).toBeInTheDocument();
    expect(screen.queryByText(/Open incidents/)).not.toBeInTheDocument();
  });

  it('shows who is on call, who is next, the policy and the open incidents', async () => {
    const getEntityOnCall = jest.fn(async () => onCall());

    await renderCard({ getEntityOnCall });

    expect(await screen.findByText('On call now')).toBeInTheDocument();
    const now = screen.getByText('On call now').parentElement!;
    expect(
      within(now).getByRole('link', { name: /amelia\.chen/ }),
    ).toHaveAttribute('href', '/catalog/default/user/amelia.chen');
    expect(within(now).getByText(/in 3 hours/)).toBeInTheDocument();

    const next = screen.getByText('Next').parentElement!;
    expect(
      within(next).getByRole('link', { name: /jon\.snow/ }),
    ).toBeInTheDocument();

    expect(screen.getByText('Payments critical')).toBeInTheDocument();
    expect(
      screen.getByText(/set by the pulse.dev\/escalation-policy annotation/),
    ).toBeInTheDocument();
    const steps = within(
      screen.getByRole('list', { name: 'Escalation steps' }),
    ).getAllByRole('listitem');
    expect(steps).toHaveLength(2);
    expect(steps[0]).toHaveTextContent(
      'Immediately: schedule Payments primary (now: amelia.chen)',
    );
    expect(steps[1]).toHaveTextContent(
      'After 15 min: one of, in turns: jon.snow, group team-payments, webhook sms-gateway',
    );

    expect(screen.getByText('Open incidents (2)')).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: 'Checkout latency above SLO' }),
    ).toHaveAttribute('href', '/pulse/incidents/inc-1');
    expect(screen.getByText('Critical')).toBeInTheDocument();
    expect(screen.getAllByText(/open for 2h/)).toHaveLength(2);
    // Only the triggered incident can still be acknowledged.
    expect(
      await screen.findByRole('button', {
        name: 'Acknowledge Checkout latency above SLO',
      }),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('button', {
        name: 'Acknowledge Refund queue backing up',
      }),
    ).not.toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Resolve Refund queue backing up' }),
    ).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'All incidents' })).toHaveAttribute(
      'href',
      '/pulse/incidents',
    );
  });

  it('warns about a gap and a policy problem', async () => {
    const getEntityOnCall = jest.fn(async () =>
      onCall({
        problem: 'Schedule payments-secondary has nobody on call until Monday',
        now: {
          userRef: null,
          until: isoIn(hour),
          scheduleId: 'payments-primary',
        },
        openIncidents: [],
      }),
    );

    await renderCard({ getEntityOnCall });

    expect(
      await screen.findByText('Paging for this service is not set up right'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        'Schedule payments-secondary has nobody on call until Monday',
      ),
    ).toBeInTheDocument();
    expect(screen.getByText('Nobody is on call')).toBeInTheDocument();
    expect(screen.getByText('No open incidents.')).toBeInTheDocument();
  });

  it('acknowledges an incident only after confirmation, then refreshes', async () => {
    const getEntityOnCall = jest.fn(async () => onCall());
    const acknowledgeIncident = jest.fn(async () =>
      incident({ status: 'acknowledged' }),
    );

    await renderCard({ getEntityOnCall, acknowledgeIncident });

    fireEvent.click(
      await screen.findByRole('button', {
        name: 'Acknowledge Checkout latency above SLO',
      }),
    );
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
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(getEntityOnCall).toHaveBeenCalledTimes(2);
  });

  it('does nothing when a resolve is cancelled', async () => {
    const getEntityOnCall = jest.fn(async () => onCall());
    const resolveIncident = jest.fn();

    await renderCard({ getEntityOnCall, resolveIncident });

    fireEvent.click(
      await screen.findByRole('button', {
        name: 'Resolve Refund queue backing up',
      }),
    );
    const dialog = await screen.findByRole('dialog');
    expect(
      within(dialog).getByText('Resolve this incident?'),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByText('Refund queue backing up'),
    ).toBeInTheDocument();

    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(resolveIncident).not.toHaveBeenCalled();
  });

  it('keeps the dialog open with the reason when a resolve is refused', async () => {
    const getEntityOnCall = jest.fn(async () => onCall());
    const error = await responseError(
      409,
      'ConflictError',
      'Incident inc-2 is already resolved',
    );
    const resolveIncident = jest.fn(() => Promise.reject(error));

    await renderCard({ getEntityOnCall, resolveIncident });

    fireEvent.click(
      await screen.findByRole('button', {
        name: 'Resolve Refund queue backing up',
      }),
    );
    const dialog = await screen.findByRole('dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Resolve' }));

    expect(
      await within(dialog).findByText('Incident inc-2 is already resolved'),
    ).toBeInTheDocument();
    expect(resolveIncident).toHaveBeenCalledWith('inc-2');
    expect(screen.getByRole('dialog')).toBeInTheDocument();
  });

  it('requires a title to page the on-call', async () => {
    const getEntityOnCall = jest.fn(async () => onCall());
    const createIncident = jest.fn();

    await renderCard({ getEntityOnCall, createIncident });

    fireEvent.click(
      await screen.findByRole('button', { name: 'Page the on-call' }),
    );
    const dialog = await screen.findByRole('dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Page' }));

    expect(
      await within(dialog).findByText(/A title is required/),
    ).toBeInTheDocument();
    expect(createIncident).not.toHaveBeenCalled();
  });

  it('pages the on-call with a title, severity and details', async () => {
    const getEntityOnCall = jest.fn(async () => onCall());
    const createIncident = jest.fn(async () =>
      incident({
        id: 'inc-3',
        title: 'Card payments failing',
        source: 'manual',
      }),
    );

    await renderCard({ getEntityOnCall, createIncident });

    fireEvent.click(
      await screen.findByRole('button', { name: 'Page the on-call' }),
    );
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByRole('textbox', { name: /Title/ }), {
      target: { value: '  Card payments failing ' },
    });
    fireEvent.mouseDown(
      within(dialog).getByRole('button', { name: /Critical/ }),
    );
    fireEvent.click(await screen.findByRole('option', { name: 'Error' }));
    fireEvent.change(within(dialog).getByRole('textbox', { name: /Details/ }), {
      target: { value: 'Stripe webhooks return 500' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Page' }));

    expect(
      await screen.findByText('Paged the on-call: "Card payments failing"'),
    ).toBeInTheDocument();
    expect(createIncident).toHaveBeenCalledWith({
      entityRef: 'component:default/payments-api',
      title: 'Card payments failing',
      severity: 'error',
      details: 'Stripe webhooks return 500',
    });
    await waitFor(() => expect(getEntityOnCall).toHaveBeenCalledTimes(2));
  });

  it('shows why paging was refused', async () => {
    const getEntityOnCall = jest.fn(async () => onCall());
    const error = await responseError(
      403,
      'NotAllowedError',
      'You may not open incidents for component:default/payments-api',
    );
    const createIncident = jest.fn(() => Promise.reject(error));

    await renderCard({ getEntityOnCall, createIncident });

    fireEvent.click(
      await screen.findByRole('button', { name: 'Page the on-call' }),
    );
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByRole('textbox', { name: /Title/ }), {
      target: { value: 'Card payments failing' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Page' }));

    expect(
      await within(dialog).findByText(
        'You may not open incidents for component:default/payments-api',
      ),
    ).toBeInTheDocument();
  });

  describe('permissions', () => {
    it("asks whether the user may act on and page for this entity's incidents", async () => {
      const permissions = createPermissionApi();

      await renderCard(
        { getEntityOnCall: jest.fn(async () => onCall()) },
        { permissions },
      );

      expect(
        await screen.findByRole('button', { name: 'Page the on-call' }),
      ).toBeInTheDocument();
      expect(
        await screen.findByRole('button', {
          name: 'Acknowledge Checkout latency above SLO',
        }),
      ).toBeInTheDocument();
      expect(
        screen.getByRole('button', {
          name: 'Resolve Checkout latency above SLO',
        }),
      ).toBeInTheDocument();
      expect(
        screen.getByRole('button', { name: 'Resolve Refund queue backing up' }),
      ).toBeInTheDocument();
      expect(screen.queryByText(/up to the service's owners/)).toBeNull();
      expect(permissions.authorize).toHaveBeenCalledWith(mayAct);
      expect(permissions.authorize).toHaveBeenCalledWith(mayPage);
      // Nothing else is asked, in particular about another resource.
      for (const [request] of permissions.authorize.mock.calls) {
        expect([mayAct, mayPage]).toContainEqual(request);
      }
    });

    it('offers no acknowledge or resolve, and says whose they are, to someone who may not act', async () => {
      const permissions = createPermissionApi(
        allowAllBut(pulseIncidentUpdatePermission),
      );
      const acknowledgeIncident = jest.fn();
      const resolveIncident = jest.fn();

      await renderCard(
        {
          getEntityOnCall: jest.fn(async () => onCall()),
          acknowledgeIncident,
          resolveIncident,
        },
        { permissions },
      );

      expect(
        await screen.findByText(
          /acknowledging and resolving them is up to the service's owners/,
        ),
      ).toBeInTheDocument();
      // The incidents are still shown, and paging is still offered.
      expect(
        screen.getByRole('link', { name: 'Checkout latency above SLO' }),
      ).toBeInTheDocument();
      expect(
        await screen.findByRole('button', { name: 'Page the on-call' }),
      ).toBeInTheDocument();
      expect(
        screen.queryByRole('button', { name: /^Acknowledge / }),
      ).not.toBeInTheDocument();
      expect(
        screen.queryByRole('button', { name: /^Resolve / }),
      ).not.toBeInTheDocument();
      expect(permissions.authorize).toHaveBeenCalledWith(mayAct);
    });

    it('says nothing about acting when there is no open incident', async () => {
      const permissions = createPermissionApi(
        allowAllBut(pulseIncidentUpdatePermission),
      );

      await renderCard(
        { getEntityOnCall: jest.fn(async () => onCall({ openIncidents: [] })) },
        { permissions, probes: [mayAct] },
      );

      expect(await screen.findByText('No open incidents.')).toBeInTheDocument();
      await findPermissionAnswer(mayAct);
      expect(screen.queryByText(/up to the service's owners/)).toBeNull();
    });

    it('does not offer to page the on-call to someone who may not', async () => {
      const permissions = createPermissionApi(
        allowAllBut(pulseIncidentCreatePermission),
      );

      await renderCard(
        { getEntityOnCall: jest.fn(async () => onCall()) },
        { permissions, probes: [mayPage] },
      );

      // Acting on the incidents is still offered.
      expect(
        await screen.findByRole('button', {
          name: 'Acknowledge Checkout latency above SLO',
        }),
      ).toBeInTheDocument();
      await findPermissionAnswer(mayPage);
      expect(
        screen.queryByRole('button', { name: 'Page the on-call' }),
      ).not.toBeInTheDocument();
      expect(permissions.authorize).toHaveBeenCalledWith(mayPage);
    });
  });
});
