import { pullRequestSize } from './pullRequestSize';

describe('pullRequestSize', () => {
  it.each([
    [0, 0, 'XS'],
    [5, 4, 'XS'],
    [5, 5, 'S'],
    [49, 0, 'S'],
    [30, 20, 'M'],
    [200, 49, 'M'],
    [200, 50, 'L'],
    [0, 999, 'L'],
    [1000, 0, 'XL'],
    [25_000, 12_000, 'XL'],
  ])('%i additions and %i deletions are %s', (additions, deletions, size) => {
    expect(pullRequestSize({ additions, deletions })).toBe(size);
  });

  it('counts deletions like additions', () => {
    expect(pullRequestSize({ additions: 0, deletions: 300 })).toBe(
      pullRequestSize({ additions: 300, deletions: 0 }),
    );
  });

  it('treats impossible negative counts as zero', () => {
    expect(pullRequestSize({ additions: -50, deletions: 3 })).toBe('XS');
  });
});
