import type { KeysetPosition } from '../service/cursor';
import { ListedItem, listIdOf, pageOfItems } from './itemPages';

function pull(key: string, at: number, listId?: string): ListedItem {
  return {
    metric: 'pull-request',
    key,
    occurredAt: new Date(at),
    day: '2026-11-30',
    value: null,
    detail: {} as never,
    ...(listId ? { listId } : {}),
  };
}

function allPages(items: ListedItem[], limit: number): string[] {
  const seen: string[] = [];
  let after: KeysetPosition<string> | undefined;
  for (let pages = 0; pages <= items.length; pages++) {
    const { page, next } = pageOfItems(items, after, limit);
    seen.push(...page.map(listIdOf));
    if (!next) {
      return seen;
    }
    after = next;
  }
  throw new Error('paging did not end');
}

describe('drill-down pages', () => {
  const T = Date.UTC(2026, 10, 30, 12);

  it('list two repositories’ items of the same key and instant once each, a page apart', () => {
    const items = [
      pull('12', T, 'r2:12'),
      pull('12', T, 'r1:12'),
      pull('11', T - 1000, 'r1:11'),
    ];
    const first = pageOfItems(items, undefined, 1);
    expect(first.page.map(listIdOf)).toEqual(['r1:12']);
    expect(first.next).toEqual({ at: T, id: 'r1:12' });
    const second = pageOfItems(items, first.next!, 1);
    expect(second.page.map(listIdOf)).toEqual(['r2:12']);
    expect(allPages(items, 1)).toEqual(['r1:12', 'r2:12', 'r1:11']);
  });

  it('go through any list newest first, each item once, whatever the page size', () => {
    let state = 7;
    const random = () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
    // Few instants and keys, so that ties are common.
    const items = Array.from({ length: 300 }, (_, i) =>
      pull(
        String(Math.floor(random() * 20)),
        T - Math.floor(random() * 10) * 60_000,
        `r${i}:x`,
      ),
    );
    const expected = [...items]
      .sort(
        (a, b) =>
          b.occurredAt.getTime() - a.occurredAt.getTime() ||
          (listIdOf(a) < listIdOf(b) ? -1 : 1),
      )
      .map(listIdOf);
    for (const limit of [1, 3, 7, 25, 300, 500]) {
      expect(allPages(items, limit)).toEqual(expected);
    }
    // An entity's own items have no listId: their key is their id.
    expect(
      allPages([pull('2', T), pull('10', T), pull('1', T - 1)], 1),
    ).toEqual(['10', '2', '1']);
  });
});
