import { ActivityItem, WorkflowRun } from '@pulse-oss/plugin-pulse-common';
import { feedRows, withNewestPage, withOlderPage } from './feed';
import { burstText, sentenceText } from './sentences';

const base = Date.parse('2025-01-06T12:00:00.000Z');

function runItem(
  id: string,
  minutesAgo: number,
  conclusion: WorkflowRun['conclusion'] = 'success',
): ActivityItem {
  return {
    id,
    type: 'github.workflow_run.updated',
    entityRef: 'component:default/payments-api',
    occurredAt: new Date(base - minutesAgo * 60_000).toISOString(),
    payload: {
      id: Number(id.replace(/\D/g, '')) || 1,
      workflowId: 1,
      workflowName: 'CI',
      name: 'CI',
      branch: 'main',
      event: 'push',
      status: 'completed',
      conclusion,
      runAttempt: 1,
      headSha: 'abc',
      startedAt: null,
      completedAt: null,
      durationSeconds: null,
      htmlUrl: `https://github.com/acme/payments-api/actions/runs/${id}`,
    },
  };
}

const page = (items: ActivityItem[], nextCursor: string | null = null) => ({
  items,
  nextCursor,
  version: 1,
});

function rowTexts(items: ActivityItem[]) {
  return feedRows(items).map(row =>
    row.kind === 'burst'
      ? burstText(row.burst, row.items.length)
      : sentenceText(row.sentence),
  );
}

describe('feedRows', () => {
  it('tells a burst of similar items as one', () => {
    const items = Array.from({ length: 12 }, (_, i) => runItem(`r${i + 1}`, i));

    expect(rowTexts(items)).toEqual(['12 workflow runs succeeded']);
  });

  it('keeps fewer than three similar items apart', () => {
    expect(rowTexts([runItem('r1', 0), runItem('r2', 1)])).toEqual([
      'CI succeeded on main',
      'CI succeeded on main',
    ]);
  });

  it('breaks a burst at a different outcome and at a pause', () => {
    const items = [
      runItem('r1', 0),
      runItem('r2', 1),
      runItem('r3', 2),
      runItem('r4', 3, 'failure'),
      runItem('r5', 4),
      runItem('r6', 5),
      runItem('r7', 60),
    ];

    expect(rowTexts(items)).toEqual([
      '3 workflow runs succeeded',
      'CI failed on main',
      'CI succeeded on main',
      'CI succeeded on main',
      'CI succeeded on main',
    ]);
  });
});

describe('withNewestPage', () => {
  it('starts from the first page', () => {
    expect(withNewestPage(undefined, page([runItem('r2', 0)], 'c1'))).toEqual({
      items: [runItem('r2', 0)],
      before: 'c1',
    });
  });

  it('puts new items on top of the loaded ones, keeping where older ones start', () => {
    const loaded = {
      items: [runItem('r2', 5), runItem('r1', 6)],
      before: 'older-than-r1',
    };

    const next = withNewestPage(
      loaded,
      page([runItem('r3', 0), runItem('r2', 5)], 'after-r2'),
    );

    expect(next.items.map(i => i.id)).toEqual(['r3', 'r2', 'r1']);
    expect(next.before).toBe('older-than-r1');
  });

  it('starts again from the page when more changed than a page holds', () => {
    const loaded = { items: [runItem('r1', 60)], before: 'x' };

    const next = withNewestPage(
      loaded,
      page([runItem('r9', 0), runItem('r8', 1)], 'after-r8'),
    );

    expect(next.items.map(i => i.id)).toEqual(['r9', 'r8']);
    expect(next.before).toBe('after-r8');
  });

  it('appends an older page once', () => {
    const loaded = { items: [runItem('r3', 0), runItem('r2', 1)], before: 'c' };

    const next = withOlderPage(
      loaded,
      page([runItem('r2', 1), runItem('r1', 2)], null),
    );

    expect(next.items.map(i => i.id)).toEqual(['r3', 'r2', 'r1']);
    expect(next.before).toBeNull();
  });
});
