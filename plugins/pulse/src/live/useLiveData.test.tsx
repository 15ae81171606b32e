import { configApiRef } from '@backstage/core-plugin-api';
import { signalApiRef } from '@backstage/plugin-signals-react';
import { mockApis, TestApiProvider } from '@backstage/test-utils';
import { act, renderHook, waitFor } from '@testing-library/react';
import { ReactNode } from 'react';
import { createSignalApi, deferred } from '../__testUtils__/signals';
import { PulseApi, pulseApiRef } from '../api';
import { RECONNECT_CHECK_DELAY_MS } from './timing';
import {
  entitySubject,
  entityVersionKey,
  incidentsSubject,
  INCIDENTS_CHANNEL,
  LiveSubject,
  scheduleSubject,
  scheduleVersionKey,
} from './topics';
import { LiveDataOptions, useLiveData } from './useLiveData';

const ENTITY = 'component:default/payments-api';
const CHANNEL = `pulse:entity:${ENTITY}`;
const prs = entitySubject(ENTITY, ['pull-requests', 'sync']);

interface Data {
  name: string;
  version: number;
}

function setup(
  options: {
    signals?: boolean;
    config?: Record<string, unknown>;
    pulseApi?: Partial<PulseApi>;
  } = {},
) {
  const signals = createSignalApi();
  const pulseApi = {
    getEntityVersions: jest.fn(async () => ({
      entityRef: ENTITY,
      versions: {} as Record<string, number>,
    })),
    getScheduleVersions: jest.fn(async () => ({
      scheduleId: 'payments-primary',
      versions: {} as Record<string, number>,
    })),
    ...options.pulseApi,
  };
  const apis: Array<[any, any]> = [[pulseApiRef, pulseApi]];
  if (options.signals !== false) apis.push([signalApiRef, signals.api]);
  if (options.config)
    apis.push([configApiRef, mockApis.config({ data: options.config as any })]);
  const wrapper = ({ children }: { children: ReactNode }) => (
    <TestApiProvider apis={apis as any}>{children}</TestApiProvider>
  );
  return { signals, pulseApi, wrapper };
}

function render<T>(
  wrapper: (props: { children: ReactNode }) => JSX.Element,
  options: LiveDataOptions<T>,
) {
  return renderHook((props: LiveDataOptions<T>) => useLiveData(props), {
    wrapper,
    initialProps: options,
  });
}

/** A load whose answers the test gives one by one. */
function answers() {
  const pending: Array<ReturnType<typeof deferred<Data>>> = [];
  const load = jest.fn(() => {
    const answer = deferred<Data>();
    pending.push(answer);
    return answer.promise;
  });
  const answer = async (data: Data) => {
    await act(async () => pending.shift()!.resolve(data));
  };
  const fail = async (error: Error) => {
    await act(async () => pending.shift()!.reject(error));
  };
  return { load, answer, fail, pending };
}

const prVersion = (data: Data) => ({
  [entityVersionKey(ENTITY, 'pull-requests')]: data.version,
});

const hint = (version: number, topic = 'pull-requests') => ({
  entityRef: ENTITY,
  topic,
  version,
});

async function serverError() {
  const { ResponseError } = await import('@backstage/errors');
  return ResponseError.fromResponse(
    new Response(
      JSON.stringify({ error: { name: 'Error', message: 'down' } }),
      {
        status: 503,
        headers: { 'Content-Type': 'application/json' },
      },
    ),
  );
}

afterEach(() => {
  jest.useRealTimers();
});

