import { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { ESCALATION_POLICY_ANNOTATION } from '@pulse-oss/plugin-pulse-common';
import { Clock, systemClock } from '../service/clock';
import { OncallConfig } from './config';
import { EscalationPolicy } from './escalation';
import { choosePolicy, EscalationPolicySource, PolicyChoice } from './policies';

const CACHE_TTL_MS = 60_000;

/** Resolves entities' policies from config and the catalog (read with the plugin's own credentials). */
export class CatalogPolicySource implements EscalationPolicySource {
  private readonly cache = new Map<
    string,
    { entity: Entity | undefined; at: number }
  >();

  constructor(
    private readonly options: {
      config: OncallConfig;
      catalog: CatalogService;
      auth: AuthService;
      logger: LoggerService;
      clock?: Clock;
    },
  ) {}

  policy(policyId: string): EscalationPolicy | undefined {
    return this.options.config.policies.find(p => p.id === policyId);
  }

  /** The choice for an entity already read (e.g. with the caller's credentials). */
  choose(entityRef: string, entity: Entity | undefined): PolicyChoice {
    return choosePolicy(this.options.config, entityRef, entity);
  }

  async policyFor(entityRef: string): Promise<PolicyChoice> {
    const now = (this.options.clock ?? systemClock).now().getTime();
    const cached = this.cache.get(entityRef);
    let entity = cached?.entity;
    if (!cached || now - cached.at > CACHE_TTL_MS) {
      try {
        const credentials = await this.options.auth.getOwnServiceCredentials();
        entity = await this.options.catalog.getEntityByRef(entityRef, {
          credentials,
        });
        this.cache.set(entityRef, { entity, at: now });
      } catch (error) {
        // An unreachable catalog must not stop an incident from opening: use what is known.
        this.options.logger.warn(
          `Could not read ${entityRef} from the catalog to choose its escalation policy: ${error}`,
        );
      }
    }
    return this.choose(entityRef, entity);
  }

  /** Logs every entity whose annotation names an unknown policy; returns their refs. */
  async reportUnknownPolicies(): Promise<string[]> {
    const { catalog, auth, logger, config } = this.options;
    const credentials = await auth.getOwnServiceCredentials();
    const known = new Set(config.policies.map(p => p.id));
    const unknown: string[] = [];
    let cursor: string | undefined;
    do {
      const page = cursor
        ? await catalog.queryEntities({ cursor, limit: 500 }, { credentials })
        : await catalog.queryEntities(
            {
              filter: {
                [`metadata.annotations.${ESCALATION_POLICY_ANNOTATION}`]:
                  CATALOG_FILTER_EXISTS,
              },
              fields: ['kind', 'metadata', 'spec.owner', 'relations'],
              limit: 500,
            },
            { credentials },
          );
      for (const entity of page.items) {
        const policyId =
          entity.metadata.annotations?.[ESCALATION_POLICY_ANNOTATION]?.trim();
        if (policyId && !known.has(policyId)) {
          const ref = stringifyEntityRef(entity);
          unknown.push(ref);
          logger.warn(
            `${ref} names an unknown escalation policy "${policyId}" in its ${ESCALATION_POLICY_ANNOTATION} annotation; its incidents fall back to its owner's or the default policy`,
          );
        }
      }
      cursor = page.pageInfo.nextCursor;
    } while (cursor);
    return unknown;
  }
}
