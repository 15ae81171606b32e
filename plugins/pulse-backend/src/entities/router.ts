import {
  GITHUB_PROJECT_SLUG_ANNOTATION,
  TrackedEntity,
  TrackedEntityList,
} from '@pulse-oss/plugin-pulse-common';
import { NotFoundError } from '@backstage/errors';
import { entityRefFromPath } from '../service/entityRefs';
import { RequestKit } from '../service/requestKit';
import { callerOf, PulseApiRouter } from '../service/router';
import { describeTracking, GithubHosts } from './describeTracking';
import { TrackedEntityStore } from './TrackedEntityStore';

/**
 * The entity routes. Both only read: which entities Pulse tracks is decided by the tracked-entity
 * refresher alone, with its own credentials.
 */
export function addEntityRoutes(options: {
  kit: RequestKit;
  store: TrackedEntityStore;
  hosts: GithubHosts;
  now?: () => Date;
}): (router: PulseApiRouter) => void {
  const { kit, store, hosts } = options;
  const now = options.now ?? (() => new Date());

  return router => {
    router.get('/entities', async (_req, res) => {
      const caller = callerOf(res);
      const tracked = await store.list();
      const visible = await kit.visibleEntityRefs(
        caller,
        tracked.map(entity => entity.entityRef.toLocaleLowerCase('en-US')),
      );
      const body: TrackedEntityList = {
        items: tracked.filter(entity =>
          visible.has(entity.entityRef.toLocaleLowerCase('en-US')),
        ),
      };
      res.json(body);
    });

    router.get('/entities/:kind/:namespace/:name', async (req, res) => {
      const caller = callerOf(res);
      const entityRef = entityRefFromPath(req.params);
      // The stored row is read while the catalog is asked; it is sent only if the caller sees the
      // entity.
      const { entity, data: storedByPath } = await kit.readVisibleEntity(
        caller,
        entityRef,
        () => store.get(entityRef),
      );
      const described = describeTracking(entity, hosts, now());
      if (!described) {
        throw new NotFoundError(
          `Entity ${entityRef} is not tracked by Pulse: it has no ${GITHUB_PROJECT_SLUG_ANNOTATION} annotation`,
        );
      }
      // The stored row says when the refresher last saw the entity; until it has, the entity is
      // described from the catalog as the caller sees it now. The refresher stores the ref as the
      // catalog spells it, which the path need not.
      const stored =
        storedByPath?.entityRef === described.entityRef
          ? storedByPath
          : await store.get(described.entityRef);
      const body: TrackedEntity =
        stored && stored.repository?.slug === described.repository?.slug
          ? stored
          : described;
      res.json(body);
    });
  };
}
