/**
 * What every part of the simulated server shares: its data, clock, limits, faults and counters,
 * and the handlers of the control endpoints. Types only.
 */
import type { SimulationClock } from '../data/SimulationClock';
import type { SimulationStore } from '../data/SimulationStore';
import type { FaultInjector } from './FaultInjector';
import type { RateLimiter } from './RateLimiter';
import type { RequestStats } from './RequestStats';

export interface ControlHandlers {
  /** Runs one activity step; returns a summary of the events produced. */
  tick(): Array<{ event: string; action?: string; repository: string }>;
  /** Opens a pull request activity leaves alone; its number, or undefined for an unknown repository. */
  openPull(repository: string, options: { title?: string }): number | undefined;
  /** Merges an open pull request and sends its webhook. */
  mergePull(
    repository: string,
    number: number,
  ): 'merged' | 'not-found' | 'not-open';
}

/** Compatible with Backstage's `LoggerService` and `console`. */
export interface SimulatorLogger {
  warn(message: string): void;
  error(message: string): void;
}

export interface ServerContext {
  store: SimulationStore;
  clock: SimulationClock;
  rateLimiter: RateLimiter;
  faults: FaultInjector;
  stats: RequestStats;
  /** When set, only these tokens are accepted. */
  tokens?: string[];
  htmlBaseUrl: string;
  logger: SimulatorLogger;
  control: ControlHandlers;
  /** Timers of requests held by the timeout fault, cleared on stop. */
  heldRequests: Set<NodeJS.Timeout>;
}
