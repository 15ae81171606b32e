import { linkHeader, paginate } from './pagination';

describe('paginate', () => {
  it('slices pages and counts the last page', () => {
    const items = Array.from({ length: 23 }, (_, index) => index);
    expect(paginate(items, 1, 10)).toEqual({
      items: items.slice(0, 10),
      page: 1,
      lastPage: 3,
      total: 23,
    });
    expect(paginate(items, 3, 10).items).toEqual([20, 21, 22]);
    expect(paginate(items, 4, 10).items).toEqual([]);
    expect(paginate([], 1, 30)).toEqual({
      items: [],
      page: 1,
      lastPage: 1,
      total: 0,
    });
  });
});

describe('linkHeader', () => {
  const url = 'https://sim/repositories/1/pulls';

  it('links next and last from the first page, appending page', () => {
    expect(linkHeader(url, 'state=all&per_page=10', 1, 3)).toBe(
      '<https://sim/repositories/1/pulls?state=all&per_page=10&page=2>; rel="next", ' +
        '<https://sim/repositories/1/pulls?state=all&per_page=10&page=3>; rel="last"',
    );
  });

  it('links prev, next, last and first from a middle page, replacing page in place', () => {
    expect(linkHeader(url, 'page=2&per_page=10', 2, 3)).toBe(
      '<https://sim/repositories/1/pulls?page=1&per_page=10>; rel="prev", ' +
        '<https://sim/repositories/1/pulls?page=3&per_page=10>; rel="next", ' +
        '<https://sim/repositories/1/pulls?page=3&per_page=10>; rel="last", ' +
        '<https://sim/repositories/1/pulls?page=1&per_page=10>; rel="first"',
    );
  });

  it('links prev and first from the last page and nothing for a single page', () => {
    expect(linkHeader(url, 'page=3', 3, 3)).toBe(
      '<https://sim/repositories/1/pulls?page=2>; rel="prev", <https://sim/repositories/1/pulls?page=1>; rel="first"',
    );
    expect(linkHeader(url, '', 1, 1)).toBeUndefined();
  });
});
