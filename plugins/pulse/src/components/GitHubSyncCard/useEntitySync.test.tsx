import { TestApiProvider } from '@backstage/test-utils';
import { SyncStatus } from '@internal/plugin-pulse-common';
import { act, renderHook } from '@testing-library/react';
import { ReactNode } from 'react';
import { PulseApi, pulseApiRef } from '../../api';
import {
  ACTIVE_SYNC_POLL_INTERVAL_MS,
  POLL_INTERVAL_MS,
  useEntitySync,
} from './useEntitySync';

const ref = { kind: 'component', namespace: 'default', name: 'payments-api' };

const idle: SyncStatus = {
  repository: 'acme/payments-api',
  host: 'github.com',
  state: 'idle',
  progressPercent: 100,
  itemsSynced: 10,
  lastError: null,
  pausedUntil: null,
  requestedAt: null,
  lastSyncedAt: '2025-03-10T12:00:00.000Z',
};

function renderSync(pulseApi: Partial<PulseApi>, onSynced: () => void) {
  const wrapper = ({ children }: { children: ReactNode }) => (
    <TestApiProvider apis={[[pulseApiRef, pulseApi]]}>
      {children}
    </TestApiProvider>
  );
  return renderHook(() => useEntitySync(ref, onSynced), { wrapper });
}

describe('useEntitySync', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('calls onSynced when a sync completes, not on the first load', async () => {
    const getSyncStatus = jest
      .fn()
      .mockResolvedValueOnce(idle)
      .mockResolvedValueOnce(idle)
      .mockResolvedValue({ ...idle, lastSyncedAt: '2025-03-10T12:05:00.000Z' });
    const onSynced = jest.fn();

    const { result } = renderSync({ getSyncStatus }, onSynced);
    await act(async () => {});
    expect(result.current.status).toEqual(idle);

    await act(async () => jest.advanceTimersByTime(POLL_INTERVAL_MS));
    expect(getSyncStatus).toHaveBeenCalledTimes(2);
    expect(onSynced).not.toHaveBeenCalled();

    await act(async () => jest.advanceTimersByTime(POLL_INTERVAL_MS));
    expect(getSyncStatus).toHaveBeenCalledTimes(3);
    expect(onSynced).toHaveBeenCalledTimes(1);
  });

  it('polls faster while a sync is running', async () => {
    const getSyncStatus = jest.fn(async () => ({
      ...idle,
      state: 'backfilling' as const,
      progressPercent: 10,
    }));

    renderSync({ getSyncStatus }, jest.fn());
    await act(async () => {});
    expect(getSyncStatus).toHaveBeenCalledTimes(1);

    await act(async () =>
      jest.advanceTimersByTime(ACTIVE_SYNC_POLL_INTERVAL_MS),
    );
    expect(getSyncStatus).toHaveBeenCalledTimes(2);
  });

  it('requests a sync, then reloads the status and the data', async () => {
    const getSyncStatus = jest.fn(async () => idle);
    const requestSync = jest.fn(async () => ({
      ...idle,
      requestedAt: '2025-03-10T12:01:00.000Z',
    }));
    const onSynced = jest.fn();

    const { result } = renderSync({ getSyncStatus, requestSync }, onSynced);
    await act(async () => {});
    await act(() => result.current.requestSync());

    expect(requestSync).toHaveBeenCalledWith(ref);
    expect(onSynced).toHaveBeenCalledTimes(1);
    expect(getSyncStatus).toHaveBeenCalledTimes(2);
    expect(result.current.message).toBeUndefined();
    expect(result.current.requesting).toBe(false);
  });

  it('keeps the reason a sync request failed until dismissed', async () => {
    const requestSync = jest.fn(async () => {
      throw new Error('network down');
    });
    const onSynced = jest.fn();

    const { result } = renderSync(
      { getSyncStatus: jest.fn(async () => idle), requestSync },
      onSynced,
    );
    await act(async () => {});
    await act(() => result.current.requestSync());

    expect(result.current.message).toEqual({
      severity: 'error',
      message: 'Could not request a sync: network down',
    });
    expect(onSynced).not.toHaveBeenCalled();

    act(() => result.current.dismissMessage());
    expect(result.current.message).toBeUndefined();
  });
});
