import { parseEntityRef } from '@backstage/catalog-model';
import { configApiRef, useApi, useApiHolder } from '@backstage/core-plugin-api';
import { signalApiRef } from '@backstage/plugin-signals-react';
import { useCallback, useEffect, useRef, useState } from 'react';
import { PulseApi, pulseApiRef } from '../api';
import { readCheckIntervalMs } from './config';
import { LiveLoader, LiveSnapshot } from './LiveLoader';
import { POLL_INTERVAL_MS, refetchDelayMs } from './timing';
import {
  channelOf,
  entityVersionKey,
  LiveSubject,
  readHint,
  scheduleVersionKey,
  subjectsSignature,
} from './topics';
import { highest, Versions } from './versions';

/** How a view gets its updates: live over signals, live but cut off for now, or by polling. */
export type LiveState = 'live' | 'reconnecting' | 'polling';

/** What a view says about its updates (see `LiveStatus`). */
export interface LiveInfo {
  state: LiveState;
  /** How often the view reloads when polling. */
  pollIntervalMs: number;
}

/** What {@link useLiveData} loads and follows. */
export interface LiveDataOptions<T> {
  /** What is loaded: another key starts afresh, and never shows the data of the previous one. */
  key: string;
  load: () => Promise<T>;
  /** The topics the data shows; a function of the data when they depend on it (the schedules of an on-call). */
  subjects: LiveSubject[] | ((value: T | undefined) => LiveSubject[]);
  /** The versions an answer reports (its `version` fields), by version key. */
  versionsOf?: (value: T) => Versions;
  /**
   * Versions another view has read, e.g. the list this card belongs to: the card's first fetch is
   * sure to include them, and a rise later (the list refetched) refetches the card too.
   */
  knownVersions?: Versions;
  /** How often to reload without signals; 30 s by default. */
  pollIntervalMs?: (value: T | undefined) => number;
  /** An instant at which the data is known to change (the end of an on-call shift): refetch then. */
  refetchAt?: (value: T) => string | null | undefined;
  /**
   * How a versions check reads the versions: through the versions routes (default), or by
   * refetching when there are too many subjects to ask about (a team's feed).
   */
  checkBy?: 'versions' | 'refetch';
  /** False: load nothing and follow nothing (e.g. an optional part of a card that is off). */
  enabled?: boolean;
}

/** The state of {@link useLiveData}. */
export interface LiveData<T> {
  value?: T;
  error?: Error;
  /** True until the first answer for the current key, and while a refetch runs (the data stays). */
  loading: boolean;
  /** Loads again now, keeping the data on screen until the answer arrives. */
  reload: () => void;
  live: LiveInfo;
}

async function currentVersions(
  api: PulseApi,
  subjects: LiveSubject[],
): Promise<Versions | 'refetch'> {
  if (subjects.some(subject => subject.kind === 'incidents')) {
    // The incident lists have no versions of their own: the list is the check.
    return 'refetch';
  }
  const parts = await Promise.all(
    subjects.map(async subject => {
      if (subject.kind === 'entity') {
        const { versions } = await api.getEntityVersions(
          parseEntityRef(subject.entityRef),
        );
        return Object.fromEntries(
          subject.topics.map(topic => [
            entityVersionKey(subject.entityRef, topic),
            versions[topic] ?? 0,
          ]),
        );
      }
      if (subject.kind === 'schedule') {
        const { versions } = await api.getScheduleVersions(subject.scheduleId);
        return Object.fromEntries(
          subject.topics.map(topic => [
            scheduleVersionKey(subject.scheduleId, topic),
            versions[topic] ?? 0,
          ]),
        );
      }
      return {};
    }),
  );
  return highest(...parts);
}

const NOTHING_LOADED: LiveSnapshot<never> = {
  loading: false,
  interrupted: false,
};

/**
 * Loads a view's data through the Pulse API and keeps it current.
 *
 * With signals, it follows the subjects' channels and refetches when a hint announces a version
 * above the one on screen; it checks the cheap versions routes on tab focus, when the browser comes
 * back online (and again once the signals client has reconnected), and on a slow safety interval
 * (`pulse.live.checkIntervalSeconds`, 5 minutes by default), and refetches when one moved. Without
 * signals (an app without the signals plugin) it polls. Either way it refetches at `refetchAt`,
 * keeps at most one fetch in flight with one more queued, and keeps the data on screen meanwhile.
 */
