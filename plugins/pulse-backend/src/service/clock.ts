import {
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';

/**
 * The one clock convention of the backend: services take a `Clock` (default {@link systemClock})
 * and tests pass a fake one. Nothing reads `new Date()` for a decision where a clock is injected.
 */
export interface Clock {
  now(): Date;
}

/** The real time. */
export const systemClock: Clock = { now: () => new Date() };

/**
 * The clock the Pulse plugin runs on; the real time unless a test installs another with
 * `createServiceFactory({ service: pulseClockServiceRef, deps: {}, factory: () => clock })`.
 */
export const pulseClockServiceRef = createServiceRef<Clock>({
  id: 'pulse.clock',
  scope: 'plugin',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: {},
      factory: () => systemClock,
    }),
});
