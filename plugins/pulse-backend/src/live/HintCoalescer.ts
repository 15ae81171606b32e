/** A live hint: which subject changed, in what topic, up to which version. Never data. */
export interface LiveHint {
  /** An entity ref, or `pulse-schedule:<id>`, or `pulse:incidents` for the incident lists. */
  subject: string;
  topic: string;
  version: number;
  /** Users to tell (incidents assigned to them); absent: whoever follows the subject's channel. */
  recipients?: string[];
}

/** Runs `fn` after `ms`; returns a function that cancels it. */
export type Schedule = (fn: () => void, ms: number) => () => void;

export const realSchedule: Schedule = (fn, ms) => {
  const timer = setTimeout(fn, ms);
  timer.unref?.();
  return () => clearTimeout(timer);
};

interface Window {
  /** The newest hint that arrived since the window opened, to send when it closes. */
  waiting?: LiveHint;
  /** The highest version sent in or before this window: a lower one is never sent after it. */
  sentVersion: number;
  cancel: () => void;
}

/**
 * Throttles hints per subject, topic and recipients, with a leading and a trailing edge: a hint
 * with none sent for its key in the last `windowMs` is sent at once and opens a window; hints that
 * arrive while it is open are held, and when it closes the newest of them is sent (and opens the
 * next window). So an isolated change costs no delay, there is at most one hint per key every
 * `windowMs`, and the last change of a burst is always sent: 10,000 changes to one entity in a
 * second become five hints per topic, not 10,000.
 */
export class HintCoalescer {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly emit: (hint: LiveHint) => void,
    private readonly windowMs = 250,
    private readonly schedule: Schedule = realSchedule,
  ) {}

  add(hint: LiveHint): void {
    const key = `${hint.subject}\n${hint.topic}\n${
      hint.recipients?.slice().sort().join(',') ?? '*'
    }`;
    const open = this.windows.get(key);
    if (!open) {
      this.send(key, hint);
      return;
    }
    if (
      hint.version <= Math.max(open.sentVersion, open.waiting?.version ?? 0)
    ) {
      return;
    }
    open.waiting = open.waiting
      ? { ...open.waiting, version: hint.version }
      : hint;
  }

  /** Sends what is waiting now (shutdown). */
  flush(): void {
    for (const [key, window] of this.windows) {
      window.cancel();
      this.windows.delete(key);
      if (window.waiting) {
        this.emit(window.waiting);
      }
    }
  }

  /** Sends `hint` and opens its key's window; when it closes, sends what arrived meanwhile. */
  private send(key: string, hint: LiveHint, sentBefore = 0): void {
    const window: Window = {
      sentVersion: Math.max(sentBefore, hint.version),
      cancel: () => {},
    };
    this.windows.set(key, window);
    window.cancel = this.schedule(() => {
      this.windows.delete(key);
      if (window.waiting) {
        this.send(key, window.waiting, window.sentVersion);
      }
    }, this.windowMs);
    this.emit(hint);
  }
}
