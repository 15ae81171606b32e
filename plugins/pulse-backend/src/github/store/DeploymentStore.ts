import { Knex } from 'knex';
import { DeploymentRecord } from '../githubRecords';
import {
  READ_BATCH,
  requireDate,
  TABLES,
  toDate,
  toNumberOrNull,
  upsertRows,
} from './rows';

/** A stored deployment and its latest status. */
export interface StoredDeployment extends DeploymentRecord {
  state: string | null;
  statusId: number | null;
  statusAt: Date | null;
  /**
   * When it got its first `success` status: kept when GitHub later marks it `inactive` (a newer
   * deployment to the environment succeeded) or it fails afterwards.
   */
  succeededAt: Date | null;
  statusesEtag: string | null;
}

/** Deployments with their latest status, and the webhook deliveries already applied. */
export class DeploymentStore {
  constructor(private readonly db: Knex) {}

  // -------------------------------------------------------------------------------------------
  // Deployments

  async getDeployments(
    repositoryId: number,
    ids: number[],
  ): Promise<Map<number, StoredDeployment>> {
    const result = new Map<number, StoredDeployment>();
    for (let i = 0; i < ids.length; i += READ_BATCH) {
      const rows = await this.db(TABLES.deployments)
        .where({ repository_id: repositoryId })
        .whereIn('id', ids.slice(i, i + READ_BATCH));
      for (const row of rows) {
        result.set(Number(row.id), deploymentFromRow(row));
      }
    }
    return result;
  }

  async listUnfinishedDeployments(
    repositoryId: number,
    since: Date,
  ): Promise<StoredDeployment[]> {
    const rows = await this.db(TABLES.deployments)
      .where({ repository_id: repositoryId })
      .andWhere('created_at', '>=', since)
      .andWhere(q =>
        q
          .whereNull('state')
          .orWhereIn('state', ['pending', 'queued', 'in_progress']),
      );
    return rows.map(deploymentFromRow);
  }

  async upsertDeployment(
    repositoryId: number,
    deployment: StoredDeployment,
  ): Promise<void> {
    await this.upsertDeployments(repositoryId, [deployment]);
  }

  async upsertDeployments(
    repositoryId: number,
    deployments: StoredDeployment[],
  ): Promise<void> {
    const rows = deployments.map(deployment => ({
      repository_id: repositoryId,
      id: deployment.id,
      environment: deployment.environment.slice(0, 255),
      sha: deployment.sha,
      ref: deployment.ref.slice(0, 255),
      state: deployment.state,
      created_at: deployment.createdAt,
      updated_at: deployment.updatedAt,
      status_id: deployment.statusId,
      status_at: deployment.statusAt,
      succeeded_at: deployment.succeededAt,
      statuses_etag: deployment.statusesEtag,
    }));
    await upsertRows(this.db, TABLES.deployments, rows, [
      'repository_id',
      'id',
    ]);
  }

  // -------------------------------------------------------------------------------------------
  // Webhook deliveries

  /** Records a delivery id; false when it was already recorded (a duplicate delivery). */
  async recordDelivery(
    deliveryId: string,
    event: string,
    now: Date,
  ): Promise<boolean> {
    // One statement: a delivery already recorded (or being recorded by a transaction that then
    // commits) inserts nothing and returns no row.
    const inserted = await this.db(TABLES.deliveries)
      .insert({ delivery_id: deliveryId, event, received_at: now })
      .onConflict('delivery_id')
      .ignore()
      .returning('delivery_id');
    return inserted.length > 0;
  }

  /** Deletes deployments created before `before`; returns how many. */
  async deleteExpired(before: Date): Promise<number> {
    return this.db(TABLES.deployments)
      .where('created_at', '<', before)
      .delete();
  }

  /** Forgets webhook deliveries received before `before`; returns how many. */
  async deleteDeliveriesBefore(before: Date): Promise<number> {
    return this.db(TABLES.deliveries)
      .where('received_at', '<', before)
      .delete();
  }
}

function deploymentFromRow(row: Record<string, any>): StoredDeployment {
  return {
    id: Number(row.id),
    environment: row.environment,
    sha: row.sha,
    ref: row.ref,
    createdAt: requireDate(row.created_at),
    updatedAt: requireDate(row.updated_at),
    state: row.state,
    statusId: toNumberOrNull(row.status_id),
    statusAt: toDate(row.status_at),
    succeededAt: toDate(row.succeeded_at),
    statusesEtag: row.statuses_etag,
  };
}
