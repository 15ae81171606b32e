import { mockApis, renderTestApp } from '@backstage/frontend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import {
  EntityOnCall,
  Incident,
  PulseApi,
  pulseApiRef,
  ScheduleSummary,
} from '@pulse-oss/plugin-pulse';
import pulsePlugin from '@pulse-oss/plugin-pulse/alpha';
import { notificationsApiRef } from '@backstage/plugin-notifications';
import notificationsPlugin from '@backstage/plugin-notifications/alpha';
import { screen, within } from '@testing-library/react';
import { navModule } from './modules/nav';

// The first render compiles the catalog plugin's and Pulse's lazily loaded pages and cards.
jest.setTimeout(30_000);

const component = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'payments-api', namespace: 'default' },
  spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
};

const incident: Incident = {
  id: 'inc-1',
  title: 'Checkout latency above SLO',
  entityRef: 'component:default/payments-api',
  severity: 'critical',
  status: 'triggered',
  dedupKey: 'checkout-latency',
  alertCount: 1,
  source: 'alertmanager',
  createdAt: new Date(Date.now() - 10 * 60 * 1000).toISOString(),
  acknowledgedAt: null,
  resolvedAt: null,
  timeToAcknowledgeSeconds: null,
  timeToResolveSeconds: null,
  assignees: ['user:default/amelia.chen'],
  escalationPolicyId: 'payments',
  escalationStep: 0,
  escalationRound: 0,
  nextEscalationAt: null,
  flagged: false,
};

const onCall: EntityOnCall = {
  entityRef: 'component:default/payments-api',
  policy: {
    id: 'payments',
    name: 'Payments critical',
    chosenBy: 'annotation',
    repeat: 1,
    steps: [
      {
        delayMinutes: 0,
        targets: [{ type: 'user', userRef: 'user:default/amelia.chen' }],
      },
    ],
  },
  problem: null,
  now: {
    userRef: 'user:default/amelia.chen',
    until: new Date(Date.now() + 60 * 60 * 1000).toISOString(),
    scheduleId: 'payments-primary',
  },
  next: null,
  openIncidents: [incident],
  version: 1,
};

const schedule: ScheduleSummary = {
  id: 'payments-primary',
  name: 'Payments primary',
  timeZone: 'Europe/Berlin',
  current: {
    start: new Date().toISOString(),
    end: new Date(Date.now() + 60 * 60 * 1000).toISOString(),
    userRef: 'user:default/amelia.chen',
  },
  next: null,
  version: 1,
};

const pulseApi: Partial<PulseApi> = {
  getEntityOnCall: async () => onCall,
  listIncidents: async () => ({ items: [incident], nextCursor: null }),
  listSchedules: async () => ({ items: [schedule] }),
  getScheduleShifts: async (scheduleId, range) => ({
    scheduleId,
    timeZone: 'Europe/Berlin',
    from: range.from,
    to: range.to,
    shifts: [
      {
        start: range.from,
        end: range.to,
        userRef: 'user:default/amelia.chen',
      },
    ],
    gaps: [],
  }),
  listScheduleOverrides: async () => ({ items: [] }),
};

// The app's sidebar also shows the notifications item, which needs its plugin's page and API.
function renderApp(path: string) {
  return renderTestApp({
    features: [catalogPlugin, notificationsPlugin, pulsePlugin, navModule],
    initialRouteEntries: [path],
    apis: [
      [catalogApiRef, catalogApiMock({ entities: [component] })],
      [pulseApiRef, pulseApi],
      [
        notificationsApiRef,
        { getStatus: async () => ({ unread: 0, read: 0 }) },
      ],
      mockApis.permission(),
    ],
  });
}

describe('Pulse on-call in the demo app', () => {
  it("shows the on-call card on a component's overview", async () => {
    renderApp('/catalog/default/component/payments-api');

    expect(
      await screen.findByText('Payments critical', undefined, {
        timeout: 20_000,
      }),
    ).toBeInTheDocument();
    // The on-call card's heading (the overview card has an "On call now" line too).
    expect(
      screen.getByRole('heading', { name: 'On call now' }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: 'Checkout latency above SLO' }),
    ).toHaveAttribute('href', '/pulse/incidents/inc-1');
    expect(
      await screen.findByRole('button', { name: 'Page the on-call' }),
    ).toBeInTheDocument();
    expect(
      await screen.findByRole('button', {
        name: 'Acknowledge Checkout latency above SLO',
      }),
    ).toBeInTheDocument();
  });

  it('routes /pulse/incidents to the incidents page', async () => {
    renderApp('/pulse/incidents');

    expect(
      await screen.findByRole('tab', { name: 'Mine' }, { timeout: 20_000 }),
    ).toBeInTheDocument();
    expect(
      await screen.findByRole('link', { name: 'Checkout latency above SLO' }),
    ).toHaveAttribute('href', '/pulse/incidents/inc-1');
  });

  it('routes /pulse/oncall to the on-call page', async () => {
    renderApp('/pulse/oncall');

    expect(
      await screen.findByText('Payments primary', undefined, {
        timeout: 20_000,
      }),
    ).toBeInTheDocument();
    expect(screen.getByText('Times in Europe/Berlin')).toBeInTheDocument();
  });

  it("lists both pages in the app's sidebar", async () => {
    renderApp('/pulse/oncall');

    const nav = await screen.findByRole(
      'navigation',
      { name: 'sidebar nav' },
      { timeout: 20_000 },
    );
    expect(
      await within(nav).findByRole('link', { name: /Incidents/ }),
    ).toHaveAttribute('href', '/pulse/incidents');
    expect(within(nav).getByRole('link', { name: /On-call/ })).toHaveAttribute(
      'href',
      '/pulse/oncall',
    );
  });
});
