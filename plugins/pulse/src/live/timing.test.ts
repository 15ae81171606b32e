import { SyncStatus } from '@pulse-oss/plugin-pulse-common';
import {
  ACTIVE_SYNC_POLL_INTERVAL_MS,
  backoffDelayMs,
  earliest,
  pollIntervalFor,
  POLL_INTERVAL_MS,
  refetchDelayMs,
} from './timing';
import { syncStatusFixture } from '../__testUtils__/fixtures';

const idle = syncStatusFixture({
  itemsSynced: 10,
  lastSyncedAt: '2025-03-10T12:00:00.000Z',
});

describe('pollIntervalFor', () => {
  it.each<[string, number, SyncStatus | undefined]>([
    ['no status yet', POLL_INTERVAL_MS, undefined],
    ['idle', POLL_INTERVAL_MS, idle],
    ['paused', POLL_INTERVAL_MS, { ...idle, state: 'paused' }],
    ['failed', POLL_INTERVAL_MS, { ...idle, state: 'error' }],
    ['pending', ACTIVE_SYNC_POLL_INTERVAL_MS, { ...idle, state: 'pending' }],
    [
      'backfilling',
      ACTIVE_SYNC_POLL_INTERVAL_MS,
      { ...idle, state: 'backfilling' },
    ],
    ['syncing', ACTIVE_SYNC_POLL_INTERVAL_MS, { ...idle, state: 'syncing' }],
    [
      'idle with a sync requested',
      ACTIVE_SYNC_POLL_INTERVAL_MS,
      { ...idle, requestedAt: '2025-03-10T12:01:00.000Z' },
    ],
  ])('%s: every %d ms', (_name, interval, status) => {
    expect(pollIntervalFor(status)).toBe(interval);
  });

  it('polls faster while a sync runs than between syncs', () => {
    expect(ACTIVE_SYNC_POLL_INTERVAL_MS).toBeLessThan(POLL_INTERVAL_MS);
  });
});

describe('backoffDelayMs', () => {
  it('doubles from a second up to a minute', () => {
    const top = () => 0.999999;
    expect(
      [0, 1, 2, 3, 4, 5, 6, 7, 20].map(attempt =>
        backoffDelayMs(attempt, { random: top }),
      ),
    ).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
  });

  it('waits between half and all of that, so that portals do not retry together', () => {
    expect(backoffDelayMs(3, { random: () => 0 })).toBe(4000);
    expect(backoffDelayMs(3, { random: () => 0.5 })).toBe(6000);
  });
});

describe('refetchDelayMs', () => {
  const now = Date.parse('2025-01-06T12:00:00Z');

  it('waits until just after the instant', () => {
    expect(refetchDelayMs('2025-01-06T12:30:00Z', now)).toBe(
      30 * 60_000 + 1000,
    );
  });

  it('refetches at once for an instant already passed, but only once', () => {
    expect(refetchDelayMs('2025-01-06T11:00:00Z', now)).toBe(0);
    expect(
      refetchDelayMs('2025-01-06T11:00:00Z', now, '2025-01-06T11:00:00Z'),
    ).toBeUndefined();
  });

  it.each([null, undefined, '', 'soon', '2026-01-06T12:00:00Z'])(
    'has nothing to wait for with %p',
    at => {
      expect(refetchDelayMs(at, now)).toBeUndefined();
    },
  );
});

describe('earliest', () => {
  it('picks the earliest instant, skipping the missing', () => {
    expect(
      earliest([null, '2025-01-06T12:00:00Z', '2025-01-06T09:00:00Z', 'x']),
    ).toBe('2025-01-06T09:00:00Z');
    expect(earliest([null, undefined])).toBeUndefined();
  });
});
