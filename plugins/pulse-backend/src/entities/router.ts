import {
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  GITHUB_PROJECT_SLUG_ANNOTATION,
  pulseReadPermission,
  TrackedEntityList,
} from '@internal/plugin-pulse-common';
import express from 'express';
import Router from 'express-promise-router';
import { describeTracking, GithubHosts } from './describeTracking';
import { TrackedEntityStore } from './TrackedEntityStore';

const REF_PART = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

/** Routes for the entities Pulse tracks, mounted under `/v1`. */
export function createEntitiesRouter(options: {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  catalog: CatalogService;
  store: TrackedEntityStore;
  hosts: GithubHosts;
}): express.Router {
  const { httpAuth, permissions, catalog, store, hosts } = options;
  const router = Router();

  async function requireRead(req: express.Request) {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const [decision] = await permissions.authorize(
      [{ permission: pulseReadPermission }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError('You are not allowed to read Pulse data');
    }
    return credentials;
  }

  router.get('/entities', async (req, res) => {
    await requireRead(req);
    const body: TrackedEntityList = { items: await store.list() };
    res.json(body);
  });

  router.get('/entities/:kind/:namespace/:name', async (req, res) => {
    const credentials = await requireRead(req);
    for (const param of ['kind', 'namespace', 'name'] as const) {
      if (!REF_PART.test(req.params[param])) {
        throw new InputError(
          `Invalid entity ${param} '${req.params[param]}': use letters, digits, '.', '_' or '-'`,
        );
      }
    }
    const entityRef = stringifyEntityRef({
      kind: req.params.kind,
      namespace: req.params.namespace,
      name: req.params.name,
    });

    // Reading through the catalog with the caller's credentials applies the catalog's own
    // permission rules: an entity the caller may not see is reported as unknown.
    const entity = await catalog.getEntityByRef(entityRef, { credentials });
    if (!entity) {
      await store.remove(entityRef);
      throw new NotFoundError(`Entity ${entityRef} is not in the catalog`);
    }
    const tracked = describeTracking(entity, hosts, new Date());
    if (!tracked) {
      await store.remove(entityRef);
      throw new NotFoundError(
        `Entity ${entityRef} is not tracked by Pulse: it has no ${GITHUB_PROJECT_SLUG_ANNOTATION} annotation`,
      );
    }
    await store.upsert([tracked]);
    res.json(tracked);
  });

  return router;
}
