import { SyncStatus } from '@pulse-oss/plugin-pulse-common';

/**
 * When a live view acts on its own (pure): polling without signals, retries after failures, the
 * check after the signals connection comes back, and the refetch at a known handoff instant.
 */

/** How often a view reloads without signals (an app without the signals plugin). */
export const POLL_INTERVAL_MS = 30_000;
/** How often a view reloads without signals while a sync runs or is queued, to show its progress. */
export const ACTIVE_SYNC_POLL_INTERVAL_MS = 5_000;
/** How often a live view checks the versions of its data by default, in case a hint was lost. */
export const DEFAULT_CHECK_INTERVAL_MS = 5 * 60_000;
/**
 * The signals client tries to reconnect this long after its connection drops; hints sent before it
 * has subscribed again are lost, so a view checks its versions again once this has passed.
 */
export const SIGNALS_RECONNECT_MS = 5_000;
/** After coming back, the second versions check waits for the signals client's reconnect and a margin. */
export const RECONNECT_CHECK_DELAY_MS = SIGNALS_RECONNECT_MS + 1_000;

/** Whether a sync of the repository runs or is queued: its progress is worth showing often. */
export function isSyncActive(status: SyncStatus | undefined): boolean {
  if (!status) {
    return false;
  }
  return (
    status.state === 'pending' ||
    status.state === 'backfilling' ||
    status.state === 'syncing' ||
    status.requestedAt !== null
  );
}

/** How often a view of GitHub data polls without signals: more often while a sync runs or is queued. */
export function pollIntervalFor(status: SyncStatus | undefined): number {
  return isSyncActive(status) ? ACTIVE_SYNC_POLL_INTERVAL_MS : POLL_INTERVAL_MS;
}

/**
 * How long to wait before retry number `attempt` (0 for the first) after a transient failure:
 * doubling from `baseMs` up to `maxMs`, each wait drawn between half and all of that (`random` in
 * [0, 1)), so that many open portals do not all retry at the same instant after a backend restart.
 */
export function backoffDelayMs(
  attempt: number,
  options: { baseMs?: number; maxMs?: number; random?: () => number } = {},
): number {
  const { baseMs = 1_000, maxMs = 60_000, random = Math.random } = options;
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** The longest a browser timer waits (about 24.8 days); later instants are not worth a timer. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** A refetch at a handoff instant waits this much past it, so the backend's clock has passed it too. */
const HANDOFF_MARGIN_MS = 1_000;

/**
 * How long until a view should refetch for an instant its data says it changes at (the end of the
 * current on-call shift), or undefined: no instant, one too far away, or one already passed that
 * the view has refetched for once (the backend's answer still names it; its hint will follow).
 */
export function refetchDelayMs(
  at: string | null | undefined,
  nowMs: number,
  alreadyRefetchedFor?: string,
): number | undefined {
  if (!at) {
    return undefined;
  }
  const instant = Date.parse(at);
  if (Number.isNaN(instant)) {
    return undefined;
  }
  const delay = instant - nowMs + HANDOFF_MARGIN_MS;
  if (delay <= 0 && alreadyRefetchedFor === at) {
    return undefined;
  }
  if (delay > MAX_TIMER_MS) {
    return undefined;
  }
  return Math.max(0, delay);
}

/** The earliest of some instants (ISO 8601), or undefined when there is none. */
export function earliest(
  instants: Array<string | null | undefined>,
): string | undefined {
  let best: { iso: string; ms: number } | undefined;
  for (const iso of instants) {
    if (!iso) continue;
    const ms = Date.parse(iso);
    if (Number.isNaN(ms)) continue;
    if (!best || ms < best.ms) {
      best = { iso, ms };
    }
  }
  return best?.iso;
}
