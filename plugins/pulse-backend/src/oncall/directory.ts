import { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { RELATION_HAS_MEMBER } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { Entity } from '@backstage/catalog-model';
import { Knex } from 'knex';
import { OncallConfig } from './config';
import { scheduleAudience } from './scheduleAudience';

const TABLE = 'pulse_oncall_directory';
const AUDIENCE_TABLE = 'pulse_oncall_schedule_audience';

/**
 * The groups and users that schedules and policies name, as last read from the catalog. Kept in
 * the database so that every replica pages the same people and a restart does not forget them.
 */
export class DirectorySnapshot {
  constructor(
    private readonly groups: Map<string, string[]>,
    private readonly missing: Set<string>,
  ) {}

  static empty(): DirectorySnapshot {
    return new DirectorySnapshot(new Map(), new Set());
  }

  /**
   * The group's user members, sorted; empty for an unknown or not yet read group. Members gone
   * from the catalog are left out unless `includeMissing` (a rotation keeps their slot as a gap).
   */
  groupMembers(
    groupRef: string,
    options: { includeMissing?: boolean } = {},
  ): string[] {
    const members = this.groups.get(groupRef) ?? [];
    return options.includeMissing
      ? members
      : members.filter(ref => !this.missing.has(ref));
  }

  /** Users and groups the catalog no longer has: their rotation slots become gaps. */
  get missingRefs(): ReadonlySet<string> {
    return this.missing;
  }

  isMissing(ref: string): boolean {
    return this.missing.has(ref);
  }
}

interface DirectoryRow {
  ref: string;
  kind: string;
  found: boolean | number;
  members: string;
}

/** All SQL for the directory. */
export class DirectoryStore {
  constructor(private readonly db: Knex) {}

  async load(): Promise<DirectorySnapshot> {
    const rows = await this.db<DirectoryRow>(TABLE).select();
    const groups = new Map<string, string[]>();
    const missing = new Set<string>();
    for (const row of rows) {
      if (!row.found) {
        missing.add(row.ref);
      } else if (row.kind === 'group') {
        groups.set(row.ref, JSON.parse(row.members));
      }
    }
    return new DirectorySnapshot(groups, missing);
  }

  async replace(
    entries: Array<{
      ref: string;
      kind: 'user' | 'group';
      found: boolean;
      members: string[];
    }>,
    now: Date,
  ): Promise<void> {
    await this.db.transaction(async tx => {
      await tx(TABLE).delete();
      const rows = entries.map(entry => ({
        ref: entry.ref,
        kind: entry.kind,
        found: entry.found,
        members: JSON.stringify(entry.members),
        refreshed_at: now,
      }));
      for (let i = 0; i < rows.length; i += 200) {
        await tx(TABLE).insert(rows.slice(i, i + 200));
      }
    });
  }
}

/** All SQL for who each schedule concerns beyond its members (see `scheduleAudience`). */
export class ScheduleAudienceStore {
  constructor(private readonly db: Knex) {}

  /** The owner refs per schedule id. */
  async load(scheduleIds?: string[]): Promise<Map<string, string[]>> {
    const query = this.db(AUDIENCE_TABLE)
      .select<{ schedule_id: string; owner_ref: string }[]>(
        'schedule_id',
        'owner_ref',
      )
      .orderBy(['schedule_id', 'owner_ref']);
    if (scheduleIds) {
      query.whereIn('schedule_id', scheduleIds);
    }
    const result = new Map<string, string[]>();
    for (const row of await query) {
      const list = result.get(row.schedule_id) ?? [];
      list.push(row.owner_ref);
      result.set(row.schedule_id, list);
    }
    return result;
  }

  async replace(audience: Map<string, string[]>): Promise<void> {
    const rows = [...audience].flatMap(([scheduleId, owners]) =>
      owners.map(owner => ({ schedule_id: scheduleId, owner_ref: owner })),
    );
    await this.db.transaction(async tx => {
      await tx(AUDIENCE_TABLE).delete();
      for (let i = 0; i < rows.length; i += 200) {
        await tx(AUDIENCE_TABLE).insert(rows.slice(i, i + 200));
      }
    });
  }
}

/** Every user and group ref that on-call config names. */
export function referencedRefs(config: OncallConfig): {
  users: string[];
  groups: string[];
} {
  const users = new Set<string>();
  const groups = new Set<string>();
  const add = (ref: string) =>
    (ref.startsWith('group:') ? groups : users).add(ref);
  for (const schedule of config.schedules) {
    for (const layer of schedule.layers) {
      layer.members.forEach(member => member && add(member));
    }
  }
  for (const policy of config.policies) {
    for (const step of policy.steps) {
      for (const target of step.targets) {
        if (target.type === 'user') add(target.userRef);
        if (target.type === 'group') add(target.groupRef);
      }
    }
  }
  return { users: [...users].sort(), groups: [...groups].sort() };
}

/** Reads the referenced groups' members and checks the referenced users from the catalog. */
export class DirectoryRefresher {
  constructor(
    private readonly options: {
      config: OncallConfig;
      catalog: CatalogService;
      auth: AuthService;
      store: DirectoryStore;
      audience: ScheduleAudienceStore;
      /** Entity kinds (lower case) that own incidents, whose owners a schedule concerns. */
      incidentKinds?: string[];
      logger: LoggerService;
      now?: () => Date;
    },
  ) {}

  /** The entities that can have incidents, with what choosing their policy needs. */
  private async incidentEntities(
    credentials: Awaited<ReturnType<AuthService['getOwnServiceCredentials']>>,
  ): Promise<Entity[]> {
    const { catalog } = this.options;
    const kinds = this.options.incidentKinds ?? [
      'component',
      'resource',
      'system',
    ];
    const entities: Entity[] = [];
    let cursor: string | undefined;
    do {
      const page = cursor
        ? await catalog.queryEntities({ cursor, limit: 500 }, { credentials })
        : await catalog.queryEntities(
            {
              filter: { kind: kinds },
              fields: [
                'kind',
                'metadata.name',
                'metadata.namespace',
                'metadata.annotations',
                'spec.owner',
                'relations',
              ],
              limit: 500,
            },
            { credentials },
          );
      entities.push(...page.items);
      cursor = page.pageInfo.nextCursor;
    } while (cursor);
    return entities;
  }

  async refresh(): Promise<{
    groups: number;
    users: number;
    missing: string[];
  }> {
    const { config, catalog, auth, store, logger } = this.options;
    const { users, groups } = referencedRefs(config);
    const credentials = await auth.getOwnServiceCredentials();
    const groupEntities = groups.length
      ? (
          await catalog.getEntitiesByRefs(
            { entityRefs: groups, fields: ['kind', 'metadata', 'relations'] },
            { credentials },
          )
        ).items
      : [];
    const entries: Parameters<DirectoryStore['replace']>[0] = [];
    const missing: string[] = [];
    groups.forEach((ref, index) => {
      const entity = groupEntities[index];
      const members = (entity?.relations ?? [])
        .filter(r => r.type === RELATION_HAS_MEMBER)
        .map(r => r.targetRef.toLocaleLowerCase('en-US'))
        .filter(member => member.startsWith('user:'))
        .sort();
      if (!entity) {
        missing.push(ref);
      }
      entries.push({ ref, kind: 'group', found: Boolean(entity), members });
    });
    const userEntities = users.length
      ? (
          await catalog.getEntitiesByRefs(
            { entityRefs: users, fields: ['kind', 'metadata.name'] },
            { credentials },
          )
        ).items
      : [];
    users.forEach((ref, index) => {
      const found = Boolean(userEntities[index]);
      if (!found) {
        missing.push(ref);
      }
      entries.push({ ref, kind: 'user', found, members: [] });
    });
    await store.replace(entries, this.options.now?.() ?? new Date());
    await this.options.audience.replace(
      scheduleAudience(config, await this.incidentEntities(credentials)),
    );
    for (const ref of missing) {
      logger.warn(
        `On-call config names ${ref}, which is not in the catalog; its rotation slots are gaps and it is not paged`,
      );
    }
    return { groups: groups.length, users: users.length, missing };
  }
}