export function useLiveData<T>(options: LiveDataOptions<T>): LiveData<T> {
  const { key, enabled = true } = options;
  const pulseApi = useApi(pulseApiRef);
  const apis = useApiHolder();
  const signalApi = apis.get(signalApiRef);
  const checkIntervalMs = readCheckIntervalMs(apis.get(configApiRef));
  const live = signalApi !== undefined;

  const optionsRef = useRef(options);
  optionsRef.current = options;
  const loaderRef = useRef<LiveLoader<T>>();
  const [shown, setShown] = useState<{
    key: string;
    snapshot: LiveSnapshot<T>;
  }>(() => ({ key, snapshot: { loading: enabled, interrupted: false } }));
  const snapshot: LiveSnapshot<T> =
    shown.key === key
      ? shown.snapshot
      : { loading: enabled, interrupted: false };
  const { value } = snapshot;

  const subjects =
    typeof options.subjects === 'function'
      ? options.subjects(value)
      : options.subjects;
  const subjectsRef = useRef(subjects);
  subjectsRef.current = subjects;
  const signature = subjectsSignature(subjects);

  // Subscribed before the first fetch starts, so that a change committed meanwhile is not missed.
  useEffect(() => {
    if (!signalApi || !enabled) {
      return undefined;
    }
    const subscriptions = subjectsRef.current.map(subject =>
      signalApi.subscribe(channelOf(subject), message => {
        const hint = readHint(subject, message);
        if (hint) {
          loaderRef.current?.hint(hint);
        }
      }),
    );
    return () => subscriptions.forEach(s => s.unsubscribe());
  }, [signalApi, signature, enabled]);

  useEffect(() => {
    if (!enabled) {
      setShown({ key, snapshot: NOTHING_LOADED });
      return undefined;
    }
    const loader = new LiveLoader<T>({
      live,
      load: () => optionsRef.current.load(),
      versionsOf: answer => optionsRef.current.versionsOf?.(answer) ?? {},
      checkVersions: () =>
        optionsRef.current.checkBy === 'refetch'
          ? Promise.resolve('refetch' as const)
          : currentVersions(pulseApi, subjectsRef.current),
      knownVersions: optionsRef.current.knownVersions,
      onChange: next => setShown({ key, snapshot: next }),
    });
    loaderRef.current = loader;
    setShown({ key, snapshot: { loading: true, interrupted: false } });
    loader.start();
    return () => {
      loader.dispose();
      if (loaderRef.current === loader) {
        loaderRef.current = undefined;
      }
    };
  }, [key, enabled, live, pulseApi]);

  const known = JSON.stringify(options.knownVersions ?? {});
  useEffect(() => {
    loaderRef.current?.seen(JSON.parse(known));
  }, [known]);

  // The checks for hints that may have been lost.
  useEffect(() => {
    if (!live || !enabled) {
      return undefined;
    }
    const check = () => loaderRef.current?.check();
    const onVisibility = () => {
      if (document.visibilityState === 'visible') check();
    };
    const onOnline = () => loaderRef.current?.reconnected();
    const onOffline = () => loaderRef.current?.disconnected();
    document.addEventListener('visibilitychange', onVisibility);
    window.addEventListener('focus', check);
    window.addEventListener('online', onOnline);
    window.addEventListener('offline', onOffline);
    const interval = setInterval(() => {
      if (document.visibilityState !== 'hidden') check();
    }, checkIntervalMs);
    return () => {
      document.removeEventListener('visibilitychange', onVisibility);
      window.removeEventListener('focus', check);
      window.removeEventListener('online', onOnline);
      window.removeEventListener('offline', onOffline);
      clearInterval(interval);
    };
  }, [live, enabled, checkIntervalMs, key]);

  const pollIntervalMs = options.pollIntervalMs?.(value) ?? POLL_INTERVAL_MS;
  useEffect(() => {
    if (live || !enabled) {
      return undefined;
    }
    const interval = setInterval(() => {
      if (document.visibilityState !== 'hidden') {
        loaderRef.current?.reload();
      }
    }, pollIntervalMs);
    return () => clearInterval(interval);
  }, [live, enabled, pollIntervalMs, key]);

  const refetchAt =
    value !== undefined ? options.refetchAt?.(value) ?? undefined : undefined;
  const refetchedFor = useRef<string>();
  useEffect(() => {
    const delay = refetchDelayMs(refetchAt, Date.now(), refetchedFor.current);
    if (!enabled || delay === undefined) {
      return undefined;
    }
    const timer = setTimeout(() => {
      refetchedFor.current = refetchAt;
      loaderRef.current?.reload();
    }, delay);
    return () => clearTimeout(timer);
  }, [refetchAt, enabled]);

  const reload = useCallback(() => loaderRef.current?.reload(), []);

  let state: LiveState = 'live';
  if (!live) {
    state = 'polling';
  } else if (snapshot.interrupted) {
    state = 'reconnecting';
  }

  return {
    value,
    error: snapshot.error,
    loading: snapshot.loading,
    reload,
    live: { state, pollIntervalMs },
  };
}
