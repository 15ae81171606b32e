/**
 * The backend that `crash-restart.ts` starts, SIGKILLs and starts again: Backstage's own core
 * services (database, scheduler, HTTP, auth, events) with the events backend, its GitHub module
 * and Pulse. Two stand-ins: the catalog is an in-memory catalog of the entities in
 * `PULSE_CRASH_ENTITIES` (a JSON file), and notifications are appended, one JSON line each, to
 * `PULSE_CRASH_NOTIFICATIONS`, so that the orchestrator can count every page sent.
 *
 *   node -r @backstage/cli/config/nodeTransform.cjs bench/crashRestartBackend.ts --config <app-config>
 */
// The backend, the events backend and its GitHub module are what packages/backend runs; they
// are resolvable here from the repository root.
// eslint-disable-next-line @backstage/no-undeclared-imports
import { createBackend } from '@backstage/backend-defaults';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { InMemoryCatalogClient } from '@backstage/catalog-client/testUtils';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import { appendFileSync, readFileSync } from 'node:fs';

const entities: Entity[] = JSON.parse(
  readFileSync(process.env.PULSE_CRASH_ENTITIES!, 'utf8'),
);
const notificationsFile = process.env.PULSE_CRASH_NOTIFICATIONS!;

const backend = createBackend();
backend.add(
  createServiceFactory({
    service: catalogServiceRef,
    deps: {},
    factory: () => new InMemoryCatalogClient({ entities }),
  }),
);
backend.add(
  createServiceFactory({
    service: notificationService,
    deps: {},
    factory: () => ({
      async send(options) {
        const recipients = options.recipients;
        appendFileSync(
          notificationsFile,
          `${JSON.stringify({
            at: new Date().toISOString(),
            pid: process.pid,
            scope: options.payload.scope,
            recipients:
              recipients.type === 'entity'
                ? ([] as string[]).concat(recipients.entityRef)
                : [],
          })}\n`,
        );
      },
    }),
  }),
);
// eslint-disable-next-line @backstage/no-undeclared-imports
backend.add(import('@backstage/plugin-events-backend'));
// eslint-disable-next-line @backstage/no-undeclared-imports
backend.add(import('@backstage/plugin-events-backend-module-github'));
backend.add(import('../src'));
backend.start();
