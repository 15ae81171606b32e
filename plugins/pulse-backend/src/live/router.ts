import { NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  ActivityItem,
  ActivityPage,
  EntityVersions,
  pulseIncidentReadPermission,
  pulseOnCallReadPermission,
} from '@pulse-oss/plugin-pulse-common';
import { memberEntityRefs } from '../entities/memberEntities';
import { decodeCursor, encodeCursor } from '../service/cursor';
import { entityRefFromPath } from '../service/entityRefs';
import { RequestKit } from '../service/requestKit';
import { callerOf, PulseApiRouter } from '../service/router';
import { ActivityRecord, ActivityStore } from './ActivityStore';
import { scheduleSubject } from './topics';
import { VersionStore } from './VersionStore';

function toItem(record: ActivityRecord): ActivityItem {
  return {
    id: record.id,
    type: record.type,
    entityRef: record.entityRef,
    occurredAt: record.occurredAt.toISOString(),
    payload: record.payload,
  };
}

/**
 * The live domain's routes: the versions a client compares with what it rendered, and the activity
 * feeds, for entities the caller may see (incident events only where `pulse.incident.read` allows).
 */
export function addLiveRoutes(options: {
  kit: RequestKit;
  catalog: CatalogService;
  activity: ActivityStore;
  versions: VersionStore;
  scheduleExists: (id: string) => boolean;
}): (router: PulseApiRouter) => void {
  const { kit, catalog, activity, versions } = options;

  return router => {
    router.get(
      '/entities/:kind/:namespace/:name/versions',
      async (req, res) => {
        const caller = callerOf(res);
        const entityRef = entityRefFromPath(req.params);
        await kit.requireVisibleEntity(caller, entityRef);
        const body: EntityVersions = {
          entityRef,
          versions: await versions.versionsOf(entityRef),
        };
        res.json(body);
      },
    );

    router.get('/schedules/:id/versions', async (req, res) => {
      const caller = callerOf(res);
      const { id } = req.params;
      if (
        !options.scheduleExists(id) ||
        !(await kit.isAllowed(caller, pulseOnCallReadPermission, id))
      ) {
        throw new NotFoundError(`No schedule with id '${id}'`);
      }
      res.json({
        scheduleId: id,
        versions: await versions.versionsOf(scheduleSubject(id)),
      });
    });

    router.get(
      '/entities/:kind/:namespace/:name/activity',
      async (req, res) => {
        const caller = callerOf(res);
        const entityRef = entityRefFromPath(req.params);
        await kit.requireVisibleEntity(caller, entityRef);
        const limit = req.query.limit ?? 25;

        if (req.params.kind.toLocaleLowerCase('en-US') === 'group') {
          const scope = `activity:team:${entityRef}`;
          const before = req.query.before
            ? decodeCursor<number>(scope, req.query.before, 'number')
            : undefined;
          const team = await memberEntityRefs(
            catalog,
            caller.credentials,
            entityRef,
          );
          const readable = await kit.readableEntityRefs(
            caller,
            pulseIncidentReadPermission,
            team,
          );
          const records = await activity.entitiesFeed(team, {
            beforeSequence: before?.id,
            limit: limit + 1,
            withoutIncidentsOf: team.filter(ref => !readable.has(ref)),
          });
          const page = records.slice(0, limit);
          const last = page[page.length - 1];
          const body: ActivityPage = {
            items: page.map(toItem),
            nextCursor:
              records.length > limit && last
                ? encodeCursor(scope, {
                    at: last.occurredAt.getTime(),
                    id: last.sequence,
                  })
                : null,
            version: 0,
          };
          res.json(body);
          return;
        }

        const scope = `activity:entity:${entityRef}`;
        const before = req.query.before
          ? decodeCursor<number>(scope, req.query.before, 'number')
          : undefined;
        const canReadIncidents = await kit.isAllowed(
          caller,
          pulseIncidentReadPermission,
          entityRef,
        );
        // The version is read before the feed, so the page is at least as new as the version.
        const version = await versions.versionOf(entityRef, 'activity');
        const records = await activity.entityFeed(entityRef, {
          beforePosition: before?.id,
          limit: limit + 1,
          withoutIncidents: !canReadIncidents,
        });
        const page = records.slice(0, limit);
        const last = page[page.length - 1];
        const body: ActivityPage = {
          items: page.map(toItem),
          nextCursor:
            records.length > limit && last
              ? encodeCursor(scope, {
                  at: last.occurredAt.getTime(),
                  id: last.feedPosition!,
                })
              : null,
          version,
        };
        res.json(body);
      },
    );
  };
}
