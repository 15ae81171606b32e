/** A pull request's size class, from the lines it adds and deletes. */
export type PullRequestSize = 'XS' | 'S' | 'M' | 'L' | 'XL';

// Upper bounds (inclusive) of changed lines per size; anything larger is XL.
const SIZE_LIMITS: Array<[PullRequestSize, number]> = [
  ['XS', 9],
  ['S', 49],
  ['M', 249],
  ['L', 999],
];

/** XS up to 9 changed lines, S up to 49, M up to 249, L up to 999, XL beyond. */
export function pullRequestSize(pr: {
  additions: number;
  deletions: number;
}): PullRequestSize {
  const changed = Math.max(0, pr.additions) + Math.max(0, pr.deletions);
  for (const [size, limit] of SIZE_LIMITS) {
    if (changed <= limit) {
      return size;
    }
  }
  return 'XL';
}
