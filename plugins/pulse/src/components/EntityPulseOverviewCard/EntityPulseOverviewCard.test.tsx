import { Entity } from '@backstage/catalog-model';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { signalApiRef } from '@backstage/plugin-signals-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { Incident } from '@pulse-oss/plugin-pulse-common';
import { ResponseError } from '@backstage/errors';
import { screen, waitFor, within } from '@testing-library/react';
import {
  entityOnCallFixture,
  paymentsApiEntity,
  pullRequestFixture,
  pulseApiFixture,
} from '../../__testUtils__/fixtures';
import { createSignalApi } from '../../__testUtils__/signals';
import { PulseApi, pulseApiRef } from '../../api';
import { EntityPulseOverviewCard } from './EntityPulseOverviewCard';

const service = paymentsApiEntity;

function render(
  api: Partial<PulseApi>,
  entity: Entity = service,
  signals = createSignalApi(),
) {
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [pulseApiRef, api as PulseApi],
        [signalApiRef, signals.api],
      ]}
    >
      <EntityProvider entity={entity}>
        <EntityPulseOverviewCard />
      </EntityProvider>
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

const lineOf = (label: string) =>
  screen.getByText(label, { selector: 'dt *' }).closest('div')!;

describe('EntityPulseOverviewCard', () => {
  it('sums up pull requests, CI, who is on call and open incidents, linking to the Pulse tab', async () => {
    const getPullRequests = jest.fn(async () => ({
      version: 1,
      items: [pullRequestFixture(), pullRequestFixture({ number: 8 })],
      nextCursor: null,
      lastSyncedAt: null,
    }));
    await render({
      ...pulseApiFixture(),
      getPullRequests,
      getEntityOnCall: async () =>
        entityOnCallFixture({
          now: {
            userRef: 'user:default/amelia.chen',
            until: new Date(Date.now() + 3 * 3600_000).toISOString(),
            scheduleId: 'payments-primary',
          },
          openIncidents: [
            { id: 'i1', severity: 'critical', status: 'triggered' } as Incident,
          ],
        }),
    });

    expect(
      await screen.findByText('2 open, 2 waiting for a first review'),
    ).toBeInTheDocument();
    expect(getPullRequests).toHaveBeenCalledWith(
      { kind: 'Component', namespace: 'default', name: 'payments-api' },
      { state: 'open', limit: 50 },
    );
    expect(within(lineOf('CI')).getByText('main is green')).toBeInTheDocument();
    const onCall = lineOf('On call now');
    expect(
      await within(onCall).findByRole('link', { name: /amelia\.chen/ }),
    ).toBeInTheDocument();
    expect(onCall).toHaveTextContent(/hands off in 3 hours/);
    expect(
      within(lineOf('Incidents')).getByText(
        '1 open (1 critical), 1 not acknowledged',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: /Open the Pulse tab/ }),
    ).toHaveAttribute('href', '/catalog/default/component/payments-api/pulse');
  });

  it('says when nobody is on call, and why when no policy applies', async () => {
    await render({
      ...pulseApiFixture(),
      getEntityOnCall: async () =>
        entityOnCallFixture({ problem: 'No escalation policy applies' }),
    });
    expect(
      await within(lineOf('On call now')).findByText(
        'No escalation policy applies',
      ),
    ).toBeInTheDocument();
  });

  it('shows a component without a repository its on-call lines only', async () => {
    const api = pulseApiFixture();
    const getPullRequests = jest.fn(api.getPullRequests);
    await render(
      { ...api, getPullRequests },
      {
        ...service,
        metadata: { name: 'billing-worker', namespace: 'default' },
      },
    );
    expect(await screen.findByText('No open incidents')).toBeInTheDocument();
    expect(screen.queryByText('Pull requests')).not.toBeInTheDocument();
    expect(screen.queryByText('CI')).not.toBeInTheDocument();
    expect(getPullRequests).not.toHaveBeenCalled();
  });

  it('shows a failed line with its reason and keeps the others', async () => {
    const failure = await ResponseError.fromResponse(
      new Response(
        JSON.stringify({
          error: { name: 'Error', message: 'the database is unavailable' },
          response: { statusCode: 503 },
        }),
        { status: 503, headers: { 'Content-Type': 'application/json' } },
      ),
    );
    await render({
      ...pulseApiFixture(),
      getWorkflowSummary: () => Promise.reject(failure),
    });
    expect(
      await within(lineOf('CI')).findByText('the database is unavailable'),
    ).toBeInTheDocument();
    expect(
      await screen.findByText('1 open, 1 waiting for a first review'),
    ).toBeInTheDocument();
  });

  it('refetches the pull requests on a newer hint of their topic', async () => {
    const signals = createSignalApi();
    const getPullRequests = jest
      .fn()
      .mockResolvedValueOnce({
        version: 3,
        items: [pullRequestFixture()],
        nextCursor: null,
        lastSyncedAt: null,
      })
      .mockResolvedValueOnce({
        version: 4,
        items: [],
        nextCursor: null,
        lastSyncedAt: null,
      });
    await render({ ...pulseApiFixture(), getPullRequests }, service, signals);
    expect(
      await screen.findByText('1 open, 1 waiting for a first review'),
    ).toBeInTheDocument();
    await waitFor(() =>
      expect(signals.channels()).toContain(
        'pulse:entity:component:default/payments-api',
      ),
    );
    const hint = (version: number) => ({
      entityRef: 'component:default/payments-api',
      topic: 'pull-requests',
      version,
    });
    await signals.send('pulse:entity:component:default/payments-api', hint(3));
    expect(getPullRequests).toHaveBeenCalledTimes(1);
    await signals.send('pulse:entity:component:default/payments-api', hint(4));
    expect(
      await screen.findByText('No open pull requests'),
    ).toBeInTheDocument();
    expect(getPullRequests).toHaveBeenCalledTimes(2);
  });
});
