import { ResponseError } from '@backstage/errors';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import {
  pulseOverrideCreatePermission,
  pulseOverrideDeletePermission,
  ScheduleOverride,
  ScheduleShifts,
  ScheduleSummary,
} from '@pulse-oss/plugin-pulse-common';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { DateTime } from 'luxon';
import { useLocation } from 'react-router-dom';
import {
  allowAllBut,
  createPermissionApi,
  findPermissionAnswer,
  FreshPermissionCache,
  PermissionProbes,
  PermissionQuestion,
} from '../../__testUtils__/permissions';
import { PulseApi, pulseApiRef } from '../../api';
import { OnCallPage } from './OnCallPage';

// Dialogs, menus and the table render slowly in jsdom when the test workers share a busy machine.
jest.setTimeout(20_000);

// The page refetches when the current shift ends: the fixtures' day starts at a fixed moment, so
// that the shift ending at 09:00 is still to come whatever the time the suite runs.
jest.useFakeTimers({
  now: new Date('2026-12-02T06:00:00Z'),
  advanceTimers: true,
});

const today = DateTime.utc().startOf('day');
const at = (hours: number) => today.plus({ hours }).toISO()!;

const schedule: ScheduleSummary = {
  id: 'payments-primary',
  name: 'Payments primary',
  timeZone: 'UTC',
  current: { start: at(0), end: at(9), userRef: 'user:default/amelia.chen' },
  next: { start: at(9), end: at(17), userRef: null },
  version: 1,
};

const shifts: ScheduleShifts = {
  scheduleId: 'payments-primary',
  timeZone: 'UTC',
  from: at(0),
  to: at(14 * 24),
  shifts: [
    { start: at(0), end: at(9), userRef: 'user:default/amelia.chen' },
    { start: at(9), end: at(17), userRef: null },
    { start: at(17), end: at(14 * 24), userRef: 'user:default/jon.snow' },
  ],
  gaps: [{ start: at(9), end: at(17) }],
};

const override: ScheduleOverride = {
  id: 'ovr-1',
  scheduleId: 'payments-primary',
  userRef: 'user:default/jon.snow',
  start: at(48),
  end: at(60),
  layerId: null,
  createdBy: 'user:default/amelia.chen',
  createdAt: at(0),
};

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

function fakeApi(overrides: Partial<PulseApi> = {}) {
  return {
    listSchedules: jest.fn(async () => ({ items: [schedule] })),
    getScheduleShifts: jest.fn(async () => shifts),
    listScheduleOverrides: jest.fn(async () => ({ items: [override] })),
    ...overrides,
  };
}

const mayCreate: PermissionQuestion = {
  permission: pulseOverrideCreatePermission,
  resourceRef: 'payments-primary',
};
const mayDelete: PermissionQuestion = {
  permission: pulseOverrideDeletePermission,
  resourceRef: 'payments-primary',
};

/** The page's URL, where a test can read it. */
function LocationProbe() {
  const location = useLocation();
  return <output data-testid="location">{location.search}</output>;
}

async function renderPage(
  pulseApi: Partial<PulseApi>,
  options: {
    permissions?: ReturnType<typeof createPermissionApi>;
    probes?: PermissionQuestion[];
    url?: string;
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
        <OnCallPage />
        <LocationProbe />
        <PermissionProbes questions={options.probes} />
      </TestApiProvider>
    </FreshPermissionCache>,
    {
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
      routeEntries: [options.url ?? '/'],
    },
  );
}

