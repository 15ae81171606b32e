import {
  BackstageCredentials,
  createServiceFactory,
  ServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { notificationService } from '@backstage/plugin-notifications-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { JsonObject } from '@backstage/types';
import { Knex } from 'knex';
import request from 'supertest';
import { pulsePlugin } from '../plugin';

/** Who a test request comes from, as the permission and catalog fakes see it. */
export interface TestPrincipal {
  type: 'user' | 'service' | 'none';
  /** A user entity ref (lower case) or a service subject. */
  ref?: string;
}

/** Decides one permission for a principal (and resource, for resource permissions). */
export type TestDecide = (
  permission: string,
  resourceRef: string | undefined,
  principal: TestPrincipal,
) => boolean;

export interface PulseTestBackendOptions {
  knex: Knex;
  /** The `pulse:` section and anything else the backend reads. */
  config?: Record<string, unknown>;
  /** The catalog's entities. */
  entities?: Entity[];
  /** Whether the catalog shows the entity to the principal; everything is visible by default. */
  visible?: (entity: Entity, principal: TestPrincipal) => boolean;
  /** The permission policy; everything is allowed by default. */
  decide?: TestDecide;
  /** A user's ownership refs (the user and their groups). */
  ownership?: (userEntityRef: string) => string[];
  /** More features or service factories (they replace the defaults above). */
  features?: Array<ServiceFactory | Promise<{ default: unknown }> | unknown>;
}

function principalOf(credentials: unknown): TestPrincipal {
  const principal = (credentials as BackstageCredentials | undefined)
    ?.principal as { type?: string; userEntityRef?: string; subject?: string };
  if (principal?.type === 'user') {
    return {
      type: 'user',
      ref: principal.userEntityRef!.toLocaleLowerCase('en-US'),
    };
  }
  if (principal?.type === 'service') {
    return { type: 'service', ref: principal.subject };
  }
  return { type: 'none' };
}

/**
 * The Pulse plugin in a test backend with the fakes every route test needs: a catalog that shows
 * each caller what `visible` allows, a permission service deciding by `decide`, user info from
 * `ownership`, and notifications recorded. Written once for the package.
 */
export async function startPulseTestBackend(options: PulseTestBackendOptions) {
  const entities = options.entities ?? [];
  const visible = options.visible ?? (() => true);
  const decide = options.decide ?? (() => true);
  const ownership =
    options.ownership ?? ((userEntityRef: string) => [userEntityRef]);
  const catalog = catalogServiceMock({ entities });
  const lookup = (ref: string) =>
    entities.find(
      entity =>
        stringifyEntityRef(entity).toLocaleLowerCase('en-US') ===
        ref.toLocaleLowerCase('en-US'),
    );

  const extra = (options.features ?? []) as any[];
  const overridden = new Set(
    extra.map(feature => feature?.service?.id).filter(Boolean),
  );
  const defaults: any[] = [
    mockServices.database.factory({ knex: options.knex }),
    mockServices.rootConfig.factory({
      data: (options.config ?? {}) as JsonObject,
    }),
    catalogServiceMock.mock({
      getEntityByRef: async (ref, opts) => {
        const entity = lookup(
          typeof ref === 'string' ? ref : stringifyEntityRef(ref),
        );
        return entity &&
          visible(entity, principalOf((opts as any)?.credentials))
          ? entity
          : undefined;
      },
      getEntitiesByRefs: async (req, opts?) => ({
        items: req.entityRefs.map(ref => {
          const entity = lookup(ref);
          return entity &&
            visible(entity, principalOf((opts as any)?.credentials))
            ? entity
            : undefined;
        }),
      }),
      queryEntities: async (req, opts) => {
        const page = await catalog.queryEntities(req, opts as any);
        return {
          ...page,
          items: page.items.filter(entity =>
            visible(
              lookup(stringifyEntityRef(entity)) ?? entity,
              principalOf((opts as any)?.credentials),
            ),
          ),
        };
      },
    }).factory,
    mockServices.permissions.mock({
      authorize: async (requests, opts) =>
        requests.map(r => ({
          result: decide(
            (r as any).permission.name,
            (r as any).resourceRef,
            principalOf((opts as any)?.credentials),
          )
            ? AuthorizeResult.ALLOW
            : AuthorizeResult.DENY,
        })),
    }).factory,
    mockServices.userInfo.mock({
      getUserInfo: async credentials => {
        const ref = principalOf(credentials).ref!;
        return { userEntityRef: ref, ownershipEntityRefs: ownership(ref) };
      },
    }).factory,
    createServiceFactory({
      service: notificationService,
      deps: {},
      factory: () => ({ send: async () => {} }),
    }),
  ];
  const backend = await startTestBackend({
    features: [
      pulsePlugin,
      ...defaults.filter(feature => !overridden.has(feature?.service?.id)),
      ...extra,
    ],
  });

  const server = backend.server;
  /** Requests to `/api/pulse/v1` as a user (the mock user by default). */
  const as = (user = 'user:default/mock') => {
    const auth = mockCredentials.user.header(user);
    return {
      get: (path: string) =>
        request(server).get(`/api/pulse/v1${path}`).set('Authorization', auth),
      post: (path: string, body?: object) =>
        request(server)
          .post(`/api/pulse/v1${path}`)
          .set('Authorization', auth)
          .send(body ?? {}),
      delete: (path: string) =>
        request(server)
          .delete(`/api/pulse/v1${path}`)
          .set('Authorization', auth),
    };
  };
  return { backend, server, as };
}

/** An `Authorization` header for a service with this subject (mock auth's own token format). */
export function serviceHeader(subject: string): string {
  return `Bearer mock-service-token:${JSON.stringify({ sub: subject })}`;
}
