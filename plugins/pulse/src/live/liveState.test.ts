import { describeLiveState } from './liveState';

describe('describeLiveState', () => {
  it.each([
    [
      'live' as const,
      30_000,
      'Live',
      'Live updates on: changes show as they happen.',
    ],
    [
      'reconnecting' as const,
      30_000,
      'Reconnecting',
      'Live updates interrupted, reconnecting: changes may show late.',
    ],
    [
      'polling' as const,
      30_000,
      'Polling every 30 s',
      'Live updates unavailable: refreshing every 30 seconds.',
    ],
    [
      'polling' as const,
      5_000,
      'Polling every 5 s',
      'Live updates unavailable: refreshing every 5 seconds.',
    ],
  ])('%s (poll %d ms): "%s"', (state, pollIntervalMs, label, description) => {
    expect(describeLiveState({ state, pollIntervalMs })).toEqual({
      label,
      description,
    });
  });
});
