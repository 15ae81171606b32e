import { parseEntityRef } from '@backstage/catalog-model';

/**
 * Which catalog kinds incidents may be about (pure). An incident pages the people behind a
 * service; a Group or a User is who gets paged, not what breaks. The kinds come from
 * `pulse.oncall.intake.entityKinds` and are compared without regard to case; alerts and
 * hand-made pages ("page the on-call") follow the same rule.
 */

/** Component, Resource and System: the kinds that own incidents unless configured otherwise. */
export const DEFAULT_INCIDENT_KINDS: readonly string[] = [
  'Component',
  'Resource',
  'System',
];

/** The part of the intake configuration the rule reads. */
export interface IncidentKinds {
  /** The allowed kinds as configured (e.g. `Component`), for messages. */
  entityKinds: readonly string[];
}

/** Whether an entity of `kind` may have incidents (`component`, `Component`: the same kind). */
export function isIncidentKind(kind: string, config: IncidentKinds): boolean {
  const wanted = kind.toLocaleLowerCase('en-US');
  return config.entityKinds.some(
    allowed => allowed.toLocaleLowerCase('en-US') === wanted,
  );
}

/**
 * Why an incident may not be about `entityRef` (a full ref, `kind:namespace/name`), or
 * undefined when it may. The reason names the kind, the allowed kinds and the config key, e.g.
 * `group:default/payments is of kind Group, and incidents can only be about kinds Component,
 * Resource or System (pulse.oncall.intake.entityKinds)`.
 */
export function incidentKindProblem(
  entityRef: string,
  config: IncidentKinds,
): string | undefined {
  const { kind } = parseEntityRef(entityRef);
  if (isIncidentKind(kind, config)) {
    return undefined;
  }
  const shown = kind.charAt(0).toLocaleUpperCase('en-US') + kind.slice(1);
  return `${entityRef} is of kind ${shown}, and incidents can only be about kinds ${listed(
    config.entityKinds,
  )} (pulse.oncall.intake.entityKinds)`;
}

function listed(kinds: readonly string[]): string {
  if (kinds.length <= 1) {
    return kinds.join('');
  }
  return `${kinds.slice(0, -1).join(', ')} or ${kinds[kinds.length - 1]}`;
}
