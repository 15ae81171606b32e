/**
 * Id allocation. Each entity kind has its own numeric range and each
 * repository its own block inside it, so ids are unique, stable under lazy
 * generation order, and new entities created by activity never collide.
 */

export type EntityKind =
  | 'pull'
  | 'review'
  | 'status'
  | 'checkRun'
  | 'checkSuite'
  | 'run'
  | 'deployment'
  | 'deploymentStatus'
  | 'workflow';

const KIND_BASE: Record<EntityKind, number> = {
  workflow: 10_000_000_000,
  pull: 20_000_000_000,
  review: 30_000_000_000,
  status: 40_000_000_000,
  run: 50_000_000_000,
  checkSuite: 60_000_000_000,
  checkRun: 70_000_000_000,
  deployment: 80_000_000_000,
  deploymentStatus: 90_000_000_000,
};

/** Entities of one kind a single repository can hold. */
export const ENTITIES_PER_REPOSITORY = 1_000_000;

/** Check runs are derived from workflow runs: one slot per job. */
export const JOBS_PER_RUN_SLOT = 8;

export function entityId(
  kind: EntityKind,
  repositoryIndex: number,
  sequence: number,
): number {
  const span =
    kind === 'checkRun'
      ? ENTITIES_PER_REPOSITORY * JOBS_PER_RUN_SLOT
      : ENTITIES_PER_REPOSITORY;
  return KIND_BASE[kind] + repositoryIndex * span + sequence;
}

export function repositoryId(repositoryIndex: number): number {
  return 700_000_000 + repositoryIndex;
}

/** GitHub's legacy global node id: base64 of `0<len>:<Type><id>`. */
export function nodeId(typeName: string, id: number): string {
  return Buffer.from(`0${typeName.length}:${typeName}${id}`).toString('base64');
}
