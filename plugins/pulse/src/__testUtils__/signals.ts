import { SignalApi } from '@backstage/plugin-signals-react';
import { act } from '@testing-library/react';

type Message = Record<string, string | number>;

/**
 * A signal API for a test: it records who follows which channel, and `send` delivers a message to
 * a channel's subscribers the way the signals client does (inside `act`, so React renders it).
 * Register `api` for `signalApiRef`; leave it out to test an app without the signals plugin.
 */
export function createSignalApi() {
  const subscribers = new Map<string, Set<(message: Message) => void>>();
  const api: SignalApi = {
    subscribe(channel, onMessage) {
      const callback = onMessage as unknown as (message: Message) => void;
      const set = subscribers.get(channel) ?? new Set();
      set.add(callback);
      subscribers.set(channel, set);
      return {
        unsubscribe: () => {
          set.delete(callback);
          if (set.size === 0) subscribers.delete(channel);
        },
      };
    },
  };
  return {
    api,
    /** The channels someone follows now. */
    channels: () => [...subscribers.keys()].sort(),
    send: async (channel: string, message: Message) => {
      await act(async () => {
        for (const callback of subscribers.get(channel) ?? []) {
          callback(message);
        }
      });
    },
  };
}

/** A promise settled from outside: a request that answers when the test says so. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
