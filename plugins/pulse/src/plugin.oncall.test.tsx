import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import { EntityOnCall } from '@pulse-oss/plugin-pulse-common';
import { screen } from '@testing-library/react';
import { Route, Routes } from 'react-router-dom';
import { PulseApi, pulseApiRef } from './api';
import {
  EntityOnCallCard,
  PulseIncidentsPage,
  PulseOnCallPage,
  pulsePlugin,
} from './plugin';
import { incidentsRouteRef, onCallRouteRef } from './routes';

const onCall: EntityOnCall = {
  version: 1,
  entityRef: 'component:default/payments-api',
  policy: null,
  problem: 'No escalation policy applies to component:default/payments-api',
  now: { userRef: null, until: null, scheduleId: null },
  next: null,
  openIncidents: [],
};

const pulseApi: Partial<PulseApi> = {
  getEntityOnCall: jest.fn(async () => onCall),
  listIncidents: jest.fn(async () => ({ items: [], nextCursor: null })),
  listSchedules: jest.fn(async () => ({ items: [] })),
};

const apis = [
  [pulseApiRef, pulseApi],
  [permissionApiRef, mockApis.permission()],
] as const;

const mountedRoutes = {
  '/catalog/:namespace/:kind/:name': entityRouteRef,
  '/pulse/incidents': incidentsRouteRef,
  '/pulse/oncall': onCallRouteRef,
};

describe('pulse plugin on-call extensions (legacy frontend system)', () => {
  it('registers the routes of both pages', () => {
    expect(pulsePlugin.routes).toEqual(
      expect.objectContaining({
        incidents: incidentsRouteRef,
        onCall: onCallRouteRef,
      }),
    );
  });

  it('renders the on-call card', async () => {
    await renderInTestApp(
      <TestApiProvider apis={apis}>
        <EntityProvider
          entity={{
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Component',
            metadata: { name: 'payments-api', namespace: 'default' },
          }}
        >
          <EntityOnCallCard />
        </EntityProvider>
      </TestApiProvider>,
      { mountedRoutes },
    );

    expect(
      await screen.findByText('Nobody is paged for this service'),
    ).toBeInTheDocument();
  });

  it('renders the incidents page with its header', async () => {
    await renderInTestApp(
      <TestApiProvider apis={apis}>
        <Routes>
          <Route path="/pulse/incidents/*" element={<PulseIncidentsPage />} />
        </Routes>
      </TestApiProvider>,
      { routeEntries: ['/pulse/incidents'], mountedRoutes },
    );

    expect(
      await screen.findByRole('heading', { name: 'Incidents' }),
    ).toBeInTheDocument();
    expect(await screen.findByText('No incidents')).toBeInTheDocument();
  });

  it('renders the on-call page with its header', async () => {
    await renderInTestApp(
      <TestApiProvider apis={apis}>
        <Routes>
          <Route path="/pulse/oncall/*" element={<PulseOnCallPage />} />
        </Routes>
      </TestApiProvider>,
      { routeEntries: ['/pulse/oncall'], mountedRoutes },
    );

    expect(
      await screen.findByRole('heading', { name: 'On-call' }),
    ).toBeInTheDocument();
    expect(await screen.findByText('No on-call schedules')).toBeInTheDocument();
  });
});
