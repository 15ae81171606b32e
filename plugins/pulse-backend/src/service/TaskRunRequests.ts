import { LoggerService } from '@backstage/backend-plugin-api';

export interface TaskRunRequestsOptions {
  /** Starts the task now (the scheduler's `triggerTask`). */
  trigger: () => Promise<void>;
  /** What the task does, for the log: "escalation run", "metrics aggregation". */
  describe: string;
  /** Calls `retry` a moment later; a timer in production, a queue in tests. */
  retryLater: (retry: () => void) => void;
  logger: LoggerService;
}

function isConflict(error: unknown) {
  return (error as Error | undefined)?.name === 'ConflictError';
}

/**
 * Asks for a run of a scheduled task right after a change it must act on (the escalation
 * engine: a step that fell due; the metrics aggregation: changed source data), so that it runs
 * now rather than at the next tick, without losing the request to a run already in progress.
 *
 * The scheduler refuses to trigger a task that is running (`ConflictError`), and a run that has
 * already read what is due misses a change committed after that read. So a request made while a
 * run is in progress makes that run go round once more, and a request refused in the moment
 * between two runs is retried.
 */
export class TaskRunRequests {
  private running = false;
  private requestedDuringRun = false;
  private retryPending = false;

  constructor(private readonly options: TaskRunRequestsOptions) {}

  request(): void {
    if (this.running) {
      this.requestedDuringRun = true;
      return;
    }
    this.options.trigger().catch(error => {
      if (!isConflict(error)) {
        this.options.logger.debug(
          `Could not trigger the ${this.options.describe}: ${error}`,
        );
      } else if (this.running) {
        this.requestedDuringRun = true;
      } else if (!this.retryPending) {
        this.retryPending = true;
        this.options.retryLater(() => {
          this.retryPending = false;
          this.request();
        });
      }
    });
  }

  /**
   * The task's body: `run` once, and again while requests arrived during the last round (until
   * the task's timeout aborts it; the next tick then picks up what is left).
   */
  async runWhileRequested(
    run: () => Promise<unknown>,
    signal?: AbortSignal,
  ): Promise<void> {
    this.running = true;
    try {
      do {
        this.requestedDuringRun = false;
        await run();
      } while (this.requestedDuringRun && !signal?.aborted);
    } finally {
      this.running = false;
    }
  }
}
