import { CompoundEntityRef } from '@backstage/catalog-model';
import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  TrackedEntity,
  TrackedEntityList,
} from '@internal/plugin-pulse-common';
import { PulseApi } from './PulseApi';

/** The {@link PulseApi} over the Pulse backend's REST API. */
export class PulseClient implements PulseApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  async getTrackedEntity(ref: CompoundEntityRef): Promise<TrackedEntity> {
    const path = [ref.kind, ref.namespace, ref.name]
      .map(segment => encodeURIComponent(segment))
      .join('/');
    return this.get<TrackedEntity>(`/v1/entities/${path}`);
  }

  async listTrackedEntities(): Promise<TrackedEntityList> {
    return this.get<TrackedEntityList>('/v1/entities');
  }

  private async get<T>(path: string): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('pulse');
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`);
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }
}
