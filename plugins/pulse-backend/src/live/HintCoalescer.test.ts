import { HintCoalescer, LiveHint, Schedule } from './HintCoalescer';

/** A clock and timers the test advances by hand, one millisecond at a time. */
function manualTimers() {
  let now = 0;
  const timers: Array<{ at: number; fn: () => void; cancelled: boolean }> = [];
  const schedule: Schedule = (fn, ms) => {
    const timer = { at: now + ms, fn, cancelled: false };
    timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  };
  const dueAt = (at: number) => timers.filter(t => !t.cancelled && t.at <= at);
  const advance = (ms: number) => {
    const end = now + ms;
    while (now < end) {
      now += 1;
      const due = dueAt(now);
      for (const timer of due) {
        timer.cancelled = true;
        timer.fn();
      }
    }
  };
  return { schedule, advance, now: () => now };
}

const hint = (version: number, extra: Partial<LiveHint> = {}): LiveHint => ({
  subject: 'component:default/payments-api',
  topic: 'pull-requests',
  version,
  ...extra,
});

function setup() {
  const timers = manualTimers();
  const sent: Array<LiveHint & { at: number }> = [];
  const coalescer = new HintCoalescer(
    h => sent.push({ ...h, at: timers.now() }),
    250,
    timers.schedule,
  );
  const versions = () => sent.map(s => s.version);
  return { ...timers, sent, coalescer, versions };
}

describe('HintCoalescer', () => {
  it('sends an isolated change at once', () => {
    const { coalescer, sent } = setup();
    coalescer.add(hint(1));
    expect(sent).toEqual([{ ...hint(1), at: 0 }]);
  });

  it('sends an isolated change at once again after a quiet window', () => {
    const { coalescer, sent, advance } = setup();
    coalescer.add(hint(1));
    advance(250);
    advance(400);
    coalescer.add(hint(2));
    expect(sent).toEqual([
      { ...hint(1), at: 0 },
      { ...hint(2), at: 650 },
    ]);
    advance(1000);
    expect(sent).toHaveLength(2);
  });

  it('turns a burst into the leading hint and one trailing hint with the newest version', () => {
    const { coalescer, sent, advance } = setup();
    for (let version = 1; version <= 10_000; version++) {
      coalescer.add(hint(version));
    }
    expect(sent).toEqual([{ ...hint(1), at: 0 }]);
    advance(249);
    expect(sent).toHaveLength(1);
    advance(1);
    expect(sent).toEqual([
      { ...hint(1), at: 0 },
      { ...hint(10_000), at: 250 },
    ]);
    advance(1000);
    expect(sent).toHaveLength(2);
  });

  it('sends a burst spread over the window the same way', () => {
    const { coalescer, sent, advance } = setup();
    coalescer.add(hint(1));
    for (let version = 2; version <= 50; version++) {
      advance(5);
      coalescer.add(hint(version));
    }
    advance(1000);
    expect(sent).toEqual([
      { ...hint(1), at: 0 },
      { ...hint(50), at: 250 },
    ]);
  });

  it('never sends more than one hint per key in 250 ms, and the last change is never lost', () => {
    const { coalescer, sent, advance, versions } = setup();
    // A change every 7 ms for 3 s.
    let version = 0;
    for (let t = 0; t < 3000; t += 7) {
      coalescer.add(hint(++version));
      advance(7);
    }
    advance(1000);
    for (let i = 1; i < sent.length; i++) {
      expect(sent[i].at - sent[i - 1].at).toBeGreaterThanOrEqual(250);
    }
    expect(sent.length).toBeLessThanOrEqual(Math.ceil(3000 / 250) + 1);
    expect(versions().at(-1)).toBe(version);
    expect(versions()).toEqual([...versions()].sort((a, b) => a - b));
  });

  it('never sends a version lower than one it already sent or holds', () => {
    const { coalescer, advance, versions } = setup();
    coalescer.add(hint(5));
    coalescer.add(hint(3));
    advance(250);
    expect(versions()).toEqual([5]);
    coalescer.add(hint(9));
    coalescer.add(hint(12));
    coalescer.add(hint(10));
    advance(250);
    expect(versions()).toEqual([5, 9, 12]);
  });

  it('keeps subjects, topics and recipients apart', () => {
    const { coalescer, sent } = setup();
    coalescer.add(hint(1));
    coalescer.add(hint(1, { topic: 'workflow-runs' }));
    coalescer.add(hint(1, { subject: 'component:default/ledger' }));
    coalescer.add(
      hint(2, { topic: 'incidents', recipients: ['user:default/a'] }),
    );
    coalescer.add(
      hint(2, { topic: 'incidents', recipients: ['user:default/b'] }),
    );
    expect(sent).toHaveLength(5);
  });

  it('sends what waits when flushed, and nothing twice', () => {
    const { coalescer, advance, versions } = setup();
    coalescer.add(hint(6));
    coalescer.add(hint(7));
    coalescer.flush();
    expect(versions()).toEqual([6, 7]);
    advance(1000);
    coalescer.flush();
    expect(versions()).toEqual([6, 7]);
  });
});
