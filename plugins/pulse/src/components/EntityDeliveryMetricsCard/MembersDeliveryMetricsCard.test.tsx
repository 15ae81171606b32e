import { Entity } from '@backstage/catalog-model';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { signalApiRef } from '@backstage/plugin-signals-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import type {
  EntityDeliveryMetrics,
  MemberDeliveryFigures,
} from '@pulse-oss/plugin-pulse-common';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { deliveryMetricsFixture } from '../../__testUtils__/fixtures';
import { createSignalApi } from '../../__testUtils__/signals';
import { PulseApi, pulseApiRef } from '../../api';
import {
  EntityGroupDeliveryMetricsCard,
  EntitySystemDeliveryMetricsCard,
} from './MembersDeliveryMetricsCard';

const group: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: { name: 'payments', namespace: 'default' },
  spec: { type: 'team', children: [] },
};
const system: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'System',
  metadata: { name: 'shop', namespace: 'default' },
  spec: { owner: 'payments' },
};

function member(
  name: string,
  overrides: Partial<MemberDeliveryFigures> = {},
): MemberDeliveryFigures {
  return {
    entityRef: `component:default/${name}`,
    computedAt: '2026-11-30T11:00:00Z',
    deploymentFrequency: { value: 5, sample: 5, level: 'high' },
    leadTime: { value: 26 * 3600, sample: 8, level: 'high' },
    changeFailureRate: { value: 0.2, sample: 5, level: 'medium' },
    timeToRestore: { value: null, sample: 0, level: null },
    pullRequests: { merged: 9, open: 2 },
    ci: { runs: 40, successRate: 0.9, redNow: false },
    version: 3,
    ...overrides,
  };
}

function teamMetrics(
  overrides: Partial<EntityDeliveryMetrics> = {},
): EntityDeliveryMetrics {
  return deliveryMetricsFixture({
    entityRef: 'group:default/payments',
    members: [
      member('payments-api'),
      member('ledger-service', {
        ci: { runs: 12, successRate: 0.5, redNow: true },
        version: 7,
      }),
    ],
    version: 10,
    ...overrides,
  });
}

function render(
  entity: Entity,
  api: Partial<PulseApi>,
  signals = createSignalApi(),
  Card = EntityGroupDeliveryMetricsCard,
) {
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [pulseApiRef, api as PulseApi],
        [signalApiRef, signals.api],
      ]}
    >
      <EntityProvider entity={entity}>
        <Card />
      </EntityProvider>
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

describe('EntityGroupDeliveryMetricsCard', () => {
  it("shows the team's four keys and its members side by side", async () => {
    const getDeliveryMetrics = jest.fn(async () => teamMetrics());
    await render(group, { getDeliveryMetrics });
    expect(
      await screen.findByRole('button', {
        name: /Deployment frequency: 9 \/ week/,
      }),
    ).toBeInTheDocument();
    expect(getDeliveryMetrics).toHaveBeenCalledWith(
      { kind: 'Group', namespace: 'default', name: 'payments' },
      undefined,
    );
    const table = screen.getByRole('table', {
      name: 'Delivery metrics per member',
    });
    const rows = within(table).getAllByRole('row');
    expect(rows).toHaveLength(3);
    expect(rows[1]).toHaveTextContent('payments-api');
    expect(rows[1]).toHaveTextContent('5 / week');
    expect(rows[1]).toHaveTextContent('High');
    expect(rows[1]).toHaveTextContent('not enough data');
    expect(rows[2]).toHaveTextContent('ledger-service');
    expect(rows[2]).toHaveTextContent('default branch red');
    // The team's CI is per member; the pooled workflow table is left out.
    expect(
      screen.queryByRole('table', {
        name: 'CI health per workflow and branch',
      }),
    ).not.toBeInTheDocument();
  });

  it("opens the team's items with the members they belong to", async () => {
    const getMetricItems = jest.fn(async () => ({
      version: 10,
      nextCursor: null,
      items: [
        {
          key: '101',
          occurredAt: '2026-11-27T10:00:00Z',
          day: '2026-11-27',
          value: null,
          detail: {
            id: '101',
            environment: 'production',
            sha: 'c3'.padEnd(40, '0'),
            state: 'success',
            causes: [],
            baseline: false,
            pullRequests: [2, 3],
          },
          entityRefs: ['component:default/payments-api', 'api:default/ledger'],
        },
      ],
    }));
    await render(group, {
      getDeliveryMetrics: async () => teamMetrics(),
      getMetricItems,
    });
    fireEvent.click(
      await screen.findByRole('button', { name: /Deployment frequency/ }),
    );
    const dialog = await screen.findByRole('dialog');
    expect(
      await within(dialog).findByText(/payments-api, api:ledger/),
    ).toBeInTheDocument();
    expect(getMetricItems).toHaveBeenCalledWith(
      { kind: 'Group', namespace: 'default', name: 'payments' },
      'deployments',
      expect.objectContaining({ windowDays: 7 }),
    );
  });

  it("follows its members' channels and refetches on a newer hint", async () => {
    const signals = createSignalApi();
    const getDeliveryMetrics = jest
      .fn()
      .mockResolvedValueOnce(teamMetrics())
      .mockResolvedValueOnce(
        teamMetrics({
          members: [
            member('payments-api', {
              pullRequests: { merged: 10, open: 1 },
              version: 4,
            }),
            member('ledger-service', { version: 7 }),
          ],
        }),
      );
    await render(group, { getDeliveryMetrics }, signals);
    await screen.findByRole('table', { name: 'Delivery metrics per member' });
    await waitFor(() =>
      expect(signals.channels()).toEqual([
        'pulse:entity:component:default/ledger-service',
        'pulse:entity:component:default/payments-api',
      ]),
    );
    const hint = (version: number) => ({
      entityRef: 'component:default/payments-api',
      topic: 'metrics',
      version,
    });
    // Not newer than what the card shows: nothing to fetch.
    await signals.send('pulse:entity:component:default/payments-api', hint(3));
    expect(getDeliveryMetrics).toHaveBeenCalledTimes(1);
    await signals.send('pulse:entity:component:default/payments-api', hint(4));
    expect(await screen.findByText('10 merged')).toBeInTheDocument();
    expect(getDeliveryMetrics).toHaveBeenCalledTimes(2);
  });

  it('says what it counts when no member has metrics', async () => {
    await render(group, {
      getDeliveryMetrics: async () =>
        teamMetrics({ members: [], computedAt: null, version: 0 }),
    });
    expect(
      await screen.findByText('No delivery metrics yet'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/the entities this group and its child groups own/),
    ).toBeInTheDocument();
  });
});

describe('EntitySystemDeliveryMetricsCard', () => {
  it("shows the system's members", async () => {
    await render(
      system,
      {
        getDeliveryMetrics: async () =>
          teamMetrics({ entityRef: 'system:default/shop' }),
      },
      createSignalApi(),
      EntitySystemDeliveryMetricsCard,
    );
    expect(
      await screen.findByRole('table', { name: 'Delivery metrics per member' }),
    ).toBeInTheDocument();
  });
});
