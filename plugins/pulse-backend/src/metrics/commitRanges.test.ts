import { ancestry, commitGraph, deploymentRange } from './commitRanges';

// c1 ← c2 ← c3 ← c4 ← c5 ← m6 ← c7, where m6 merges the feature commit f1 (branched at c3).
const graph = commitGraph([
  { sha: 'c1', parents: [] },
  { sha: 'c2', parents: ['c1'] },
  { sha: 'c3', parents: ['c2'] },
  { sha: 'c4', parents: ['c3'] },
  { sha: 'c5', parents: ['c4'] },
  { sha: 'f1', parents: ['c3'] },
  { sha: 'm6', parents: ['c5', 'f1'] },
  { sha: 'c7', parents: ['m6'] },
]);

const sorted = (commits: Set<string>) => [...commits].sort();

describe('deploymentRange', () => {
  it('ships the commits after the previous deployment, up to and including this one', () => {
    expect(deploymentRange(graph, 'c5', 'c2')).toEqual({
      kind: 'range',
      commits: new Set(['c3', 'c4', 'c5']),
    });
  });

  it('follows both parents of a merge commit', () => {
    const range = deploymentRange(graph, 'm6', 'c5');
    expect(range.kind).toBe('range');
    expect(sorted((range as { commits: Set<string> }).commits)).toEqual([
      'f1',
      'm6',
    ]);
  });

  it('excludes a merged branch commit the previous deployment already shipped', () => {
    const range = deploymentRange(graph, 'c7', 'm6');
    expect(range).toEqual({ kind: 'range', commits: new Set(['c7']) });
  });

  it('calls an environment first deployment a baseline of all earlier history', () => {
    const range = deploymentRange(graph, 'c3', null);
    expect(range.kind).toBe('baseline');
    expect(sorted((range as { commits: Set<string> }).commits)).toEqual([
      'c1',
      'c2',
      'c3',
    ]);
  });

  it('treats a previous SHA off the known history as no previous deployment', () => {
    expect(deploymentRange(graph, 'c2', 'not-synced').kind).toBe('baseline');
  });

  it('says so when the deployed SHA is not on the default branch', () => {
    expect(deploymentRange(graph, 'feature-only', 'c2')).toEqual({
      kind: 'unknown-sha',
    });
  });

  it('is empty when the same SHA is deployed again', () => {
    expect(deploymentRange(graph, 'c5', 'c5')).toEqual({
      kind: 'range',
      commits: new Set(),
    });
  });

  it('walks a long history without recursion', () => {
    const commits = Array.from({ length: 50_000 }, (_, i) => ({
      sha: `s${i}`,
      parents: i === 0 ? [] : [`s${i - 1}`],
    }));
    expect(ancestry(commitGraph(commits), 's49999').size).toBe(50_000);
  });
});
