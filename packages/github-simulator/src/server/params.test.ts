import {
  inRange,
  parseDateRange,
  parseQuery,
  pagingQuery,
  pullsListQuery,
} from './params';
import { HttpError } from './errors';

const at = (text: string) => Date.parse(text);

describe('parseDateRange', () => {
  it.each([
    [
      '2024-01-10',
      { from: at('2024-01-10T00:00:00Z'), to: at('2024-01-11T00:00:00Z') },
    ],
    ['>=2024-01-10', { from: at('2024-01-10T00:00:00Z') }],
    ['>2024-01-10', { from: at('2024-01-11T00:00:00Z') }],
    ['<2024-01-10', { to: at('2024-01-10T00:00:00Z') }],
    ['<=2024-01-10', { to: at('2024-01-11T00:00:00Z') }],
    [
      '2024-01-01..2024-02-01',
      { from: at('2024-01-01T00:00:00Z'), to: at('2024-02-02T00:00:00Z') },
    ],
    ['2024-01-01..*', { from: at('2024-01-01T00:00:00Z'), to: undefined }],
    ['*..2024-02-01', { from: undefined, to: at('2024-02-02T00:00:00Z') }],
    ['>=2024-01-10T08:30:00Z', { from: at('2024-01-10T08:30:00Z') }],
    ['>=2024-01-10T08:30:00+02:00', { from: at('2024-01-10T06:30:00Z') }],
    ['<2024-01-10T08:30:00', { to: at('2024-01-10T08:30:00Z') }],
  ])('parses %s', (text, expected) => {
    expect(parseDateRange(text)).toEqual(expected);
  });

  it.each([
    'yesterday',
    '2024-13-45',
    '>=',
    '2024-01-01..',
    'a..b',
    '2024/01/01',
  ])('rejects %s', text => {
    expect(parseDateRange(text)).toBeUndefined();
  });

  it('treats the end of a range as exclusive', () => {
    const range = parseDateRange('2024-01-01..2024-01-01')!;
    expect(inRange(range, at('2024-01-01T23:59:59Z'))).toBe(true);
    expect(inRange(range, at('2024-01-02T00:00:00Z'))).toBe(false);
    expect(inRange(undefined, 0)).toBe(true);
  });
});

describe('query parsing', () => {
  it('caps per_page at 100 and ignores malformed paging values', () => {
    expect(
      parseQuery(pagingQuery, { per_page: '250', page: '3' }, 'X'),
    ).toEqual({ per_page: 100, page: 3 });
    expect(
      parseQuery(pagingQuery, { per_page: 'lots', page: '0' }, 'X'),
    ).toEqual({ per_page: 30, page: 1 });
    expect(parseQuery(pagingQuery, {}, 'X')).toEqual({ per_page: 30, page: 1 });
  });

  it('turns invalid values into a 422 with one error per field', () => {
    let error: unknown;
    try {
      parseQuery(
        pullsListQuery,
        { state: 'merged', sort: 'stars' },
        'PullRequest',
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(422);
    expect((error as HttpError).body.errors).toEqual([
      {
        resource: 'PullRequest',
        field: 'state',
        code: 'invalid',
        value: 'merged',
      },
      {
        resource: 'PullRequest',
        field: 'sort',
        code: 'invalid',
        value: 'stars',
      },
    ]);
  });
});
