import { Entity } from '@backstage/catalog-model';
import os from 'node:os';

/*
 * What the benchmarks that load the portal backend (`readPathPortal.ts`) over HTTP share: the
 * catalog they seed, its users, waiting for the catalog, and latency summaries.
 */

/** Teams owning the benchmark's components, in turn. */
export const BENCH_TEAMS = 20;

/** The users requests are made as, with the group each belongs to. */
export const BENCH_USERS: Record<string, string> = {
  'user:default/ava.lind': 'group:default/team-1',
  'user:default/ben.okafor': 'group:default/team-2',
  'user:default/cleo.silva': 'group:default/team-3',
  'user:default/dan.weber': 'group:default/team-4',
  'user:default/eli.sato': 'group:default/team-5',
  'user:default/fay.moreau': 'group:default/platform',
};

/**
 * The components `svc-1` … `svc-<count>`, each annotated with the repository `acme/svc-<n>` and
 * owned by one of the teams in turn, the teams and `platform`, and the users.
 */
export function benchCatalog(count: number): Entity[] {
  const components: Entity[] = Array.from({ length: count }, (_, i) => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: `svc-${i + 1}`,
      annotations: { 'github.com/project-slug': `acme/svc-${i + 1}` },
    },
    spec: {
      type: 'service',
      lifecycle: 'production',
      owner: `group:default/team-${(i % BENCH_TEAMS) + 1}`,
    },
  }));
  const groups: Entity[] = [
    ...Array.from({ length: BENCH_TEAMS }, (_, i) => `team-${i + 1}`),
    'platform',
  ].map(name => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { name },
    spec: { type: 'team', children: [] },
  }));
  const users: Entity[] = Object.entries(BENCH_USERS).map(([ref, group]) => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: { name: ref.split('/')[1] },
    spec: { memberOf: [group] },
  }));
  return [...components, ...groups, ...users];
}

export const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** Waits until the catalog serves `count` components (15 minutes at most). */
export async function waitForCatalog(
  url: string,
  token: string,
  count: number,
) {
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    const res = await fetch(
      `${url}/api/catalog/entities/by-query?filter=kind=component&limit=1&fields=metadata.name`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    const body = (await res.json()) as { totalItems?: number };
    if ((body.totalItems ?? 0) >= count) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `The catalog holds ${body.totalItems} of ${count} components after 15 minutes`,
      );
    }
    await sleep(2000);
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[
    Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  ];
}

/** Count, p50, p90, p95, p99 and maximum of `values`, in their unit, to two decimals. */
export function summary(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => Number(percentile(sorted, p).toFixed(2));
  return {
    count: sorted.length,
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    max: Number((sorted[sorted.length - 1] ?? NaN).toFixed(2)),
  };
}

export const loadAverage = () => os.loadavg().map(l => Number(l.toFixed(2)));
