export interface Page<T> {
  items: T[];
  page: number;
  lastPage: number;
  total: number;
}

export function paginate<T>(
  items: readonly T[],
  page: number,
  perPage: number,
): Page<T> {
  const start = (page - 1) * perPage;
  return {
    items: items.slice(start, start + perPage),
    page,
    lastPage: Math.max(1, Math.ceil(items.length / perPage)),
    total: items.length,
  };
}

/** Replaces (or appends) `page=` in a raw query string, keeping the order. */
function withPage(rawQuery: string, page: number): string {
  const parts = rawQuery ? rawQuery.split('&') : [];
  let replaced = false;
  const updated = parts.map(part => {
    if (part.split('=')[0] === 'page') {
      replaced = true;
      return `page=${page}`;
    }
    return part;
  });
  if (!replaced) {
    updated.push(`page=${page}`);
  }
  return updated.join('&');
}

/**
 * GitHub's `Link` header: `prev`, `next`, `last`, `first` in that order,
 * each present only when it points somewhere other than the current page
 * (`prev`/`first` from page 2 on, `next`/`last` before the last page).
 */
export function linkHeader(
  url: string,
  rawQuery: string,
  page: number,
  lastPage: number,
): string | undefined {
  const link = (target: number, rel: string) =>
    `<${url}?${withPage(rawQuery, target)}>; rel="${rel}"`;
  const links: string[] = [];
  if (page > 1) {
    links.push(link(Math.min(page - 1, lastPage), 'prev'));
  }
  if (page < lastPage) {
    links.push(link(page + 1, 'next'), link(lastPage, 'last'));
  }
  if (page > 1) {
    links.push(link(1, 'first'));
  }
  return links.length ? links.join(', ') : undefined;
}
