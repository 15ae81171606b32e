import {
  announce,
  highest,
  initialTracker,
  isBehind,
  isNewer,
  LiveTracker,
  movedKeys,
  request,
  settle,
} from './versions';

describe('version comparison', () => {
  it('is newer only above the known version, or when none is known', () => {
    expect(isNewer({ a: 3 }, 'a', 4)).toBe(true);
    expect(isNewer({ a: 3 }, 'a', 3)).toBe(false);
    expect(isNewer({ a: 3 }, 'a', 2)).toBe(false);
    expect(isNewer({}, 'a', 0)).toBe(true);
  });

  it('keeps the highest version of each key', () => {
    expect(highest({ a: 1, b: 5 }, { a: 3 }, { b: 2, c: 0 })).toEqual({
      a: 3,
      b: 5,
      c: 0,
    });
  });

  it('lists the keys that moved', () => {
    expect(movedKeys({ a: 3, b: 5 }, { a: 4, b: 5, c: 0 })).toEqual(['a', 'c']);
  });
});

describe('what to fetch', () => {
  function loaded(versions: Record<string, number>): LiveTracker {
    const first = request(initialTracker());
    expect(first.fetch).toBe(true);
    return settle(first.tracker, { versions }).tracker;
  }

  it('fetches on a hint above the rendered version, not on an older or equal one', () => {
    const tracker = loaded({ prs: 5 });

    expect(announce(tracker, { prs: 6 }).fetch).toBe(true);
    expect(announce(tracker, { prs: 5 }).fetch).toBe(false);
    expect(announce(tracker, { prs: 4 }).fetch).toBe(false);
  });

  it('queues exactly one more fetch for any number of hints during a fetch', () => {
    let step = announce(loaded({ prs: 5 }), { prs: 6 });
    expect(step.fetch).toBe(true);

    step = announce(step.tracker, { prs: 7 });
    expect(step.fetch).toBe(false);
    step = announce(step.tracker, { prs: 8 });
    expect(step.fetch).toBe(false);
    expect(step.tracker.queued).toBe('if-behind');

    // The running fetch read version 6: the queued one starts, and nothing after it.
    step = settle(step.tracker, { versions: { prs: 6 } });
    expect(step.fetch).toBe(true);
    step = settle(step.tracker, { versions: { prs: 8 } });
    expect(step.fetch).toBe(false);
    expect(step.tracker.rendered).toEqual({ prs: 8 });
  });

  it('drops the queued fetch when the running one already read the announced version', () => {
    let step = announce(loaded({ prs: 5 }), { prs: 6 });
    step = announce(step.tracker, { prs: 7 });

    step = settle(step.tracker, { versions: { prs: 7 } });

    expect(step.fetch).toBe(false);
    expect(isBehind(step.tracker)).toBe(false);
  });

  it('ignores a hint the running fetch is sure to include', () => {
    let step = announce(loaded({ prs: 5 }), { prs: 7 });
    step = announce(step.tracker, { prs: 6 });

    expect(step.fetch).toBe(false);
    expect(step.tracker.queued).toBe('none');
  });

  it('credits a settled fetch with every version announced before it started', () => {
    // A schedule's handoffs on an entity card: the card's data has no version for them.
    let step = announce(loaded({ oncall: 2 }), { handoffs: 4 });
    expect(step.fetch).toBe(true);

    step = settle(step.tracker, { versions: { oncall: 2 } });

    expect(step.tracker.rendered).toEqual({ oncall: 2, handoffs: 4 });
    expect(announce(step.tracker, { handoffs: 4 }).fetch).toBe(false);
    expect(announce(step.tracker, { handoffs: 5 }).fetch).toBe(true);
  });

  it('always runs a requested fetch, after the running one', () => {
    let step = request(loaded({ prs: 5 }));
    expect(step.fetch).toBe(true);

    step = request(step.tracker);
    expect(step.fetch).toBe(false);
    step = settle(step.tracker, { versions: { prs: 5 } });
    expect(step.fetch).toBe(true);
  });

  it('starts nothing after a failed fetch and keeps what it had rendered', () => {
    let step = announce(loaded({ prs: 5 }), { prs: 6 });
    step = announce(step.tracker, { prs: 7 });

    step = settle(step.tracker, 'failed');

    expect(step.fetch).toBe(false);
    expect(step.tracker.rendered).toEqual({ prs: 5 });
    expect(isBehind(step.tracker)).toBe(true);
  });

  it('takes versions known from elsewhere as rendered', () => {
    const tracker = initialTracker({ oncall: 3 });

    expect(announce(tracker, { oncall: 3 }).fetch).toBe(false);
    expect(announce(tracker, { oncall: 4 }).fetch).toBe(true);
  });
});
