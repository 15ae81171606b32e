/**
 * Simulated time: the configured `now()` plus however far activity mode has
 * advanced the clock.
 */
export class SimulationClock {
  private offsetMs = 0;

  constructor(private readonly source: () => Date = () => new Date()) {}

  /** Current simulated time in epoch milliseconds. */
  now(): number {
    return this.source().getTime() + this.offsetMs;
  }

  advance(milliseconds: number): void {
    this.offsetMs += milliseconds;
  }
}
