/**
 * Which versions a live view shows, and when it must fetch (pure).
 *
 * Every REST response carries the version of its topic, read before its data, so the data is at
 * least that new. Every hint is sent after its change is committed, so a fetch that starts after a
 * hint arrived sees the change. From these two facts the view knows, per version key, a version its
 * data is sure to include (`rendered`), and needs a fetch when a hint or a versions check announces
 * a higher one. A key the view has no version for (a schedule's handoffs on an entity's card, an
 * incident list) is behind on any announcement until a fetch that started after it settles.
 *
 * At most one fetch runs at a time; whatever arrives meanwhile queues exactly one more.
 */

/** Version per version key. */
export type Versions = Readonly<Record<string, number>>;

/** Whether `version` of `key` is above what `known` has for it (anything is, when it has nothing). */
export function isNewer(
  known: Versions,
  key: string,
  version: number,
): boolean {
  const current = known[key];
  return current === undefined || version > current;
}

/** The highest version of each key in any of the given maps. */
export function highest(...maps: Versions[]): Versions {
  const result: Record<string, number> = {};
  for (const map of maps) {
    for (const [key, version] of Object.entries(map)) {
      if (result[key] === undefined || version > result[key]) {
        result[key] = version;
      }
    }
  }
  return result;
}

/** The keys of `announced` whose version is above what `known` has. */
export function movedKeys(known: Versions, announced: Versions): string[] {
  return Object.entries(announced)
    .filter(([key, version]) => isNewer(known, key, version))
    .map(([key]) => key);
}

/** What a view knows about the versions of its data, and whether a fetch runs or is queued. */
export interface LiveTracker {
  /** Versions the data on screen is sure to include. */
  rendered: Versions;
  /** The highest versions announced so far (hints, versions checks). */
  announced: Versions;
  /** `announced` when the running fetch started: what its answer is sure to include. Undefined when none runs. */
  running?: Versions;
  /** What runs after the running fetch: nothing, a fetch if still behind, or a fetch in any case. */
  queued: 'none' | 'if-behind' | 'always';
}

/** What to do after a step: the new tracker, and whether to start a fetch now. */
export interface LiveStep {
  tracker: LiveTracker;
  fetch: boolean;
}

/** A view that has fetched nothing yet; `rendered` holds versions known from elsewhere. */
export function initialTracker(rendered: Versions = {}): LiveTracker {
  return { rendered, announced: {}, queued: 'none' };
}

function covered(tracker: LiveTracker): Versions {
  return tracker.running
    ? highest(tracker.rendered, tracker.running)
    : tracker.rendered;
}

/** Starts a fetch now, or queues one behind the running fetch. */
function want(tracker: LiveTracker, mode: 'if-behind' | 'always'): LiveStep {
  if (!tracker.running) {
    return {
      tracker: { ...tracker, running: tracker.announced, queued: 'none' },
      fetch: true,
    };
  }
  const queued =
    tracker.queued === 'always' || mode === 'always' ? 'always' : 'if-behind';
  return { tracker: { ...tracker, queued }, fetch: false };
}

/**
 * Versions announced by a hint or a versions check: fetch if any is above what the data on screen,
 * or the running fetch, is sure to include; otherwise nothing to do (an old or repeated hint).
 */
export function announce(tracker: LiveTracker, versions: Versions): LiveStep {
  const next = { ...tracker, announced: highest(tracker.announced, versions) };
  if (movedKeys(covered(tracker), versions).length === 0) {
    return { tracker: next, fetch: false };
  }
  return want(next, 'if-behind');
}

/** A fetch whatever the versions say: the first load, a reload, a poll, a known handoff instant. */
export function request(tracker: LiveTracker): LiveStep {
  return want(tracker, 'always');
}

/**
 * The running fetch ended: with the versions its answer reported, or `failed`. A success raises
 * `rendered` by what the fetch is sure to include; then the queued fetch starts if it is still
 * needed. A failure keeps `rendered` and starts nothing: the caller retries after a backoff.
 */
export function settle(
  tracker: LiveTracker,
  outcome: { versions: Versions } | 'failed',
): LiveStep {
  if (outcome === 'failed') {
    return {
      tracker: { ...tracker, running: undefined, queued: 'none' },
      fetch: false,
    };
  }
  const rendered = highest(
    tracker.rendered,
    tracker.running ?? {},
    outcome.versions,
  );
  const next: LiveTracker = {
    ...tracker,
    rendered,
    running: undefined,
    queued: 'none',
  };
  if (
    tracker.queued === 'always' ||
    (tracker.queued === 'if-behind' &&
      movedKeys(rendered, tracker.announced).length > 0)
  ) {
    return want(next, tracker.queued);
  }
  return { tracker: next, fetch: false };
}

/** Whether something announced is not yet on screen. */
export function isBehind(tracker: LiveTracker): boolean {
  return movedKeys(tracker.rendered, tracker.announced).length > 0;
}
