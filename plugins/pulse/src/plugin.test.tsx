import { Entity } from '@backstage/catalog-model';
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
import { screen } from '@testing-library/react';
import { paymentsApiEntity, pulseApiFixture } from './__testUtils__/fixtures';
import { pulseApiRef } from './api';
import {
  EntityActivityCard,
  EntityPulseContent,
  EntityPullRequestsCard,
  EntityPulseStatusCard,
  EntityWorkflowRunsCard,
  isPulseAvailable,
} from './index';
import { incidentsRouteRef, onCallRouteRef } from './routes';

// The entity page of a legacy-frontend app, as plugins/pulse/README.md tells adopters to write it:
// each card is the plugin's extension (`pulsePlugin.provide`), rendered inside the catalog's
// EntityProvider, with the app's own APIs.
const entity = paymentsApiEntity;

const pulseApi = pulseApiFixture();

const mountedRoutes = {
  '/catalog/:namespace/:kind/:name': entityRouteRef,
  '/pulse/incidents': incidentsRouteRef,
  '/pulse/oncall': onCallRouteRef,
};

function renderOnEntityPage(card: JSX.Element, pageEntity: Entity = entity) {
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [pulseApiRef, pulseApi],
        [permissionApiRef, mockApis.permission()],
      ]}
    >
      <EntityProvider entity={pageEntity}>{card}</EntityProvider>
    </TestApiProvider>,
    { mountedRoutes },
  );
}

describe('pulse plugin entity cards (legacy frontend system)', () => {
  it('renders the pull requests card extension', async () => {
    await renderOnEntityPage(<EntityPullRequestsCard />);

    expect(
      await screen.findByRole('link', { name: /^#7 Tidy up the refund flow/ }),
    ).toBeInTheDocument();
    expect(screen.getByText('Pull requests')).toBeInTheDocument();
  });

  it('renders the workflow runs card extension', async () => {
    await renderOnEntityPage(<EntityWorkflowRunsCard />);

    expect(
      (await screen.findAllByRole('link', { name: /^Build and test/ })).length,
    ).toBeGreaterThan(0);
    expect(screen.getByText('Workflow runs')).toBeInTheDocument();
  });

  it('renders the status card extension', async () => {
    await renderOnEntityPage(<EntityPulseStatusCard />);

    expect(
      await screen.findByRole('link', { name: /^acme\/payments-api/ }),
    ).toBeInTheDocument();
  });

  it('renders the activity card extension', async () => {
    await renderOnEntityPage(<EntityActivityCard />);

    expect(await screen.findByText('No activity yet')).toBeInTheDocument();
  });

  it('renders the Pulse tab content with every card of the entity', async () => {
    await renderOnEntityPage(<EntityPulseContent />);

    expect(
      await screen.findByRole('link', { name: /^#7 Tidy up the refund flow/ }),
    ).toBeInTheDocument();
    expect(screen.getByText('Workflow runs')).toBeInTheDocument();
    expect(
      await screen.findByRole('link', { name: /^acme\/payments-api/ }),
    ).toBeInTheDocument();
    expect(await screen.findByText('No activity yet')).toBeInTheDocument();
  });

  it('offers isPulseAvailable to show the GitHub cards only on annotated entities', () => {
    expect(isPulseAvailable(entity)).toBe(true);
    expect(
      isPulseAvailable({ ...entity, metadata: { name: 'untracked' } }),
    ).toBe(false);
  });
});
