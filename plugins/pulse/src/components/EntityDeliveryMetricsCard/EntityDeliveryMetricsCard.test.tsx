import { ResponseError } from '@backstage/errors';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { MetricItemsPage } from '@pulse-oss/plugin-pulse-common';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import {
  deliveryMetricsFixture,
  paymentsApiEntity,
} from '../../__testUtils__/fixtures';
import { PulseApi, pulseApiRef } from '../../api';
import { EntityDeliveryMetricsCard } from './EntityDeliveryMetricsCard';

const entity = paymentsApiEntity;

const leadTimeItems: MetricItemsPage = {
  version: 4,
  nextCursor: null,
  items: [
    {
      key: '41',
      occurredAt: '2026-11-29T10:00:00Z',
      day: '2026-11-29',
      value: null,
      detail: {
        number: 41,
        title: 'Add refunds',
        status: 'waiting',
        htmlUrl: 'https://github.com/acme/payments-api/pull/41',
      },
    },
    {
      key: '38',
      occurredAt: '2026-11-26T09:00:00Z',
      day: '2026-11-26',
      value: 51 * 3600,
      detail: {
        number: 38,
        title: 'Faster checkout',
        status: 'deployed',
        deploymentId: '101',
        htmlUrl: 'https://github.com/acme/payments-api/pull/38',
      },
    },
  ],
};

function render(api: Partial<PulseApi>) {
  return renderInTestApp(
    <TestApiProvider apis={[[pulseApiRef, api as PulseApi]]}>
      <EntityProvider entity={entity}>
        <EntityDeliveryMetricsCard />
      </EntityProvider>
    </TestApiProvider>,
  );
}

describe('EntityDeliveryMetricsCard', () => {
  it('shows the four keys with their bands, and says where a band needs more data', async () => {
    await render({ getDeliveryMetrics: async () => deliveryMetricsFixture() });
    expect(await screen.findByText('Deployment frequency')).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: /Deployment frequency: 9 \/ week/ }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: /Lead time for changes: 2d 3h/ }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: /Change failure rate: 11.1%/ }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: /Time to restore: 30m/ }),
    ).toBeInTheDocument();
    expect(screen.getByText('Elite · DORA 2023')).toBeInTheDocument();
    expect(screen.getByText('High · DORA 2023')).toBeInTheDocument();
    expect(screen.getByText('Medium · DORA 2023')).toBeInTheDocument();
    expect(screen.getByText('Not enough data')).toBeInTheDocument();
    expect(
      screen.getByText(
        'Not enough data: 2 resolved incidents, 5 needed for a band',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/p50 over 6 pull requests, p90 3d 2h; 1 waiting/),
    ).toBeInTheDocument();
    // A text summary of each trend for screen readers.
    expect(
      screen.getByRole('img', {
        name: /^Deployments per day: 2026-11-24 1 deployment; 2026-11-25 2 deployments/,
      }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('table', { name: 'Pull request flow percentiles' }),
    ).toHaveTextContent('pickup3h4h6h5');
    expect(screen.getByText(/Build and test: c4f00d1/)).toBeInTheDocument();
  });

  it('opens the items a number counts', async () => {
    const getMetricItems = jest.fn(async () => leadTimeItems);
    await render({
      getDeliveryMetrics: async () => deliveryMetricsFixture(),
      getMetricItems,
    });
    fireEvent.click(
      await screen.findByRole('button', { name: /Lead time for changes/ }),
    );
    const dialog = await screen.findByRole('dialog');
    expect(
      within(dialog).getByText(
        'Pull requests and their lead time · last 7 days',
      ),
    ).toBeInTheDocument();
    expect(
      await within(dialog).findByText('#41 Add refunds'),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByText(/Merged, not in production yet/),
    ).toBeInTheDocument();
    expect(within(dialog).getByText('2d 3h')).toBeInTheDocument();
    expect(getMetricItems).toHaveBeenCalledWith(
      { kind: 'Component', namespace: 'default', name: 'payments-api' },
      'lead-time',
      { windowDays: 7, cursor: undefined, limit: 50 },
    );
    fireEvent.click(within(dialog).getByRole('button', { name: 'Close' }));
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
  });

  it('loads another window when one is chosen', async () => {
    const getDeliveryMetrics = jest.fn(
      async (_ref: unknown, windowDays?: number) =>
        deliveryMetricsFixture(
          windowDays === 30
            ? {
                window: {
                  days: 30,
                  firstDay: '2026-11-01',
                  lastDay: '2026-11-30',
                  timeZone: 'UTC',
                },
              }
            : {},
        ),
    );
    await render({ getDeliveryMetrics });
    fireEvent.click(
      await screen.findByRole('button', { name: 'Last 30 days' }),
    );
    await waitFor(() =>
      expect(getDeliveryMetrics).toHaveBeenLastCalledWith(
        expect.anything(),
        30,
      ),
    );
    expect(
      await screen.findByText(/2026-11-01 to 2026-11-30/),
    ).toBeInTheDocument();
  });

  it("lists the default branch's workflows first, the other branches on request", async () => {
    const fixture = deliveryMetricsFixture();
    const onMain = fixture.ciHealth.workflows[0];
    await render({
      getDeliveryMetrics: async () => ({
        ...fixture,
        ciHealth: {
          ...fixture.ciHealth,
          workflows: [
            { ...onMain, branch: 'feature/refunds', runs: 3 },
            onMain,
          ],
        },
      }),
    });
    const table = await screen.findByRole('table', {
      name: 'CI health per workflow and branch',
    });
    expect(
      within(table).queryByText('feature/refunds'),
    ).not.toBeInTheDocument();
    fireEvent.click(
      screen.getByRole('button', { name: 'Show 1 other branches' }),
    );
    expect(within(table).getByText('feature/refunds')).toBeInTheDocument();
  });

  it('says when the metrics are not computed yet, and when there are no deployments', async () => {
    await render({
      getDeliveryMetrics: async () =>
        deliveryMetricsFixture({ computedAt: null }),
    });
    expect(
      await screen.findByText('Delivery metrics are not computed yet'),
    ).toBeInTheDocument();
  });

  it('names the production environments when there are no deployments', async () => {
    const fixture = deliveryMetricsFixture();
    await render({
      getDeliveryMetrics: async () => ({
        ...fixture,
        deploymentFrequency: {
          ...fixture.deploymentFrequency,
          value: 0,
          sample: 0,
          level: null,
          medianDeploymentDaysPerWeek: 0,
        },
      }),
    });
    expect(
      await screen.findByText(
        'No successful deployment to production, prod in this window',
      ),
    ).toBeInTheDocument();
  });

  it('shows an error the API gives', async () => {
    const response = new Response(
      JSON.stringify({ error: { name: 'Error', message: 'database down' } }),
      {
        status: 503,
        headers: { 'Content-Type': 'application/json' },
      },
    );
    const error = await ResponseError.fromResponse(response as any);
    await render({
      getDeliveryMetrics: async () => {
        throw error;
      },
    });
    expect(
      (await screen.findAllByText(/database down/))[0],
    ).toBeInTheDocument();
  });
});
