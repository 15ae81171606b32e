import { isTransient } from '../shared/errors';
import { HintVersion } from './topics';
import { backoffDelayMs, RECONNECT_CHECK_DELAY_MS } from './timing';
import {
  announce,
  initialTracker,
  LiveStep,
  LiveTracker,
  request,
  settle,
  Versions,
} from './versions';

/** What a live view shows. */
export interface LiveSnapshot<T> {
  value?: T;
  /** Why the data could not be loaded; undefined while data is shown after a passing failure. */
  error?: Error;
  /** True until the first answer, and while a fetch runs (the data stays on screen meanwhile). */
  loading: boolean;
  /**
   * True from a failure that may pass (the network, a 5xx) or the browser going offline, until a
   * versions check succeeds after the signals client has had time to reconnect.
   */
  interrupted: boolean;
}

/** What a {@link LiveLoader} fetches and checks, and whom it tells. */
export interface LiveLoaderOptions<T> {
  load: () => Promise<T>;
  /** The versions an answer reports, read before its data. */
  versionsOf: (value: T) => Versions;
  /** The current versions of what the view follows, or `refetch` when they cannot be read cheaply. */
  checkVersions: () => Promise<Versions | 'refetch'>;
  onChange: (snapshot: LiveSnapshot<T>) => void;
  /**
   * Versions another view had read when this one started (e.g. the list it belongs to): the first
   * fetch starts after them, so its data is sure to include them.
   */
  knownVersions?: Versions;
  /**
   * False without signals: the view polls, which is its retry too, so the loader neither retries
   * nor tracks gaps of a connection there is not.
   */
  live: boolean;
  /** For tests of the backoff; `Math.random` otherwise. */
  random?: () => number;
}

type Gap = 'none' | 'down' | 'recovering';

/**
 * Loads one view's data and keeps it current: a fetch on each hint or versions check that
 * announces a version above the one on screen, at most one at a time with one more queued, retries
 * with backoff after passing failures, and a second versions check once the signals client has had
 * time to reconnect after a gap. The React side ({@link useLiveData}) feeds it hints and events.
 */
export class LiveLoader<T> {
  private tracker: LiveTracker;
  private snapshot: LiveSnapshot<T> = { loading: true, interrupted: false };
  private gap: Gap = 'none';
  private disposed = false;
  private failures = 0;
  private retryTimer?: ReturnType<typeof setTimeout>;
  private followUpTimer?: ReturnType<typeof setTimeout>;
  private checking = false;
  private checkAgain = false;

  constructor(private readonly options: LiveLoaderOptions<T>) {
    this.tracker = initialTracker(options.knownVersions);
  }

  /** The first load. */
  start(): void {
    this.step(request(this.tracker));
  }

  /** Loads again whatever the versions say (a reload after an action, a poll, a handoff instant). */
  reload(): void {
    this.step(request(this.tracker));
  }

  /** A hint arrived: fetch if it announces a version the data on screen does not include. */
  hint(hint: HintVersion): void {
    this.step(announce(this.tracker, { [hint.key]: hint.version }));
  }

  /** Versions another view read (the list this view belongs to): a rise is announced like a hint. */
  seen(versions: Versions): void {
    this.step(announce(this.tracker, versions));
  }

  /**
   * Reads the current versions of what the view follows and fetches if any moved. One check runs
   * at a time: a check asked for meanwhile is answered by the running one, except the check after
   * a reconnect, which must not be answered by one that started before it and runs after it.
   */
  async check(options: { afterReconnect?: boolean } = {}): Promise<void> {
    if (this.checking) {
      if (options.afterReconnect) {
        this.checkAgain = true;
      }
      return;
    }
    this.checking = true;
    try {
      let versions: Versions | 'refetch';
      try {
        versions = await this.options.checkVersions();
      } catch (error) {
        if (this.disposed) return;
        if (isTransient(error)) {
          this.failed();
        } else {
          // The backend refuses the versions (e.g. the entity is gone): the fetch shows why.
          this.step(request(this.tracker));
        }
        return;
      }
      if (this.disposed) return;
      this.succeeded({ closesGap: Boolean(options.afterReconnect) });
      this.step(
        versions === 'refetch'
          ? request(this.tracker)
          : announce(this.tracker, versions),
      );
    } finally {
      this.checking = false;
      if (this.checkAgain && !this.disposed) {
        this.checkAgain = false;
        void this.check({ afterReconnect: true });
      }
    }
  }

  /** The browser went offline: hints are being lost. */
  disconnected(): void {
    this.enterGap();
  }

  /** The browser is back online: check now, and again once the signals client has reconnected. */
  reconnected(): void {
    this.enterGap();
    void this.check();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.followUpTimer);
  }

  private step(step: LiveStep): void {
    this.tracker = step.tracker;
    if (step.fetch) {
      void this.fetch();
    }
  }

  private async fetch(): Promise<void> {
    this.emit({ loading: true });
    let value: T;
    try {
      value = await this.options.load();
    } catch (error) {
      if (this.disposed) return;
      const reason = error instanceof Error ? error : new Error(String(error));
      const transient = isTransient(reason);
      this.emit(
        transient && this.snapshot.value !== undefined
          ? // Keep the data on screen; the card says it is reconnecting and tries again.
            { loading: false }
          : { value: undefined, error: reason, loading: false },
      );
      this.step(settle(this.tracker, 'failed'));
      if (transient) {
        this.failed();
      }
      return;
    }
    if (this.disposed) return;
    this.emit({ value, error: undefined, loading: false });
    this.succeeded({ closesGap: false });
    this.step(
      settle(this.tracker, { versions: this.options.versionsOf(value) }),
    );
  }

  private enterGap(): void {
    if (!this.options.live) return;
    this.gap = 'down';
    clearTimeout(this.followUpTimer);
    this.emit({});
  }

  /** A passing failure: the view is cut off; try again after a backoff. */
  private failed(): void {
    if (!this.options.live) return;
    this.enterGap();
    clearTimeout(this.retryTimer);
    const delay = backoffDelayMs(this.failures, {
      random: this.options.random,
    });
    this.failures += 1;
    this.retryTimer = setTimeout(() => {
      if (!this.disposed) this.step(request(this.tracker));
    }, delay);
  }

  /**
   * A request succeeded. After a gap, hints sent before the signals client subscribed again are
   * lost: a versions check after its reconnect delay closes the gap.
   */
  private succeeded(options: { closesGap: boolean }): void {
    this.failures = 0;
    clearTimeout(this.retryTimer);
    if (this.gap === 'recovering' && options.closesGap) {
      this.gap = 'none';
    } else if (this.gap === 'down') {
      this.gap = 'recovering';
      this.followUpTimer = setTimeout(() => {
        if (!this.disposed) void this.check({ afterReconnect: true });
      }, RECONNECT_CHECK_DELAY_MS);
    }
    this.emit({});
  }

  private emit(change: Partial<LiveSnapshot<T>>): void {
    if (this.disposed) return;
    const next: LiveSnapshot<T> = {
      ...this.snapshot,
      ...change,
      interrupted: this.gap !== 'none',
    };
    if (
      next.value === this.snapshot.value &&
      next.error === this.snapshot.error &&
      next.loading === this.snapshot.loading &&
      next.interrupted === this.snapshot.interrupted
    ) {
      return;
    }
    this.snapshot = next;
    this.options.onChange(next);
  }
}
