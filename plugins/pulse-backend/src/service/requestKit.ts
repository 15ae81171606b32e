import {
  AuthService,
  BackstageCredentials,
  BackstageServicePrincipal,
  BackstageUserPrincipal,
  BackstageUserInfo,
  HttpAuthService,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import { catalogEntityReadPermission } from '@backstage/plugin-catalog-common/alpha';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  AuthorizeResult,
  BasicPermission,
  isResourcePermission,
  Permission,
  PolicyDecision,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import { pulseAlertCreatePermission } from '@pulse-oss/plugin-pulse-common';
import type { Request } from 'express';
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { CatalogEntityCache } from './CatalogEntityCache';

/** Credentials of a signed-in user or of a service (another plugin, an external token). */
export type CallerCredentials = BackstageCredentials<
  BackstageUserPrincipal | BackstageServicePrincipal
>;

/** Who is calling, as the routes need it. */
export interface Caller {
  credentials: CallerCredentials;
  /** A user entity ref, or a service's subject: what the audit log and timelines name. */
  actor: string;
  /** The signed-in user's entity ref (lower case); undefined for services. */
  userEntityRef?: string;
  /** The request, for the audit log. */
  request: Request;
  /**
   * What the caller's cached decisions and visibility are kept under: the principal and a digest
   * of the token it came with, so that a new token (with new ownership claims) is asked afresh.
   */
  cacheKey?: string;
}

/** Internal backend plugins call with subjects of this form; anything else is an external token. */
const PLUGIN_SUBJECT_PREFIX = 'plugin:';

export interface RequestKitOptions {
  httpAuth: HttpAuthService;
  auth: AuthService;
  permissions: PermissionsService;
  catalog: CatalogService;
  userInfo: UserInfoService;
  /**
   * How long a caller's permission decisions and entity visibility are remembered, in ms; 0
   * asks the permission framework and the catalog on every request.
   */
  decisionCacheMs: number;
}

function principalKey(credentials: CallerCredentials): string {
  const { principal } = credentials;
  if (principal.type === 'user') {
    return `user:${principal.userEntityRef}`;
  }
  return `service:${principal.subject}:${JSON.stringify(
    principal.accessRestrictions ?? null,
  )}`;
}

/** The key of the caller's cached answers: the principal and, when known, its token's digest. */
function identityOf(caller: Caller): string {
  return caller.cacheKey ?? principalKey(caller.credentials);
}

function tokenDigest(req: Request): string | undefined {
  const match = /^Bearer[ ]+(\S+)$/i.exec(req.headers.authorization ?? '');
  return match
    ? createHash('sha256').update(match[1]).digest('base64url')
    : undefined;
}

/** How the catalog decides what a caller may read: every entity, none, or entity by entity. */
type CatalogReach = 'all' | 'none' | 'per-entity';

/**
 * What every Pulse route does before its own work, in one place so that every route answers the
 * same way: who the caller is (401), whether the adopter's policy lets them do it (403), and
 * whether they may see the entity or schedule concerned (404: a resource the caller may not see is
 * not told apart from one that does not exist).
 *
 * Visibility is the catalog's own: an entity is read through the catalog with the caller's
 * credentials. Actions are Pulse permissions on the entity (resource permissions on
 * `catalog-entity`, so that a policy can use the catalog's rules such as `isEntityOwner`) or on the
 * schedule (`pulse-schedule`).
 *
 * Service callers: Backstage allows a service principal everything its access restrictions do not
 * forbid, without consulting the policy. Internal backend plugins (`plugin:*` subjects) are treated
 * that way. An external token (`backend.auth.externalAccess`) may post alerts, but any other Pulse
 * permission must be named in its `accessRestrictions` — so a monitoring tool's token cannot read
 * or silence incidents unless an adopter granted exactly that.
 *
 * With a cache period (`pulse.permissions.cacheSeconds`), answers are reused for that long, and
 * a policy's answer that holds for every resource is asked once per caller rather than once per
 * resource. Backstage's permission backend asks the policy about a permission and a user only,
 * never about the resource: a resource is consulted only to apply the conditions of a conditional
 * answer. So when the policy allows or denies a user a resource permission outright, that answer
 * is every resource's; and the catalog shows a user every entity when the policy allows
 * `catalog.entity.read` outright (that is how the catalog itself decides), so those users' entities
 * are read with Pulse's own credentials, once for all of them, several in one catalog request
 * (see {@link CatalogEntityCache}).
 * Conditional answers are still decided resource by resource by the permission backend, and
 * services and users with a conditional catalog answer read entities through the catalog with
 * their own credentials. Concurrent requests of one caller wait for one question.
 */
export class RequestKit {
  private readonly decisions?: LRUCache<string, boolean>;
  private readonly policyDecisions?: LRUCache<
    string,
    PolicyDecision,
    { credentials: CallerCredentials; permission: Permission }
  >;
  private readonly visibility?: LRUCache<string, boolean>;
  private readonly entities?: LRUCache<string, Entity>;
  /** Entities read with Pulse's own credentials, for callers who may read the whole catalog. */
  private readonly sharedEntities?: CatalogEntityCache;
  /** Whether an entity is in the catalog, for the same callers. */
  private readonly sharedExistence?: LRUCache<string, boolean>;

  constructor(private readonly options: RequestKitOptions) {
    const ttl = options.decisionCacheMs;
    if (ttl > 0) {
      this.decisions = new LRUCache({ max: 20_000, ttl });
      this.policyDecisions = new LRUCache({
        max: 20_000,
        ttl,
        // One question in flight per caller and permission, however many requests wait for it.
        fetchMethod: async (_key, _stale, { context }) => {
          const { permission, credentials } = context;
          const decisions = isResourcePermission(permission)
            ? await this.options.permissions.authorizeConditional(
                [{ permission }],
                { credentials },
              )
            : await this.options.permissions.authorize(
                [{ permission: permission as BasicPermission }],
                { credentials },
              );
          return decisions?.[0];
        },
      });
      this.visibility = new LRUCache({ max: 50_000, ttl });
      this.entities = new LRUCache({ max: 5_000, ttl });
      this.sharedExistence = new LRUCache({ max: 50_000, ttl });
      this.sharedEntities = new CatalogEntityCache({
        ttlMs: ttl,
        read: refs => this.readSharedEntities(refs),
        onRead: (ref, found) => this.sharedExistence?.set(ref, found),
      });
    }
  }

  /** The signed-in user or service behind the request; 401 otherwise. */
  async caller(req: Request): Promise<Caller> {
    const credentials = await this.options.httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const { principal } = credentials;
    const digest = tokenDigest(req);
    const cacheKey = `${principalKey(credentials)}${
      digest ? `\n${digest}` : ''
    }`;
    if (principal.type === 'user') {
      const userEntityRef = principal.userEntityRef.toLocaleLowerCase('en-US');
      return {
        credentials,
        actor: principal.userEntityRef,
        userEntityRef,
        request: req,
        cacheKey,
      };
    }
    return { credentials, actor: principal.subject, request: req, cacheKey };
  }

  /** The signed-in user's identity and ownership refs (their groups included). */
  async userInfo(caller: Caller): Promise<BackstageUserInfo> {
    return this.options.userInfo.getUserInfo(caller.credentials);
  }

  private isExternalService(credentials: CallerCredentials): boolean {
    const { principal } = credentials;
    return (
      principal.type === 'service' &&
      !principal.subject.startsWith(PLUGIN_SUBJECT_PREFIX)
    );
  }

  /**
   * Whether an external token's access restrictions name the permission. Alert intake is the one
   * permission such a token has without naming it.
   */
  private externalGrant(
    credentials: CallerCredentials,
    permission: Permission,
  ): boolean {
    if (permission.name === pulseAlertCreatePermission.name) {
      return true;
    }
    const { principal } = credentials;
    const names =
      principal.type === 'service'
        ? principal.accessRestrictions?.permissionNames
        : undefined;
    return Boolean(names?.includes(permission.name));
  }

  /**
   * The policy's answer about the permission for the caller, for no resource in particular
   * (cached); undefined when there is no cache.
   */
  private async policyDecision(
    caller: Caller,
    permission: Permission,
  ): Promise<PolicyDecision | undefined> {
    return this.policyDecisions?.fetch(
      `${identityOf(caller)}\n${permission.name}`,
      { context: { credentials: caller.credentials, permission } },
    );
  }

  /**
   * The policy's decisions for one permission, for each resource ref (one call for them all);
   * `[undefined]` asks about a basic permission.
   */
  async allowed(
    caller: Caller,
    permission: Permission,
    resourceRefs: Array<string | undefined>,
  ): Promise<boolean[]> {
    const { credentials } = caller;
    if (
      this.isExternalService(credentials) &&
      !this.externalGrant(credentials, permission)
    ) {
      return resourceRefs.map(() => false);
    }
    if (
      !isResourcePermission(permission) ||
      resourceRefs.some(ref => ref !== undefined)
    ) {
      const decision = await this.policyDecision(caller, permission);
      if (decision?.result === AuthorizeResult.ALLOW) {
        return resourceRefs.map(() => true);
      }
      if (decision?.result === AuthorizeResult.DENY) {
        return resourceRefs.map(() => false);
      }
    }
    const identity = identityOf(caller);
    const key = (ref: string | undefined) =>
      `${identity}\n${permission.name}\n${ref ?? ''}`;
    const results: Array<boolean | undefined> = resourceRefs.map(ref =>
      this.decisions?.get(key(ref)),
    );
    const missing = [
      ...new Set(
        resourceRefs.filter((_, index) => results[index] === undefined),
      ),
    ];
    if (missing.length > 0) {
      const requests = missing.map(resourceRef =>
        isResourcePermission(permission) && resourceRef !== undefined
          ? { permission: permission as ResourcePermission, resourceRef }
          : { permission: permission as BasicPermission },
      );
      const decisions = await this.options.permissions.authorize(requests, {
        credentials,
      });
      const byRef = new Map<string | undefined, boolean>();
      missing.forEach((ref, index) => {
        const allow = decisions[index].result === AuthorizeResult.ALLOW;
        byRef.set(ref, allow);
        this.decisions?.set(key(ref), allow);
      });
      resourceRefs.forEach((ref, index) => {
        if (results[index] === undefined) {
          results[index] = byRef.get(ref);
        }
      });
    }
    return results as boolean[];
  }

  /** Whether the policy allows the caller the permission (for the resource, when given). */
  async isAllowed(
    caller: Caller,
    permission: Permission,
    resourceRef?: string,
  ): Promise<boolean> {
    const [allowed] = await this.allowed(caller, permission, [resourceRef]);
    return allowed;
  }

  /** 403 unless the policy allows the caller the permission (for the resource, when given). */
  async authorize(
    caller: Caller,
    permission: Permission,
    resourceRef?: string,
  ): Promise<void> {
    if (await this.isAllowed(caller, permission, resourceRef)) {
      return;
    }
    const target = resourceRef ? ` for ${resourceRef}` : '';
    if (
      this.isExternalService(caller.credentials) &&
      !this.externalGrant(caller.credentials, permission)
    ) {
      throw new NotAllowedError(
        `The service token '${caller.actor}' may not use ${permission.name}${target}: an external token needs the permission named in its accessRestrictions`,
      );
    }
    throw new NotAllowedError(
      `You are not allowed to use ${permission.name}${target}`,
    );
  }

  /**
   * Whether the catalog shows the caller every entity, none, or decides entity by entity: the
   * policy's answer about `catalog.entity.read` for the user, as the catalog asks it.
   */
  private async catalogReach(caller: Caller): Promise<CatalogReach> {
    if (!this.sharedEntities || caller.credentials.principal.type !== 'user') {
      return 'per-entity';
    }
    const decision = await this.policyDecision(
      caller,
      catalogEntityReadPermission,
    );
    if (decision?.result === AuthorizeResult.ALLOW) {
      return 'all';
    }
    if (decision?.result === AuthorizeResult.DENY) {
      return 'none';
    }
    return 'per-entity';
  }

  /** The entities, as the catalog holds them (one catalog request for the batch). */
  private async readSharedEntities(
    entityRefs: readonly string[],
  ): Promise<Array<Entity | null>> {
    const { items } = await this.options.catalog.getEntitiesByRefs(
      { entityRefs: [...entityRefs] },
      { credentials: await this.options.auth.getOwnServiceCredentials() },
    );
    return entityRefs.map((_, index) => items[index] ?? null);
  }

  /** The entity as the catalog shows it to the caller; undefined if it does not exist or is hidden. */
  async visibleEntity(
    caller: Caller,
    entityRef: string,
  ): Promise<Entity | undefined> {
    const reach = await this.catalogReach(caller);
    if (reach === 'none') {
      return undefined;
    }
    if (reach === 'all') {
      return this.sharedEntities!.get(entityRef);
    }
    const key = `${identityOf(caller)}\n${entityRef}`;
    const cached = this.entities?.get(key);
    if (cached || this.visibility?.get(key) === false) {
      return cached;
    }
    const entity = await this.options.catalog.getEntityByRef(entityRef, {
      credentials: caller.credentials,
    });
    this.visibility?.set(key, Boolean(entity));
    if (entity) {
      this.entities?.set(key, entity);
    }
    return entity;
  }

  /** The entity as the catalog shows it to the caller; 404 if it does not exist or is hidden. */
  async requireVisibleEntity(
    caller: Caller,
    entityRef: string,
  ): Promise<Entity> {
    const entity = await this.visibleEntity(caller, entityRef);
    if (!entity) {
      throw new NotFoundError(`Entity ${entityRef} is not in the catalog`);
    }
    return entity;
  }

  /**
   * The entity as the catalog shows it to the caller, and what `read` reads about it, asked side
   * by side: a card waits for the slower of the catalog and its own reads, not for both in turn.
   * `read` must only read. When the entity is hidden or missing, what `read` found is dropped
   * (and its failure ignored) and the answer is the same 404 as {@link requireVisibleEntity}'s.
   */
  async readVisibleEntity<T>(
    caller: Caller,
    entityRef: string,
    read: () => Promise<T>,
  ): Promise<{ entity: Entity; data: T }> {
    const visible = this.requireVisibleEntity(caller, entityRef);
    const reading = Promise.resolve().then(read);
    let entity: Entity;
    try {
      entity = await visible;
    } catch (error) {
      reading.catch(() => undefined);
      throw error;
    }
    return { entity, data: await reading };
  }

  /**
   * Of `entityRefs` (normalised), those the catalog shows to the caller; one catalog request for
   * all that are not cached.
   */
  async visibleEntityRefs(
    caller: Caller,
    entityRefs: string[],
  ): Promise<Set<string>> {
    const reach = await this.catalogReach(caller);
    if (reach === 'none') {
      return new Set();
    }
    const shared = reach === 'all';
    const credentials = shared
      ? await this.options.auth.getOwnServiceCredentials()
      : caller.credentials;
    const cache = shared ? this.sharedExistence : this.visibility;
    const keyOf = shared
      ? (ref: string) => ref
      : (ref: string) => `${identityOf(caller)}\n${ref}`;
    const visible = new Set<string>();
    const unknown: string[] = [];
    for (const ref of new Set(entityRefs)) {
      const cached = cache?.get(keyOf(ref));
      if (cached === undefined) {
        unknown.push(ref);
      } else if (cached) {
        visible.add(ref);
      }
    }
    for (let i = 0; i < unknown.length; i += 1000) {
      const chunk = unknown.slice(i, i + 1000);
      const { items } = await this.options.catalog.getEntitiesByRefs(
        {
          entityRefs: chunk,
          fields: ['kind', 'metadata.namespace', 'metadata.name'],
        },
        { credentials },
      );
      chunk.forEach((ref, index) => {
        const found = Boolean(items[index]);
        cache?.set(keyOf(ref), found);
        if (found) {
          visible.add(ref);
        }
      });
    }
    return visible;
  }

  /**
   * Of `entityRefs`, those whose data the caller may read: visible in the catalog and allowed by
   * `permission` for the entity.
   */
  async readableEntityRefs(
    caller: Caller,
    permission: ResourcePermission,
    entityRefs: string[],
  ): Promise<Set<string>> {
    const visible = [...(await this.visibleEntityRefs(caller, entityRefs))];
    const allowed = await this.allowed(caller, permission, visible);
    return new Set(visible.filter((_, index) => allowed[index]));
  }
}