describe('OnCallPage', () => {
  it('shows who is on call now and next for each schedule', async () => {
    await renderPage(fakeApi());

    expect(await screen.findByText('Payments primary')).toBeInTheDocument();
    expect(screen.getByText('Times in UTC')).toBeInTheDocument();
    const now = screen.getByText('On call now').parentElement!;
    expect(
      within(now).getByRole('link', { name: /amelia\.chen/ }),
    ).toBeInTheDocument();
    expect(within(now).getByText(/until/)).toBeInTheDocument();
    const next = screen.getByText('Next').parentElement!;
    expect(within(next).getByText('Nobody is on call')).toBeInTheDocument();
  });

  it('draws two weeks of shifts with the gap in red, and lists the gap', async () => {
    const api = fakeApi();

    await renderPage(api);

    const days = await screen.findAllByRole('group', {
      name: /^\w+day \d+ \w+$/,
    });
    expect(days).toHaveLength(14);
    expect(api.getScheduleShifts).toHaveBeenCalledWith('payments-primary', {
      from: today.toISO(),
      to: today.plus({ days: 14 }).toISO(),
    });

    const first = days[0];
    const gap = within(first).getByLabelText('Nobody on call 09:00–17:00');
    expect(gap).toHaveAttribute('data-gap', 'true');
    expect(gap).toHaveStyle({ left: `${(9 / 24) * 100}%` });
    expect(
      within(first).getByLabelText('amelia.chen 00:00–09:00'),
    ).toBeInTheDocument();
    expect(
      within(first).getByLabelText('jon.snow 17:00–24:00'),
    ).toBeInTheDocument();
    expect(
      within(days[1]).getByLabelText('jon.snow 00:00–24:00'),
    ).toBeInTheDocument();
    expect(within(days[1]).queryByLabelText(/Nobody on call/)).toBeNull();

    expect(screen.getByText('1 gap with nobody on call')).toBeInTheDocument();
    const listed = within(
      screen.getByRole('list', { name: 'Gaps' }),
    ).getAllByRole('listitem');
    expect(listed).toHaveLength(1);
    expect(listed[0]).toHaveTextContent(
      `${today.plus({ hours: 9 }).toFormat('ccc d LLL HH:mm')} – ${today
        .plus({ hours: 17 })
        .toFormat('ccc d LLL HH:mm')}`,
    );
  });

  it('says when a schedule has no gap', async () => {
    await renderPage(
      fakeApi({
        getScheduleShifts: jest.fn(async () => ({
          ...shifts,
          shifts: [
            {
              start: at(0),
              end: at(14 * 24),
              userRef: 'user:default/jon.snow',
            },
          ],
          gaps: [],
        })),
      }),
    );

    expect(
      await screen.findByText(/No gaps: someone is on call at every moment/),
    ).toBeInTheDocument();
  });

  it('creates an override in the schedule zone and refreshes the schedule', async () => {
    const createScheduleOverride = jest.fn(async () => ({
      ...override,
      id: 'ovr-2',
      start: '2030-01-07T09:00:00.000Z',
      end: '2030-01-07T17:00:00.000Z',
    }));
    const api = fakeApi({ createScheduleOverride });

    await renderPage(api);

    fireEvent.click(
      await screen.findByRole('button', { name: 'Create override' }),
    );
    const dialog = await screen.findByRole('dialog');
    expect(
      within(dialog).getByText('Create an override of Payments primary?'),
    ).toBeInTheDocument();
    fireEvent.change(within(dialog).getByRole('textbox', { name: /User/ }), {
      target: { value: 'jon.snow' },
    });
    fireEvent.change(within(dialog).getByLabelText(/Start \(UTC\)/), {
      target: { value: '2030-01-07T09:00' },
    });
    fireEvent.change(within(dialog).getByLabelText(/End \(UTC\)/), {
      target: { value: '2030-01-07T17:00' },
    });
    fireEvent.click(
      within(dialog).getByRole('button', { name: 'Create override' }),
    );

    expect(
      await screen.findByText(
        'jon.snow covers Payments primary from Mon 7 Jan 09:00 to Mon 7 Jan 17:00',
      ),
    ).toBeInTheDocument();
    expect(createScheduleOverride).toHaveBeenCalledWith('payments-primary', {
      userRef: 'user:default/jon.snow',
      start: '2030-01-07T09:00:00.000Z',
      end: '2030-01-07T17:00:00.000Z',
    });
    await waitFor(() => expect(api.getScheduleShifts).toHaveBeenCalledTimes(2));
    expect(api.listScheduleOverrides).toHaveBeenCalledTimes(2);
    expect(api.listSchedules).toHaveBeenCalledTimes(2);
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('interprets override times in a zoned schedule', async () => {
    const berlin = { ...schedule, timeZone: 'Europe/Berlin' };
    const createScheduleOverride = jest.fn(async () => override);

    await renderPage(
      fakeApi({
        listSchedules: jest.fn(async () => ({ items: [berlin] })),
        getScheduleShifts: jest.fn(async () => ({
          ...shifts,
          timeZone: 'Europe/Berlin',
        })),
        createScheduleOverride,
      }),
    );

    fireEvent.click(
      await screen.findByRole('button', { name: 'Create override' }),
    );
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByRole('textbox', { name: /User/ }), {
      target: { value: 'user:default/jon.snow' },
    });
    fireEvent.change(
      within(dialog).getByLabelText(/Start \(Europe\/Berlin\)/),
      {
        target: { value: '2030-07-01T09:00' },
      },
    );
    fireEvent.change(within(dialog).getByLabelText(/End \(Europe\/Berlin\)/), {
      target: { value: '2030-07-01T17:00' },
    });
    fireEvent.click(
      within(dialog).getByRole('button', { name: 'Create override' }),
    );

    await waitFor(() =>
      expect(createScheduleOverride).toHaveBeenCalledWith('payments-primary', {
        userRef: 'user:default/jon.snow',
        start: '2030-07-01T07:00:00.000Z',
        end: '2030-07-01T15:00:00.000Z',
      }),
    );
  });

  it('refuses an override that ends before it starts, or has no user', async () => {
    const createScheduleOverride = jest.fn();

    await renderPage(fakeApi({ createScheduleOverride }));

    fireEvent.click(
      await screen.findByRole('button', { name: 'Create override' }),
    );
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText(/Start \(UTC\)/), {
      target: { value: '2030-01-07T17:00' },
    });
    fireEvent.change(within(dialog).getByLabelText(/End \(UTC\)/), {
      target: { value: '2030-01-07T09:00' },
    });
    fireEvent.click(
      within(dialog).getByRole('button', { name: 'Create override' }),
    );

    expect(
      await within(dialog).findByText('The end must be after the start'),
    ).toBeInTheDocument();
    expect(within(dialog).getByText(/Enter a user/)).toBeInTheDocument();
    expect(createScheduleOverride).not.toHaveBeenCalled();
  });

  it('shows why the backend refused an override', async () => {
    const error = await responseError(
      403,
      'NotAllowedError',
      'You may not create overrides of payments-primary',
    );
    const createScheduleOverride = jest.fn(() => Promise.reject(error));

    await renderPage(fakeApi({ createScheduleOverride }));

    fireEvent.click(
      await screen.findByRole('button', { name: 'Create override' }),
    );
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByRole('textbox', { name: /User/ }), {
      target: { value: 'jon.snow' },
    });
    fireEvent.click(
      within(dialog).getByRole('button', { name: 'Create override' }),
    );

    expect(
      await within(dialog).findByText(
        'You may not create overrides of payments-primary',
      ),
    ).toBeInTheDocument();
  });

  it('lists overrides and deletes one after confirmation', async () => {
    const deleteScheduleOverride = jest.fn(async () => undefined);
    const api = fakeApi({ deleteScheduleOverride });

    await renderPage(api);

    const table = await screen.findByRole('table', {
      name: 'Overrides of Payments primary',
    });
    const start = today.plus({ hours: 48 }).toFormat('ccc d LLL HH:mm');
    expect(within(table).getByText(start)).toBeInTheDocument();
    expect(
      within(table).getByRole('link', { name: /jon\.snow/ }),
    ).toBeInTheDocument();

    fireEvent.click(
      await within(table).findByRole('button', {
        name: `Delete the override for jon.snow from ${start}`,
      }),
    );
    const dialog = await screen.findByRole('dialog');
    expect(deleteScheduleOverride).not.toHaveBeenCalled();
    fireEvent.click(
      within(dialog).getByRole('button', { name: 'Delete override' }),
    );

    expect(
      await screen.findByText(
        `Deleted the override for jon.snow from ${start}`,
      ),
    ).toBeInTheDocument();
    expect(deleteScheduleOverride).toHaveBeenCalledWith(
      'payments-primary',
      'ovr-1',
    );
    await waitFor(() =>
      expect(api.listScheduleOverrides).toHaveBeenCalledTimes(2),
    );
  });

  describe('permissions', () => {
    const start = today.plus({ hours: 48 }).toFormat('ccc d LLL HH:mm');
    const deleteButton = {
      name: `Delete the override for jon.snow from ${start}`,
    };

    it('asks whether the user may create and delete overrides of this schedule', async () => {
      const permissions = createPermissionApi();

      await renderPage(fakeApi(), { permissions });

      expect(
        await screen.findByRole('button', { name: 'Create override' }),
      ).toBeInTheDocument();
      expect(
        await screen.findByRole('button', deleteButton),
      ).toBeInTheDocument();
      expect(permissions.authorize).toHaveBeenCalledWith(mayCreate);
      expect(permissions.authorize).toHaveBeenCalledWith(mayDelete);
      for (const [request] of permissions.authorize.mock.calls) {
        expect(request.resourceRef).toBe('payments-primary');
      }
    });

    it('does not offer to create an override to someone who may not', async () => {
      const permissions = createPermissionApi(
        allowAllBut(pulseOverrideCreatePermission),
      );

      await renderPage(fakeApi(), { permissions, probes: [mayCreate] });

      // Deleting is still offered.
      expect(
        await screen.findByRole('button', deleteButton),
      ).toBeInTheDocument();
      await findPermissionAnswer(mayCreate);
      expect(
        screen.queryByRole('button', { name: 'Create override' }),
      ).not.toBeInTheDocument();
    });

    it('lists the overrides without a delete button to someone who may not delete', async () => {
      const permissions = createPermissionApi(
        allowAllBut(pulseOverrideDeletePermission),
      );
      const deleteScheduleOverride = jest.fn();

      await renderPage(fakeApi({ deleteScheduleOverride }), {
        permissions,
        probes: [mayDelete],
      });

      const table = await screen.findByRole('table', {
        name: 'Overrides of Payments primary',
      });
      expect(
        await screen.findByRole('button', { name: 'Create override' }),
      ).toBeInTheDocument();
      await findPermissionAnswer(mayDelete);
      expect(within(table).getByText(start)).toBeInTheDocument();
      expect(within(table).queryByRole('button')).toBeNull();
      // No empty column where the buttons would be.
      expect(within(table).getAllByRole('columnheader')).toHaveLength(4);
      expect(deleteScheduleOverride).not.toHaveBeenCalled();
    });

    it("decides per schedule: a member of one may change its overrides, not another's", async () => {
      const secondary: ScheduleSummary = {
        ...schedule,
        id: 'storefront-primary',
        name: 'Storefront primary',
      };
      const permissions = createPermissionApi(
        request => request.resourceRef === 'payments-primary',
      );
      const storefront: PermissionQuestion[] = [
        {
          permission: pulseOverrideCreatePermission,
          resourceRef: 'storefront-primary',
        },
        {
          permission: pulseOverrideDeletePermission,
          resourceRef: 'storefront-primary',
        },
      ];

      await renderPage(
        fakeApi({
          listSchedules: jest.fn(async () => ({
            items: [schedule, secondary],
          })),
          listScheduleOverrides: jest.fn(async (scheduleId: string) => ({
            items: [{ ...override, scheduleId }],
          })),
        }),
        { permissions, probes: storefront },
      );

      const payments = await screen.findByRole('table', {
        name: 'Overrides of Payments primary',
      });
      const store = await screen.findByRole('table', {
        name: 'Overrides of Storefront primary',
      });
      expect(
        await within(payments).findByRole('button', deleteButton),
      ).toBeInTheDocument();
      await findPermissionAnswer(storefront[0]);
      await findPermissionAnswer(storefront[1]);
      expect(within(store).queryByRole('button')).toBeNull();
      expect(
        screen.getAllByRole('button', { name: 'Create override' }),
      ).toHaveLength(1);
      for (const question of storefront) {
        expect(permissions.authorize).toHaveBeenCalledWith(question);
      }
      expect(permissions.authorize).toHaveBeenCalledWith(mayCreate);
      expect(permissions.authorize).toHaveBeenCalledWith(mayDelete);
    });
  });

  it('says when no schedule is configured', async () => {
    await renderPage(
      fakeApi({ listSchedules: jest.fn(async () => ({ items: [] })) }),
    );

    expect(await screen.findByText('No on-call schedules')).toBeInTheDocument();
  });

  it('shows a failure to list schedules in an error panel', async () => {
    const error = await responseError(500, 'Error', 'database is unavailable');

    await renderPage(
      fakeApi({ listSchedules: jest.fn(() => Promise.reject(error)) }),
    );

    expect(
      await screen.findByText(/Request failed with 500/),
    ).toBeInTheDocument();
  });

  describe('in the URL', () => {
    const secondary: ScheduleSummary = {
      ...schedule,
      id: 'search-primary',
      name: 'Search primary',
    };
    const twoSchedules = () =>
      fakeApi({
        listSchedules: jest.fn(async () => ({ items: [schedule, secondary] })),
      });
    const location = () => screen.getByTestId('location').textContent;
    const cardTitles = () =>
      screen
        .queryAllByText(/primary$/, {
          selector: '[class*="MuiCardHeader-title"]',
        })
        .map(title => title.textContent);

    it('opens one schedule from a given day, as a shared link says', async () => {
      const api = twoSchedules();
      await renderPage(api, {
        url: '/?schedule=payments-primary&from=2026-12-16',
      });

      expect(
        await screen.findByText('Two weeks from Dec 16, 2026'),
      ).toBeInTheDocument();
      expect(cardTitles()).toEqual(['Payments primary']);
      expect(api.getScheduleShifts).toHaveBeenCalledWith('payments-primary', {
        from: '2026-12-16T00:00:00.000Z',
        to: '2026-12-30T00:00:00.000Z',
      });
      expect(api.getScheduleShifts).toHaveBeenCalledTimes(1);
    });

    it('moves the range two weeks at a time and back to today, keeping each step in the URL', async () => {
      const api = twoSchedules();
      await renderPage(api, { url: '/?schedule=search-primary' });
      expect(await screen.findByText('Next two weeks')).toBeInTheDocument();
      expect(api.getScheduleShifts).toHaveBeenLastCalledWith('search-primary', {
        from: '2026-12-02T00:00:00.000Z',
        to: '2026-12-16T00:00:00.000Z',
      });

      fireEvent.click(screen.getByRole('button', { name: 'Two weeks later' }));
      expect(
        await screen.findByText('Two weeks from Dec 16, 2026'),
      ).toBeInTheDocument();
      expect(location()).toBe('?schedule=search-primary&from=2026-12-16');
      await waitFor(() =>
        expect(api.getScheduleShifts).toHaveBeenLastCalledWith(
          'search-primary',
          { from: '2026-12-16T00:00:00.000Z', to: '2026-12-30T00:00:00.000Z' },
        ),
      );

      fireEvent.click(
        screen.getByRole('button', { name: 'Two weeks earlier' }),
      );
      fireEvent.click(
        await screen.findByRole('button', { name: 'Two weeks earlier' }),
      );
      expect(
        await screen.findByText('Two weeks from Nov 18, 2026'),
      ).toBeInTheDocument();
      expect(location()).toBe('?schedule=search-primary&from=2026-11-18');

      fireEvent.click(screen.getByRole('button', { name: 'From today' }));
      expect(await screen.findByText('Next two weeks')).toBeInTheDocument();
      expect(location()).toBe('?schedule=search-primary');
    });

    it('switches between one schedule and all of them', async () => {
      await renderPage(twoSchedules(), { url: '/?schedule=search-primary' });
      expect(await screen.findByText('Next two weeks')).toBeInTheDocument();
      expect(cardTitles()).toEqual(['Search primary']);

      fireEvent.mouseDown(screen.getByLabelText('Schedule'));
      fireEvent.click(
        within(await screen.findByRole('listbox')).getByText('All schedules'),
      );
      await waitFor(() =>
        expect(cardTitles()).toEqual(['Payments primary', 'Search primary']),
      );
      expect(location()).toBe('');
    });

    it('says so for a schedule that is not configured, and reads a malformed day as today', async () => {
      const api = twoSchedules();
      await renderPage(api, {
        url: '/?schedule=billing-primary&from=2026-13-40',
      });
      expect(
        await screen.findByText("No schedule 'billing-primary'"),
      ).toBeInTheDocument();
      expect(api.getScheduleShifts).not.toHaveBeenCalled();

      fireEvent.mouseDown(screen.getByLabelText('Schedule'));
      fireEvent.click(
        within(await screen.findByRole('listbox')).getByText(
          'Payments primary',
        ),
      );
      expect(await screen.findByText('Next two weeks')).toBeInTheDocument();
      expect(api.getScheduleShifts).toHaveBeenCalledWith('payments-primary', {
        from: '2026-12-02T00:00:00.000Z',
        to: '2026-12-16T00:00:00.000Z',
      });
    });
  });
});
