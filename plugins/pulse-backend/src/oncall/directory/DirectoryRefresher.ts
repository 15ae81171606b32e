import { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { Entity, RELATION_HAS_MEMBER } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { Clock, systemClock } from '../../service/clock';
import { OncallConfig } from '../config';
import { DirectoryStore } from './DirectoryStore';
import { referencedRefs } from './referencedRefs';
import { scheduleAudience } from './scheduleAudience';
import { ScheduleAudienceStore } from './ScheduleAudienceStore';

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
      clock?: Clock;
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
    /** Groups the catalog has, with no user members yet (or at all). */
    emptyGroups: string[];
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
    const emptyGroups: string[] = [];
    groups.forEach((ref, index) => {
      const entity = groupEntities[index];
      const members = (entity?.relations ?? [])
        .filter(r => r.type === RELATION_HAS_MEMBER)
        .map(r => r.targetRef.toLocaleLowerCase('en-US'))
        .filter(member => member.startsWith('user:'))
        .sort();
      if (!entity) {
        missing.push(ref);
      } else if (members.length === 0) {
        emptyGroups.push(ref);
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
    await store.replace(entries, (this.options.clock ?? systemClock).now());
    await this.options.audience.replace(
      scheduleAudience(config, await this.incidentEntities(credentials)),
    );
    for (const ref of missing) {
      logger.warn(
        `On-call config names ${ref}, which is not in the catalog; its rotation slots are gaps and it is not paged`,
      );
    }
    return {
      groups: groups.length,
      users: users.length,
      missing,
      emptyGroups,
    };
  }
}

/** How often the directory is read while it is complete, and while it is not. */
export const DIRECTORY_REFRESH_EVERY_MS = 5 * 60_000;
export const DIRECTORY_RETRY_EVERY_MS = 30_000;
/** Incomplete reads in a row after which a lasting gap (a config typo) waits the full period. */
export const DIRECTORY_RETRIES = 10;

/** The last directory read: when, whether it found everything, and incomplete reads in a row. */
export interface DirectoryReadState {
  at: Date;
  complete: boolean;
  incompleteInARow: number;
}

/**
 * Whether the directory task's tick (every `DIRECTORY_RETRY_EVERY_MS`) reads the catalog. While
 * a referenced user or group is missing or a group has no members yet — a catalog still
 * ingesting at start-up, or an edit not yet processed — it reads on every tick for up to
 * `DIRECTORY_RETRIES` ticks, so a schedule does not show nobody on call for minutes; otherwise
 * every `DIRECTORY_REFRESH_EVERY_MS`.
 */
export function directoryRefreshDue(
  last: DirectoryReadState | undefined,
  now: Date,
): boolean {
  if (!last) {
    return true;
  }
  if (!last.complete && last.incompleteInARow < DIRECTORY_RETRIES) {
    return true;
  }
  return now.getTime() - last.at.getTime() >= DIRECTORY_REFRESH_EVERY_MS;
}

export function nextDirectoryReadState(
  last: DirectoryReadState | undefined,
  result: { missing: string[]; emptyGroups: string[] },
  at: Date,
): DirectoryReadState {
  const complete =
    result.missing.length === 0 && result.emptyGroups.length === 0;
  return {
    at,
    complete,
    incompleteInARow: complete ? 0 : (last?.incompleteInARow ?? 0) + 1,
  };
}
