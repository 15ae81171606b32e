export interface SimulatorStats {
  /** Requests received by the API (control endpoints excluded). */
  totalRequests: number;
  /** Responses by HTTP status; `"dropped"` and `"timeout"` for faults. */
  byStatus: Record<string, number>;
  /** Requests by GitHub operation id, e.g. `pulls/list`. */
  byOperation: Record<string, number>;
  /** Primary rate limit points consumed. */
  quotaUsed: number;
  notModified: number;
  primaryRateLimited: number;
  secondaryRateLimited: number;
  injectedErrors: number;
  injectedTimeouts: number;
  droppedConnections: number;
  since: string;
}

export class RequestStats {
  private stats: SimulatorStats = RequestStats.empty();

  private static empty(): SimulatorStats {
    return {
      totalRequests: 0,
      byStatus: {},
      byOperation: {},
      quotaUsed: 0,
      notModified: 0,
      primaryRateLimited: 0,
      secondaryRateLimited: 0,
      injectedErrors: 0,
      injectedTimeouts: 0,
      droppedConnections: 0,
      since: new Date().toISOString(),
    };
  }

  recordRequest(): void {
    this.stats.totalRequests++;
  }

  recordOperation(operationId: string): void {
    this.stats.byOperation[operationId] =
      (this.stats.byOperation[operationId] ?? 0) + 1;
  }

  recordOutcome(outcome: number | 'dropped' | 'timeout'): void {
    const key = String(outcome);
    this.stats.byStatus[key] = (this.stats.byStatus[key] ?? 0) + 1;
    if (outcome === 304) {
      this.stats.notModified++;
    }
  }

  increment(
    counter:
      | 'quotaUsed'
      | 'primaryRateLimited'
      | 'secondaryRateLimited'
      | 'injectedErrors'
      | 'injectedTimeouts'
      | 'droppedConnections',
  ): void {
    this.stats[counter]++;
  }

  snapshot(): SimulatorStats {
    return {
      ...this.stats,
      byStatus: { ...this.stats.byStatus },
      byOperation: { ...this.stats.byOperation },
    };
  }

  reset(): void {
    this.stats = RequestStats.empty();
  }
}
