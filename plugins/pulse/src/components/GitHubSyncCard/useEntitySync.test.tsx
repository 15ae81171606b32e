import { TestApiProvider } from '@backstage/test-utils';
import { SyncStatus } from '@pulse-oss/plugin-pulse-common';
import { act, renderHook } from '@testing-library/react';
import { ReactNode } from 'react';
import { PulseApi, pulseApiRef } from '../../api';
import { POLL_INTERVAL_MS } from '../../live';
import { useEntitySync } from './useEntitySync';
import { syncStatusFixture } from '../../__testUtils__/fixtures';

const ref = { kind: 'component', namespace: 'default', name: 'payments-api' };

const idle = syncStatusFixture({
  itemsSynced: 10,
  lastSyncedAt: '2025-03-10T12:00:00.000Z',
});

function fakeApi(overrides: Partial<PulseApi> = {}) {
  return {
    getSyncStatus: jest.fn(async () => idle),
    requestSync: jest.fn(async () => ({
      ...idle,
      requestedAt: '2025-03-10T12:01:00.000Z',
    })),
    ...overrides,
  };
}

function renderSync(
  pulseApi: Partial<PulseApi>,
  initial: { status?: SyncStatus; reload?: () => void } = {},
) {
  const wrapper = ({ children }: { children: ReactNode }) => (
    <TestApiProvider apis={[[pulseApiRef, pulseApi]]}>
      {children}
    </TestApiProvider>
  );
  const reload = initial.reload ?? jest.fn();
  return renderHook(
    (props: { status?: SyncStatus }) =>
      useEntitySync(ref, props.status, reload),
    { wrapper, initialProps: { status: initial.status } },
  );
}

describe('useEntitySync', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('reports the status the card passes in and makes no request of its own', async () => {
    const pulseApi = fakeApi();
    const { result, rerender } = renderSync(pulseApi);
    expect(result.current.status).toBeUndefined();

    rerender({ status: idle });
    expect(result.current.status).toEqual(idle);

    const backfilling = { ...idle, state: 'backfilling' as const };
    rerender({ status: backfilling });
    expect(result.current.status).toBe(backfilling);

    await act(async () => {
      jest.advanceTimersByTime(2 * POLL_INTERVAL_MS);
    });
    expect(pulseApi.getSyncStatus).not.toHaveBeenCalled();
    expect(pulseApi.requestSync).not.toHaveBeenCalled();
    expect(result.current.requesting).toBe(false);
    expect(result.current.message).toBeUndefined();
  });

  it('requests a sync, then asks the card to reload', async () => {
    let answer: (status: SyncStatus) => void = () => {};
    const requestSync = jest.fn(
      () =>
        new Promise<SyncStatus>(resolve => {
          answer = resolve;
        }),
    );
    const pulseApi = fakeApi({ requestSync });
    const reload = jest.fn();
    const { result } = renderSync(pulseApi, { status: idle, reload });

    let requested: Promise<void> = Promise.resolve();
    act(() => {
      requested = result.current.requestSync();
    });
    expect(requestSync).toHaveBeenCalledWith(ref);
    expect(result.current.requesting).toBe(true);
    expect(reload).not.toHaveBeenCalled();

    await act(async () => {
      answer({ ...idle, requestedAt: '2025-03-10T12:01:00.000Z' });
      await requested;
    });

    expect(reload).toHaveBeenCalledTimes(1);
    expect(result.current.requesting).toBe(false);
    expect(result.current.message).toBeUndefined();
    expect(pulseApi.getSyncStatus).not.toHaveBeenCalled();
  });

  it('keeps the reason a sync request failed until dismissed, and does not reload', async () => {
    const requestSync = jest.fn(async () => {
      throw new Error('network down');
    });
    const reload = jest.fn();
    const { result } = renderSync(fakeApi({ requestSync }), {
      status: idle,
      reload,
    });

    await act(() => result.current.requestSync());

    expect(result.current.message).toEqual({
      severity: 'error',
      message: 'Could not request a sync: network down',
    });
    expect(result.current.requesting).toBe(false);
    expect(reload).not.toHaveBeenCalled();

    act(() => result.current.dismissMessage());
    expect(result.current.message).toBeUndefined();
  });

  it('clears the last failure when a sync is requested again', async () => {
    const requestSync = jest
      .fn()
      .mockRejectedValueOnce(new Error('network down'))
      .mockResolvedValue(idle);
    const reload = jest.fn();
    const { result } = renderSync(fakeApi({ requestSync }), {
      status: idle,
      reload,
    });

    await act(() => result.current.requestSync());
    expect(result.current.message).toBeDefined();

    await act(() => result.current.requestSync());
    expect(result.current.message).toBeUndefined();
    expect(reload).toHaveBeenCalledTimes(1);
  });
});
