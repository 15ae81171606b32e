/**
 * The drill-down's order and paging (pure): newest first, then by id, keyset-paged from the
 * last item of the previous page. An item's id is its key, or for a team's pooled items its
 * `listId`, which also names the repository, so that two items of the same key and instant
 * never tie.
 */
import type { KeysetPosition } from '../service/cursor';
import { MetricItem } from './metricItems';

export type ListedItem = MetricItem & { listId?: string };

export const listIdOf = (item: ListedItem) => item.listId ?? item.key;

function compareIds(a: string, b: string) {
  if (a === b) {
    return 0;
  }
  return a < b ? -1 : 1;
}

export function newestFirst(a: ListedItem, b: ListedItem): number {
  return (
    b.occurredAt.getTime() - a.occurredAt.getTime() ||
    compareIds(listIdOf(a), listIdOf(b))
  );
}

/** Whether `item` comes after `position` (a cursor's last item) in the list order. */
function isAfter(item: ListedItem, position: KeysetPosition<string>) {
  const at = item.occurredAt.getTime();
  return (
    at < position.at ||
    (at === position.at && compareIds(listIdOf(item), position.id) > 0)
  );
}

/** The page after `after` (from the start without it) of `items`, and the next page's position. */
export function pageOfItems<T extends ListedItem>(
  items: readonly T[],
  after: KeysetPosition<string> | undefined,
  limit: number,
): { page: T[]; next: KeysetPosition<string> | null } {
  const rest = [...items]
    .filter(item => !after || isAfter(item, after))
    .sort(newestFirst);
  const page = rest.slice(0, limit);
  const last = page[page.length - 1];
  return {
    page,
    next:
      rest.length > limit && last
        ? { at: last.occurredAt.getTime(), id: listIdOf(last) }
        : null,
  };
}
