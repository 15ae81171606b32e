import {
  CompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { assertError } from '@backstage/errors';
import { SyncStatus } from '@internal/plugin-pulse-common';
import { useCallback, useEffect, useRef, useState } from 'react';
import { pulseApiRef } from '../../api';
import { describeSyncRequestError } from './errors';
import { usePolledAsync } from './usePolledAsync';

/** How often card data is reloaded until the live stream replaces polling. */
export const POLL_INTERVAL_MS = 30_000;
/** How often the sync status is reloaded while a sync runs or is queued, to show its progress. */
export const ACTIVE_SYNC_POLL_INTERVAL_MS = 5_000;

function isActive(status: SyncStatus | undefined): boolean {
  if (!status) {
    return false;
  }
  return (
    status.state === 'pending' ||
    status.state === 'backfilling' ||
    status.state === 'syncing' ||
    status.requestedAt !== null
  );
}

/** Why the last refresh request failed. */
export interface SyncRequestMessage {
  severity: 'warning' | 'error';
  message: string;
}

/** State and actions of an entity's GitHub sync, from {@link useEntitySync}. */
export interface EntitySync {
  status?: SyncStatus;
  error?: Error;
  /** True while a refresh request is in flight. */
  requesting: boolean;
  message?: SyncRequestMessage;
  /** Requests an immediate sync, then reloads the status and calls `onSynced`. */
  requestSync: () => Promise<void>;
  dismissMessage: () => void;
}

/**
 * The sync status of an entity's repository, polled; `onSynced` runs whenever a sync completes
 * (the last-synced time moves) and after a sync is requested, so that cards reload their data.
 */
export function useEntitySync(
  entityRef: CompoundEntityRef,
  onSynced: () => void,
): EntitySync {
  const pulseApi = useApi(pulseApiRef);
  const { kind, namespace, name } = entityRef;
  const [pollInterval, setPollInterval] = useState(POLL_INTERVAL_MS);
  const sync = usePolledAsync(
    stringifyEntityRef(entityRef),
    () => pulseApi.getSyncStatus({ kind, namespace, name }),
    pollInterval,
  );
  const status = sync.value;

  useEffect(() => {
    setPollInterval(
      isActive(status) ? ACTIVE_SYNC_POLL_INTERVAL_MS : POLL_INTERVAL_MS,
    );
  }, [status]);

  const onSyncedRef = useRef(onSynced);
  onSyncedRef.current = onSynced;
  const lastSyncedAt = status?.lastSyncedAt;
  const seenSyncedAt = useRef<string | null | undefined>(undefined);
  useEffect(() => {
    if (lastSyncedAt === undefined) {
      return;
    }
    if (
      seenSyncedAt.current !== undefined &&
      seenSyncedAt.current !== lastSyncedAt
    ) {
      onSyncedRef.current();
    }
    seenSyncedAt.current = lastSyncedAt;
  }, [lastSyncedAt]);

  const [requesting, setRequesting] = useState(false);
  const [message, setMessage] = useState<SyncRequestMessage>();
  const { reload } = sync;

  const requestSync = useCallback(async () => {
    setRequesting(true);
    setMessage(undefined);
    try {
      await pulseApi.requestSync({ kind, namespace, name });
      reload();
      onSyncedRef.current();
    } catch (error) {
      assertError(error);
      setMessage(describeSyncRequestError(error));
    } finally {
      setRequesting(false);
    }
  }, [pulseApi, kind, namespace, name, reload]);

  const dismissMessage = useCallback(() => setMessage(undefined), []);

  return {
    status,
    error: sync.error,
    requesting,
    message,
    requestSync,
    dismissMessage,
  };
}
