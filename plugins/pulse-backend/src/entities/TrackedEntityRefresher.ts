import { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import { Entity } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { GITHUB_PROJECT_SLUG_ANNOTATION } from '@pulse-oss/plugin-pulse-common';
import { describeTracking, GithubHosts } from './describeTracking';
import { TrackedEntityStore } from './TrackedEntityStore';

const PAGE_SIZE = 500;

/** Keeps the tracked-entity table equal to the catalog's annotated entities. */
export class TrackedEntityRefresher {
  constructor(
    private readonly options: {
      catalog: CatalogService;
      auth: AuthService;
      store: TrackedEntityStore;
      hosts: GithubHosts;
      logger: LoggerService;
      now?: () => Date;
    },
  ) {}

  private async *annotatedEntities(): AsyncGenerator<Entity> {
    const { catalog, auth } = this.options;
    const credentials = await auth.getOwnServiceCredentials();
    let cursor: string | undefined;
    do {
      const page = cursor
        ? await catalog.queryEntities(
            { cursor, limit: PAGE_SIZE },
            { credentials },
          )
        : await catalog.queryEntities(
            {
              filter: {
                [`metadata.annotations.${GITHUB_PROJECT_SLUG_ANNOTATION}`]:
                  CATALOG_FILTER_EXISTS,
              },
              orderFields: { field: 'metadata.name', order: 'asc' },
              limit: PAGE_SIZE,
            },
            { credentials },
          );
      yield* page.items;
      cursor = page.pageInfo.nextCursor;
    } while (cursor);
  }

  async refresh(): Promise<{
    tracked: number;
    invalid: number;
    removed: number;
  }> {
    const { store, hosts, logger } = this.options;
    const now = this.options.now?.() ?? new Date();
    const tracked = [];
    for await (const entity of this.annotatedEntities()) {
      const described = describeTracking(entity, hosts, now);
      if (described) {
        tracked.push(described);
      }
    }
    const { removed } = await store.replaceAll(tracked);
    const invalid = tracked.filter(e => !e.valid);
    for (const entity of invalid) {
      logger.warn(
        `Pulse cannot use the repository link of ${
          entity.entityRef
        }: ${entity.problems.join(' ')}`,
      );
    }
    logger.info(
      `Pulse tracks ${tracked.length} entities (${invalid.length} with an unusable link, ${removed} no longer tracked)`,
    );
    return { tracked: tracked.length, invalid: invalid.length, removed };
  }
}
