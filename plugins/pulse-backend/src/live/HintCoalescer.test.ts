import { HintCoalescer, LiveHint, Schedule } from './HintCoalescer';

/** A timer the test advances by hand. */
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
  const advance = (ms: number) => {
    now += ms;
    for (const timer of timers.filter(t => !t.cancelled && t.at <= now)) {
      timer.cancelled = true;
      timer.fn();
    }
  };
  return { schedule, advance };
}

const hint = (version: number, extra: Partial<LiveHint> = {}): LiveHint => ({
  subject: 'component:default/payments-api',
  topic: 'pull-requests',
  version,
  ...extra,
});

describe('HintCoalescer', () => {
  it('sends one hint per subject and topic per window, at its end, with the newest version', () => {
    const { schedule, advance } = manualTimers();
    const sent: LiveHint[] = [];
    const coalescer = new HintCoalescer(h => sent.push(h), 250, schedule);
    for (let version = 1; version <= 10_000; version++) {
      coalescer.add(hint(version));
    }
    expect(sent).toEqual([]);
    advance(249);
    expect(sent).toEqual([]);
    advance(1);
    expect(sent).toEqual([hint(10_000)]);
    coalescer.add(hint(10_001));
    advance(250);
    expect(sent).toEqual([hint(10_000), hint(10_001)]);
  });

  it('never lowers the version of a waiting hint', () => {
    const { schedule, advance } = manualTimers();
    const sent: LiveHint[] = [];
    const coalescer = new HintCoalescer(h => sent.push(h), 250, schedule);
    coalescer.add(hint(5));
    coalescer.add(hint(3));
    advance(250);
    expect(sent).toEqual([hint(5)]);
  });

  it('keeps subjects, topics and recipients apart', () => {
    const { schedule, advance } = manualTimers();
    const sent: LiveHint[] = [];
    const coalescer = new HintCoalescer(h => sent.push(h), 250, schedule);
    coalescer.add(hint(1));
    coalescer.add(hint(1, { topic: 'workflow-runs' }));
    coalescer.add(hint(1, { subject: 'component:default/ledger' }));
    coalescer.add(
      hint(2, { topic: 'incidents', recipients: ['user:default/a'] }),
    );
    coalescer.add(
      hint(2, { topic: 'incidents', recipients: ['user:default/b'] }),
    );
    advance(250);
    expect(sent).toHaveLength(5);
  });

  it('sends what waits when flushed', () => {
    const { schedule } = manualTimers();
    const sent: LiveHint[] = [];
    const coalescer = new HintCoalescer(h => sent.push(h), 250, schedule);
    coalescer.add(hint(7));
    coalescer.flush();
    expect(sent).toEqual([hint(7)]);
  });
});