describe('useLiveData with signals', () => {
  it("loads, follows the subjects' channels and says it is live", async () => {
    const { wrapper, signals } = setup();
    const { load, answer } = answers();
    const { result } = render(wrapper, {
      key: 'a',
      load,
      subjects: [prs, scheduleSubject('payments-primary', ['oncall'])],
      versionsOf: prVersion,
    });

    expect(result.current.loading).toBe(true);
    await answer({ name: 'first', version: 3 });

    expect(result.current).toMatchObject({
      value: { name: 'first' },
      loading: false,
      live: { state: 'live' },
    });
    expect(signals.channels()).toEqual([
      CHANNEL,
      'pulse:schedule:payments-primary',
    ]);
  });

  it('refetches on a hint with a newer version, keeping the data on screen meanwhile', async () => {
    const { wrapper, signals } = setup();
    const { load, answer } = answers();
    const { result } = render(wrapper, {
      key: 'a',
      load,
      subjects: [prs],
      versionsOf: prVersion,
    });
    await answer({ name: 'first', version: 3 });

    await signals.send(CHANNEL, hint(4));

    expect(load).toHaveBeenCalledTimes(2);
    expect(result.current).toMatchObject({
      value: { name: 'first' },
      loading: true,
    });
    await answer({ name: 'second', version: 4 });
    expect(result.current).toMatchObject({
      value: { name: 'second' },
      loading: false,
    });
  });

  it('does not refetch on a hint with an older or equal version, another topic or a bad message', async () => {
    const { wrapper, signals } = setup();
    const { load, answer } = answers();
    render(wrapper, {
      key: 'a',
      load,
      subjects: [prs],
      versionsOf: prVersion,
    });
    await answer({ name: 'first', version: 3 });

    await signals.send(CHANNEL, hint(3));
    await signals.send(CHANNEL, hint(2));
    await signals.send(CHANNEL, hint(9, 'incidents'));
    await signals.send(CHANNEL, { entityRef: ENTITY, topic: 'pull-requests' });
    await signals.send(CHANNEL, {
      entityRef: 'component:default/other',
      topic: 'pull-requests',
      version: 9,
    });

    expect(load).toHaveBeenCalledTimes(1);
  });

  it('queues exactly one more fetch for the hints that arrive while a fetch runs', async () => {
    const { wrapper, signals } = setup();
    const { load, answer } = answers();
    const { result } = render(wrapper, {
      key: 'a',
      load,
      subjects: [prs],
      versionsOf: prVersion,
    });
    await answer({ name: 'first', version: 3 });

    await signals.send(CHANNEL, hint(4));
    await signals.send(CHANNEL, hint(5));
    await signals.send(CHANNEL, hint(6));
    expect(load).toHaveBeenCalledTimes(2);

    // The running fetch read version 4: one more fetch for 5 and 6.
    await answer({ name: 'second', version: 4 });
    expect(load).toHaveBeenCalledTimes(3);
    await answer({ name: 'third', version: 6 });

    expect(load).toHaveBeenCalledTimes(3);
    expect(result.current.value).toEqual({ name: 'third', version: 6 });
  });

  it('refetches on a hint for a subject its data has no version of, once per version', async () => {
    const { wrapper, signals } = setup();
    const { load, answer } = answers();
    render(wrapper, {
      key: 'a',
      load,
      subjects: [prs, scheduleSubject('payments-primary', ['oncall'])],
      versionsOf: prVersion,
    });
    await answer({ name: 'first', version: 3 });
    const handoff = { scheduleId: 'payments-primary', topic: 'oncall' };

    await signals.send('pulse:schedule:payments-primary', {
      ...handoff,
      version: 7,
    });
    expect(load).toHaveBeenCalledTimes(2);
    await answer({ name: 'second', version: 3 });

    await signals.send('pulse:schedule:payments-primary', {
      ...handoff,
      version: 7,
    });
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('never shows the data of a previous key, and drops its late answer', async () => {
    const { wrapper } = setup();
    const { load, answer } = answers();
    const { result, rerender } = render(wrapper, {
      key: 'open',
      load,
      subjects: [prs],
    });
    await answer({ name: 'open rows', version: 1 });

    rerender({ key: 'merged', load, subjects: [prs] });
    expect(result.current.value).toBeUndefined();
    expect(result.current.loading).toBe(true);

    await answer({ name: 'merged rows', version: 1 });
    expect(result.current.value).toEqual({ name: 'merged rows', version: 1 });
  });

  it('drops the answer of a previous key that arrives after a newer one', async () => {
    const { wrapper } = setup();
    const { load, pending } = answers();
    const { result, rerender } = render(wrapper, {
      key: 'a',
      load,
      subjects: [prs],
    });
    rerender({ key: 'b', load, subjects: [prs] });

    await act(async () => pending[1].resolve({ name: 'b', version: 1 }));
    await act(async () => pending[0].resolve({ name: 'a', version: 1 }));

    expect(result.current.value).toEqual({ name: 'b', version: 1 });
  });

  it('shows a refusal of the backend as an error, and drops the data', async () => {
    const { wrapper, signals } = setup();
    const { load, answer, fail } = answers();
    const { result } = render(wrapper, {
      key: 'a',
      load,
      subjects: [prs],
      versionsOf: prVersion,
    });
    await answer({ name: 'first', version: 3 });
    const { ResponseError } = await import('@backstage/errors');
    const notFound = await ResponseError.fromResponse(
      new Response(
        JSON.stringify({ error: { name: 'NotFoundError', message: 'gone' } }),
        { status: 404, headers: { 'Content-Type': 'application/json' } },
      ),
    );

    await signals.send(CHANNEL, hint(4));
    await fail(notFound);

    expect(result.current.value).toBeUndefined();
    expect(result.current.error).toBe(notFound);
  });

  describe('versions checks', () => {
    beforeEach(() => {
      jest.useFakeTimers();
    });

    async function loadedWithChecks(config?: Record<string, unknown>) {
      const versions: Record<string, number> = {
        'pull-requests': 3,
        sync: 1,
        activity: 40,
      };
      const context = setup({
        config,
        pulseApi: {
          getEntityVersions: jest.fn(async () => ({
            entityRef: ENTITY,
            versions: { ...versions },
          })),
        },
      });
      const { load, answer } = answers();
      const hook = render(context.wrapper, {
        key: 'a',
        load,
        subjects: [prs],
        versionsOf: data => ({
          [entityVersionKey(ENTITY, 'pull-requests')]: data.version,
          [entityVersionKey(ENTITY, 'sync')]: 1,
        }),
      });
      await answer({ name: 'first', version: 3 });
      return { ...context, ...hook, load, answer, versions };
    }

    it('checks the versions on tab focus and refetches only when a topic it shows moved', async () => {
      const { load, pulseApi, versions, answer } = await loadedWithChecks();

      versions.activity = 41; // not a topic of this view
      await act(async () => {
        window.dispatchEvent(new Event('focus'));
      });
      expect(pulseApi.getEntityVersions).toHaveBeenCalledWith({
        kind: 'component',
        namespace: 'default',
        name: 'payments-api',
      });
      expect(load).toHaveBeenCalledTimes(1);

      versions['pull-requests'] = 4;
      await act(async () => {
        document.dispatchEvent(new Event('visibilitychange'));
      });
      expect(pulseApi.getEntityVersions).toHaveBeenCalledTimes(2);
      expect(load).toHaveBeenCalledTimes(2);
      await answer({ name: 'second', version: 4 });
    });

    it('checks on the safety interval, by default every 5 minutes', async () => {
      const { load, pulseApi, versions } = await loadedWithChecks();

      await act(async () => {
        jest.advanceTimersByTime(5 * 60_000 - 1);
      });
      expect(pulseApi.getEntityVersions).not.toHaveBeenCalled();
      await act(async () => {
        jest.advanceTimersByTime(1);
      });
      expect(pulseApi.getEntityVersions).toHaveBeenCalledTimes(1);
      expect(load).toHaveBeenCalledTimes(1);

      versions.sync = 2;
      await act(async () => {
        jest.advanceTimersByTime(5 * 60_000);
      });
      expect(load).toHaveBeenCalledTimes(2);
    });

    it('takes the safety interval from app-config', async () => {
      const { pulseApi } = await loadedWithChecks({
        pulse: { live: { checkIntervalSeconds: 60 } },
      });

      await act(async () => {
        jest.advanceTimersByTime(60_000);
      });
      expect(pulseApi.getEntityVersions).toHaveBeenCalledTimes(1);
    });

    it('refuses a safety interval that is not a positive number, naming the key', () => {
      const { wrapper } = setup({
        config: { pulse: { live: { checkIntervalSeconds: 0 } } },
      });
      jest.spyOn(console, 'error').mockImplementation(() => {});
      expect(() =>
        render(wrapper, { key: 'a', load: jest.fn(), subjects: [prs] }),
      ).toThrow(/pulse\.live\.checkIntervalSeconds/);
    });

    it('says it is reconnecting while offline, and checks again once the signals client has reconnected', async () => {
      const { result, pulseApi, versions, load, answer } =
        await loadedWithChecks();

      await act(async () => {
        window.dispatchEvent(new Event('offline'));
      });
      expect(result.current.live.state).toBe('reconnecting');

      await act(async () => {
        window.dispatchEvent(new Event('online'));
      });
      expect(pulseApi.getEntityVersions).toHaveBeenCalledTimes(1);
      expect(result.current.live.state).toBe('reconnecting');

      // A change whose hint was sent before the signals client subscribed again.
      versions['pull-requests'] = 5;
      await act(async () => {
        jest.advanceTimersByTime(RECONNECT_CHECK_DELAY_MS);
      });
      expect(pulseApi.getEntityVersions).toHaveBeenCalledTimes(2);
      expect(load).toHaveBeenCalledTimes(2);
      expect(result.current.live.state).toBe('live');
      await answer({ name: 'second', version: 5 });
    });

    it('keeps the data after a failed refetch, says it is reconnecting, and retries with backoff', async () => {
      const context = setup();
      const { load, answer, fail } = answers();
      const { result } = render(context.wrapper, {
        key: 'a',
        load,
        subjects: [prs],
        versionsOf: prVersion,
      });
      await answer({ name: 'first', version: 3 });

      await context.signals.send(CHANNEL, hint(4));
      await fail(await serverError());

      expect(result.current).toMatchObject({
        value: { name: 'first' },
        error: undefined,
        live: { state: 'reconnecting' },
      });
      await act(async () => {
        jest.advanceTimersByTime(1_000);
      });
      expect(load).toHaveBeenCalledTimes(3);
      await answer({ name: 'second', version: 4 });
      expect(result.current.value).toEqual({ name: 'second', version: 4 });

      // Back, and live again once a check after the reconnect delay succeeds.
      expect(result.current.live.state).toBe('reconnecting');
      await act(async () => {
        jest.advanceTimersByTime(RECONNECT_CHECK_DELAY_MS);
      });
      expect(context.pulseApi.getEntityVersions).toHaveBeenCalledTimes(1);
      expect(result.current.live.state).toBe('live');
    });

    it('refetches an incident list on focus: it has no versions to check', async () => {
      const context = setup();
      const { load, answer } = answers();
      render(context.wrapper, {
        key: 'a',
        load,
        subjects: [incidentsSubject(INCIDENTS_CHANNEL)],
      });
      await answer({ name: 'first', version: 0 });

      await act(async () => {
        window.dispatchEvent(new Event('focus'));
      });

      expect(load).toHaveBeenCalledTimes(2);
      expect(context.pulseApi.getEntityVersions).not.toHaveBeenCalled();
    });

    it("reads a schedule's versions through its route", async () => {
      const context = setup({
        pulseApi: {
          getScheduleVersions: jest.fn(async () => ({
            scheduleId: 'payments-primary',
            versions: { oncall: 9 },
          })),
        },
      });
      const { load, answer } = answers();
      const subjects: LiveSubject[] = [
        scheduleSubject('payments-primary', ['oncall']),
      ];
      render(context.wrapper, {
        key: 'a',
        load,
        subjects,
        knownVersions: {
          [scheduleVersionKey('payments-primary', 'oncall')]: 9,
        },
      });
      await answer({ name: 'first', version: 0 });

      await act(async () => {
        window.dispatchEvent(new Event('focus'));
      });

      expect(context.pulseApi.getScheduleVersions).toHaveBeenCalledWith(
        'payments-primary',
      );
      expect(load).toHaveBeenCalledTimes(1);
    });
  });
});

describe('useLiveData without signals', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });

  it('polls every 30 s while the page is visible, and says so', async () => {
    const { wrapper, pulseApi } = setup({ signals: false });
    const load = jest.fn(async () => ({ name: 'value', version: 1 }));
    const { result } = render(wrapper, { key: 'a', load, subjects: [prs] });
    await waitFor(() => expect(result.current.value).toBeDefined());
    expect(result.current.live).toEqual({
      state: 'polling',
      pollIntervalMs: 30_000,
    });

    await act(async () => {
      jest.advanceTimersByTime(30_000);
    });
    expect(load).toHaveBeenCalledTimes(2);

    const visibility = jest
      .spyOn(document, 'visibilityState', 'get')
      .mockReturnValue('hidden');
    await act(async () => {
      jest.advanceTimersByTime(60_000);
    });
    expect(load).toHaveBeenCalledTimes(2);
    visibility.mockRestore();

    await act(async () => {
      jest.advanceTimersByTime(30_000);
    });
    expect(load).toHaveBeenCalledTimes(3);
    expect(pulseApi.getEntityVersions).not.toHaveBeenCalled();
  });

  it('polls at the interval the data asks for', async () => {
    const { wrapper } = setup({ signals: false });
    const load = jest.fn(async () => ({ name: 'syncing', version: 1 }));
    const { result } = render(wrapper, {
      key: 'a',
      load,
      subjects: [prs],
      pollIntervalMs: data => (data?.name === 'syncing' ? 5_000 : 30_000),
    });
    await waitFor(() => expect(result.current.value).toBeDefined());
    expect(result.current.live.pollIntervalMs).toBe(5_000);

    await act(async () => {
      jest.advanceTimersByTime(5_000);
    });
    expect(load).toHaveBeenCalledTimes(2);
  });
});

describe('useLiveData at a known instant', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2025-01-06T12:00:00Z') });
  });

  it('refetches just after the instant the data says it changes at, once', async () => {
    const { wrapper } = setup();
    const load = jest.fn(async () => ({ name: 'amelia', version: 1 }));
    const { result } = render(wrapper, {
      key: 'a',
      load,
      subjects: [prs],
      versionsOf: data => ({
        ...prVersion(data),
        [entityVersionKey(ENTITY, 'sync')]: 0,
      }),
      refetchAt: () => '2025-01-06T12:30:00Z',
    });
    await waitFor(() => expect(result.current.value).toBeDefined());

    await act(async () => {
      jest.advanceTimersByTime(30 * 60_000);
    });
    expect(load).toHaveBeenCalledTimes(1);
    await act(async () => {
      jest.advanceTimersByTime(1_000);
    });
    expect(load).toHaveBeenCalledTimes(2);

    // The answer still names the passed instant: no refetch loop.
    await act(async () => {
      jest.advanceTimersByTime(60_000);
    });
    expect(load).toHaveBeenCalledTimes(2);
  });
});
