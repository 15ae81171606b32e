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

/**
 * Coalesces hints: at most one per subject, topic and recipients every `windowMs`, sent at the end
 * of the window (trailing edge) with the highest version seen in it. A burst of 10,000 changes to
 * one entity in a second becomes four hints per topic, not 10,000.
 */
export class HintCoalescer {
  private readonly pending = new Map<
    string,
    { hint: LiveHint; cancel: () => void }
  >();

  constructor(
    private readonly emit: (hint: LiveHint) => void,
    private readonly windowMs = 250,
    private readonly schedule: Schedule = realSchedule,
  ) {}

  add(hint: LiveHint): void {
    const key = `${hint.subject}\n${hint.topic}\n${
      hint.recipients?.slice().sort().join(',') ?? '*'
    }`;
    const waiting = this.pending.get(key);
    if (waiting) {
      if (hint.version > waiting.hint.version) {
        waiting.hint = { ...waiting.hint, version: hint.version };
      }
      return;
    }
    const entry = {
      hint,
      cancel: () => {},
    };
    entry.cancel = this.schedule(() => {
      this.pending.delete(key);
      this.emit(entry.hint);
    }, this.windowMs);
    this.pending.set(key, entry);
  }

  /** Sends what is waiting now (shutdown). */
  flush(): void {
    for (const [key, entry] of this.pending) {
      entry.cancel();
      this.pending.delete(key);
      this.emit(entry.hint);
    }
  }
}
