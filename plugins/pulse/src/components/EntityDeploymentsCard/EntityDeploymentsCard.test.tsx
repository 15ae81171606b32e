import { EntityProvider } from '@backstage/plugin-catalog-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import {
  deploymentEntryFixture,
  deploymentsFixture,
  paymentsApiEntity,
} from '../../__testUtils__/fixtures';
import { PulseApi, pulseApiRef } from '../../api';
import { EntityDeploymentsCard } from './EntityDeploymentsCard';

const entity = paymentsApiEntity;

function render(api: Partial<PulseApi>) {
  return renderInTestApp(
    <TestApiProvider apis={[[pulseApiRef, api as PulseApi]]}>
      <EntityProvider entity={entity}>
        <EntityDeploymentsCard />
      </EntityProvider>
    </TestApiProvider>,
  );
}

describe('EntityDeploymentsCard', () => {
  it('shows each environment with its latest deployment and what it shipped', async () => {
    await render({ getDeployments: async () => deploymentsFixture() });
    const environments = await screen.findByRole('table', {
      name: 'Latest deployment per environment',
    });
    const rows = within(environments).getAllByRole('row');
    expect(rows[1]).toHaveTextContent('production');
    expect(rows[1]).toHaveTextContent('success');
    expect(within(rows[1]).getByRole('link', { name: /^#4/ })).toHaveAttribute(
      'href',
      'https://github.com/acme/payments-api/pull/4',
    );
    expect(rows[2]).toHaveTextContent('staging');
    expect(rows[2]).toHaveTextContent('in progress');
    expect(rows[2]).toHaveTextContent('never');

    const history = screen.getByRole('table', { name: 'Deployment history' });
    const historyRows = within(history).getAllByRole('row').slice(1);
    expect(historyRows).toHaveLength(4);
    // GitHub's "inactive" for a deployment that succeeded before a newer one did.
    expect(historyRows[3]).toHaveTextContent('succeeded, superseded');
    expect(historyRows[3]).toHaveTextContent('failed');
    expect(within(historyRows[3]).getAllByRole('link')).toHaveLength(2);
    expect(historyRows[2]).toHaveTextContent('failure');
  });

  it("loads one environment's history, and older deployments on request", async () => {
    const getDeployments = jest.fn(
      async (
        _ref: unknown,
        query?: { environment?: string; cursor?: string },
      ) =>
        query?.cursor
          ? deploymentsFixture({
              history: [
                deploymentEntryFixture({
                  id: '100',
                  sha: 'c1'.padEnd(40, '0'),
                }),
              ],
              nextCursor: null,
            })
          : deploymentsFixture({ nextCursor: 'next' }),
    );
    await render({ getDeployments });
    fireEvent.click(
      await screen.findByRole('button', { name: 'Show older deployments' }),
    );
    await waitFor(() =>
      expect(
        within(
          screen.getByRole('table', { name: 'Deployment history' }),
        ).getAllByRole('row'),
      ).toHaveLength(6),
    );
    expect(getDeployments).toHaveBeenLastCalledWith(
      { kind: 'Component', namespace: 'default', name: 'payments-api' },
      { environment: undefined, limit: 10, cursor: 'next' },
    );

    fireEvent.mouseDown(screen.getByRole('button', { name: /Environment/ }));
    fireEvent.click(await screen.findByRole('option', { name: 'staging' }));
    await waitFor(() =>
      expect(getDeployments).toHaveBeenLastCalledWith(
        { kind: 'Component', namespace: 'default', name: 'payments-api' },
        { environment: 'staging', limit: 10 },
      ),
    );
  });

  it('says when there are no deployments yet', async () => {
    await render({
      getDeployments: async () =>
        deploymentsFixture({ environments: [], history: [] }),
    });
    expect(await screen.findByText('No deployments yet')).toBeInTheDocument();
  });
});
