import { CompoundEntityRef } from '@backstage/catalog-model';
import { createApiRef } from '@backstage/core-plugin-api';
import {
  TrackedEntity,
  TrackedEntityList,
} from '@internal/plugin-pulse-common';

/** Reads what the Pulse backend knows about catalog entities. */
export interface PulseApi {
  /** How Pulse sees one entity; rejects with a `ResponseError` (404 when the entity is not tracked). */
  getTrackedEntity(ref: CompoundEntityRef): Promise<TrackedEntity>;
  /** Every entity Pulse tracks. */
  listTrackedEntities(): Promise<TrackedEntityList>;
}

/** Reference to the {@link PulseApi}. */
export const pulseApiRef = createApiRef<PulseApi>({
  id: 'plugin.pulse.api',
});
