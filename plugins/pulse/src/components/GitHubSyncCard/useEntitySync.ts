import { CompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { assertError } from '@backstage/errors';
import { SyncStatus } from '@pulse-oss/plugin-pulse-common';
import { useCallback, useState } from 'react';
import { pulseApiRef } from '../../api';
import { describeSyncRequestError } from './errors';

/** Why the last refresh request failed. */
export interface SyncRequestMessage {
  severity: 'warning' | 'error';
  message: string;
}

/** State and actions of an entity's GitHub sync, from {@link useEntitySync}. */
export interface EntitySync {
  status?: SyncStatus;
  /** True while a refresh request is in flight. */
  requesting: boolean;
  message?: SyncRequestMessage;
  /** Requests an immediate sync, then calls the card's `reload` so that its data and status refresh. */
  requestSync: () => Promise<void>;
  dismissMessage: () => void;
}

/**
 * The sync state of an entity's repository as the card's data reported it (`status`), and the
 * refresh action: it asks for a sync, then calls `reload` so the card fetches again.
 */
export function useEntitySync(
  entityRef: CompoundEntityRef,
  status: SyncStatus | undefined,
  reload: () => void,
): EntitySync {
  const pulseApi = useApi(pulseApiRef);
  const { kind, namespace, name } = entityRef;
  const [requesting, setRequesting] = useState(false);
  const [message, setMessage] = useState<SyncRequestMessage>();

  const requestSync = useCallback(async () => {
    setRequesting(true);
    setMessage(undefined);
    try {
      await pulseApi.requestSync({ kind, namespace, name });
      reload();
    } catch (error) {
      assertError(error);
      setMessage(describeSyncRequestError(error));
    } finally {
      setRequesting(false);
    }
  }, [pulseApi, kind, namespace, name, reload]);

  const dismissMessage = useCallback(() => setMessage(undefined), []);

  return { status, requesting, message, requestSync, dismissMessage };
}
