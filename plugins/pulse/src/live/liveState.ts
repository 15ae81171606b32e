import { LiveInfo } from './useLiveData';

/** How a view's live state is put in words: a short label, and the sentence a screen reader reads. */
export interface LiveStateText {
  label: string;
  description: string;
}

function seconds(ms: number): number {
  return Math.max(1, Math.round(ms / 1000));
}

/** The words for a view's live state (pure). */
export function describeLiveState(live: LiveInfo): LiveStateText {
  switch (live.state) {
    case 'live':
      return {
        label: 'Live',
        description: 'Live updates on: changes show as they happen.',
      };
    case 'reconnecting':
      return {
        label: 'Reconnecting',
        description:
          'Live updates interrupted, reconnecting: changes may show late.',
      };
    default: {
      const every = seconds(live.pollIntervalMs);
      return {
        label: `Polling every ${every} s`,
        description: `Live updates unavailable: refreshing every ${every} seconds.`,
      };
    }
  }
}
