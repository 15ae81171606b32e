import {
  parseEntityRef,
  RELATION_PARENT_OF,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { CatalogService } from '@backstage/plugin-catalog-node';

/** The most groups a team walks down, and the most entities it covers. */
export const MAX_TEAM_GROUPS = 500;
export const MAX_MEMBER_ENTITIES = 2000;

/** The kinds whose entities have members: a group's owned entities, a system's parts. */
export function hasMembers(entityRef: string): boolean {
  const kind = parseEntityRef(entityRef).kind.toLocaleLowerCase('en-US');
  return kind === 'group' || kind === 'system';
}

async function descendantGroups(
  catalog: CatalogService,
  credentials: BackstageCredentials,
  groupRef: string,
): Promise<string[]> {
  const groups = new Set<string>([groupRef]);
  let frontier = [groupRef];
  while (frontier.length > 0 && groups.size < MAX_TEAM_GROUPS) {
    const { items } = await catalog.getEntitiesByRefs(
      { entityRefs: frontier, fields: ['relations'] },
      { credentials },
    );
    frontier = [];
    for (const group of items) {
      for (const relation of group?.relations ?? []) {
        const child = relation.targetRef.toLocaleLowerCase('en-US');
        if (relation.type === RELATION_PARENT_OF && !groups.has(child)) {
          groups.add(child);
          frontier.push(child);
        }
      }
    }
  }
  return [...groups];
}

/**
 * The entities a group and its child groups own, or a system contains (its `partOf`
 * relations), as the catalog shows them to `credentials`: normalised refs, at most
 * {@link MAX_MEMBER_ENTITIES}. Any other kind has none.
 */
export async function memberEntityRefs(
  catalog: CatalogService,
  credentials: BackstageCredentials,
  entityRef: string,
): Promise<string[]> {
  const kind = parseEntityRef(entityRef).kind.toLocaleLowerCase('en-US');
  let filter: Record<string, string[]>;
  if (kind === 'group') {
    filter = {
      'relations.ownedBy': await descendantGroups(
        catalog,
        credentials,
        entityRef,
      ),
    };
  } else if (kind === 'system') {
    filter = { 'relations.partOf': [entityRef] };
  } else {
    return [];
  }
  const refs: string[] = [];
  let cursor: string | undefined;
  do {
    const page = cursor
      ? await catalog.queryEntities({ cursor, limit: 500 }, { credentials })
      : await catalog.queryEntities(
          {
            filter,
            fields: ['kind', 'metadata.name', 'metadata.namespace'],
            limit: 500,
          },
          { credentials },
        );
    refs.push(
      ...page.items.map(entity =>
        stringifyEntityRef(entity).toLocaleLowerCase('en-US'),
      ),
    );
    cursor = page.pageInfo.nextCursor;
  } while (cursor && refs.length < MAX_MEMBER_ENTITIES);
  return refs.slice(0, MAX_MEMBER_ENTITIES);
}
