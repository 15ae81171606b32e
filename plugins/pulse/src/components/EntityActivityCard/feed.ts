import { ActivityItem, ActivityPage } from '@pulse-oss/plugin-pulse-common';
import { ActivitySentence, describeActivity, previousItems } from './sentences';

/**
 * An activity feed as the card holds it (pure): the items loaded, newest first, the cursor for
 * older ones, and the rows shown, with bursts told as one.
 */

/** The items a card has loaded, newest first, and where older ones start. */
export interface FeedState {
  items: ActivityItem[];
  /** The cursor for the items older than the oldest loaded; null when there are none. */
  before: string | null;
}

/**
 * The feed after a live refetch of its newest page. The page joins the items loaded before when it
 * reaches them; when it does not (more changes than a page arrived meanwhile), the older items are
 * no longer next to it and the feed starts again from the page.
 */
export function withNewestPage(
  state: FeedState | undefined,
  page: ActivityPage,
): FeedState {
  if (!state || state.items.length === 0) {
    return { items: page.items, before: page.nextCursor };
  }
  const ids = new Set(page.items.map(item => item.id));
  const reaches = state.items.some(item => ids.has(item.id));
  if (!reaches && page.nextCursor !== null) {
    return { items: page.items, before: page.nextCursor };
  }
  return {
    items: [...page.items, ...state.items.filter(item => !ids.has(item.id))],
    before: state.before,
  };
}

/** The feed after loading the page older than it. */
export function withOlderPage(state: FeedState, page: ActivityPage): FeedState {
  const ids = new Set(state.items.map(item => item.id));
  return {
    items: [...state.items, ...page.items.filter(item => !ids.has(item.id))],
    before: page.nextCursor,
  };
}

/** One row of the feed: an item, or a burst of similar items told as one. */
export type FeedRow =
  | { kind: 'item'; item: ActivityItem; sentence: ActivitySentence }
  | {
      kind: 'burst';
      items: Array<{ item: ActivityItem; sentence: ActivitySentence }>;
      burst: NonNullable<ActivitySentence['burst']>;
    };

/** At least this many similar items in a row make a burst. */
export const BURST_MIN_ITEMS = 3;
/** Items of a burst follow each other within this time. */
export const BURST_MAX_GAP_MS = 10 * 60_000;

/**
 * The rows of a newest-first feed: each item as its sentence, and runs of at least
 * {@link BURST_MIN_ITEMS} items with the same burst key, each within {@link BURST_MAX_GAP_MS} of
 * the next, as one burst ("12 workflow runs succeeded").
 */
export function feedRows(items: ActivityItem[]): FeedRow[] {
  const previous = previousItems(items);
  const described = items.map(item => ({
    item,
    sentence: describeActivity(item, previous.get(item.id)),
  }));

  const rows: FeedRow[] = [];
  let run: typeof described = [];
  const flush = () => {
    if (run.length >= BURST_MIN_ITEMS) {
      rows.push({ kind: 'burst', items: run, burst: run[0].sentence.burst! });
    } else {
      rows.push(...run.map(entry => ({ kind: 'item' as const, ...entry })));
    }
    run = [];
  };
  for (const entry of described) {
    const last = run[run.length - 1];
    const joins =
      last !== undefined &&
      entry.sentence.burst !== undefined &&
      last.sentence.burst?.key === entry.sentence.burst.key &&
      Math.abs(
        Date.parse(last.item.occurredAt) - Date.parse(entry.item.occurredAt),
      ) <= BURST_MAX_GAP_MS;
    if (!joins) {
      flush();
    }
    run.push(entry);
  }
  flush();
  return rows;
}
