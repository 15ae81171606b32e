import { SyncStatus, TrackedEntity } from '@pulse-oss/plugin-pulse-common';

/** payments-api as Pulse tracks it: linked to `acme/payments-api` on github.com, valid. */
export function trackedEntityFixture(
  overrides: Partial<TrackedEntity> = {},
): TrackedEntity {
  return {
    entityRef: 'component:default/payments-api',
    kind: 'component',
    namespace: 'default',
    name: 'payments-api',
    repository: {
      slug: 'acme/payments-api',
      owner: 'acme',
      name: 'payments-api',
      host: 'github.com',
      htmlUrl: 'https://github.com/acme/payments-api',
    },
    valid: true,
    problems: [],
    refreshedAt: new Date().toISOString(),
    ...overrides,
  };
}

/** The sync of `acme/payments-api`, idle after a completed sync. */
export function syncStatusFixture(
  overrides: Partial<SyncStatus> = {},
): SyncStatus {
  return {
    version: 1,
    repository: 'acme/payments-api',
    host: 'github.com',
    state: 'idle',
    progressPercent: 100,
    itemsSynced: 2,
    lastError: null,
    pausedUntil: null,
    requestedAt: null,
    lastSyncedAt: new Date().toISOString(),
    ...overrides,
  };
}
