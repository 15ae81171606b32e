import { AuthService } from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { Clock, systemClock } from '../../service/clock';
import { IncidentKinds, incidentKindProblem } from './entityKinds';
import { EntityHint, entityRefFromHint } from './formats/common';

/** How long a service found in the catalog is remembered. Unknown services are never cached. */
export const SERVICE_CACHE_MS = 60_000;

/**
 * Checks that the services alerts name are of a kind that has incidents
 * (`pulse.oncall.intake.entityKinds`) and exist in the catalog, reading it with the plugin's own
 * service credentials (senders are external tools, not catalog users). Known services are cached
 * for a minute so an alert storm does not become a catalog storm; an unknown service is asked
 * again every time, so a newly registered one is accepted at once.
 */
export class ServiceResolver {
  private readonly cache = new Map<
    string,
    { ref: string; expiresAt: number }
  >();

  constructor(
    private readonly options: {
      catalog: CatalogService;
      auth: AuthService;
      kinds: IncidentKinds;
      clock?: Clock;
    },
  ) {}

  private now(): number {
    return (this.options.clock ?? systemClock).now().getTime();
  }

  /**
   * The catalog's own ref of the entity a hint names, or an `InputError` saying which service
   * is unknown, or of a kind that has no incidents, and where the alert named it.
   */
  async resolve(hint: EntityHint): Promise<string> {
    const ref = entityRefFromHint(hint);
    const kindProblem = incidentKindProblem(ref, this.options.kinds);
    if (kindProblem) {
      throw new InputError(`Alert refused (from ${hint.from}): ${kindProblem}`);
    }
    const cached = this.cache.get(ref);
    if (cached && cached.expiresAt > this.now()) {
      return cached.ref;
    }
    const entity = await this.options.catalog.getEntityByRef(ref, {
      credentials: await this.options.auth.getOwnServiceCredentials(),
    });
    if (!entity) {
      this.cache.delete(ref);
      throw new InputError(
        `Unknown service '${ref}' (from ${hint.from}): there is no such entity in the catalog`,
      );
    }
    const canonical = stringifyEntityRef(entity);
    this.cache.set(ref, {
      ref: canonical,
      expiresAt: this.now() + SERVICE_CACHE_MS,
    });
    return canonical;
  }

  /** Resolves many hints, each distinct service once; fails on the first unknown one. */
  async resolveAll(hints: EntityHint[]): Promise<string[]> {
    const byRef = new Map<string, Promise<string>>();
    return Promise.all(
      hints.map(hint => {
        const ref = entityRefFromHint(hint);
        let pending = byRef.get(ref);
        if (!pending) {
          pending = this.resolve(hint);
          byRef.set(ref, pending);
        }
        return pending;
      }),
    );
  }
}
