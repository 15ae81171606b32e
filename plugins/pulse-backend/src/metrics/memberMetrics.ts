/**
 * A group's or a system's delivery metrics, from its members' stored items (pure).
 *
 * The figures are those of one entity whose items are all its members' items, each counted
 * once: members that show the same repository (several components of a monorepo) share its
 * pull requests, runs and deployments, which count once for the team; a deployment of such a
 * repository failed for the team if any member's incident failed it (its causes are merged).
 * Incidents belong to one entity each. Percentiles are over the pooled items, never averages
 * of the members' percentiles. The default branch's red state is each member repository's.
 */
import type {
  EntityDeliveryMetrics,
  MemberDeliveryFigures,
  MemberKeyFigure,
} from '@pulse-oss/plugin-pulse-common';
import { MetricsWindow } from './days';
import {
  WindowFigureOptions,
  windowFigures,
  WindowFigures,
} from './entityMetrics';
import { MetricItem } from './metricItems';

/** One member: what its items were computed from, its items, and its `metrics` version. */
export interface MemberItems {
  entityRef: string;
  computedAt: Date;
  defaultBranch: string | null;
  repositoryId: number | null;
  version: number;
  items: readonly MetricItem[];
}

/**
 * An item counted for a group or system, with the members it belongs to. `listId` tells it from
 * another repository's item of the same key (pull request #12 of two repositories) in a list.
 */
export type PooledItem = MetricItem & { entityRefs: string[]; listId: string };

function listIdOf(member: MemberItems, item: MetricItem): string {
  return item.metric === 'incident' || member.repositoryId === null
    ? item.key
    : `r${member.repositoryId}:${item.key}`;
}

function poolKey(member: MemberItems, item: MetricItem): string {
  if (item.metric === 'incident') {
    return `incident\n${item.key}`;
  }
  const source =
    member.repositoryId === null
      ? `entity:${member.entityRef}`
      : `repository:${member.repositoryId}`;
  return `${item.metric}\n${source}\n${item.key}`;
}

function mergeCauses(into: PooledItem, item: MetricItem): PooledItem {
  if (into.metric !== 'deployment' || item.metric !== 'deployment') {
    return into;
  }
  const causes = new Map(
    into.detail.causes.map(cause => [`${cause.kind}\n${cause.id}`, cause]),
  );
  for (const cause of item.detail.causes) {
    causes.set(`${cause.kind}\n${cause.id}`, cause);
  }
  return {
    ...into,
    detail: {
      ...into.detail,
      causes: [...causes.values()].sort(
        (a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id),
      ),
    },
  };
}

/** The members' items, each counted once (see the file's header). */
export function pooledItems(members: readonly MemberItems[]): PooledItem[] {
  const pooled = new Map<string, PooledItem>();
  for (const member of members) {
    for (const item of member.items) {
      const key = poolKey(member, item);
      const known = pooled.get(key);
      if (!known) {
        pooled.set(key, {
          ...item,
          entityRefs: [member.entityRef],
          listId: listIdOf(member, item),
        });
      } else {
        const merged = mergeCauses(known, item);
        merged.entityRefs = known.entityRefs.includes(member.entityRef)
          ? known.entityRefs
          : [...known.entityRefs, member.entityRef];
        pooled.set(key, merged);
      }
    }
  }
  return [...pooled.values()];
}

const keyFigure = (figure: MemberKeyFigure): MemberKeyFigure => ({
  value: figure.value,
  sample: figure.sample,
  level: figure.level,
});

function memberRow(
  member: MemberItems,
  figures: WindowFigures,
): MemberDeliveryFigures {
  const runs = figures.ciHealth.workflows.reduce(
    (sum, workflow) => sum + workflow.runs,
    0,
  );
  const succeeded = figures.ciHealth.workflows.reduce(
    (sum, workflow) => sum + workflow.succeeded,
    0,
  );
  const decided = figures.ciHealth.workflows.reduce(
    (sum, workflow) => sum + workflow.succeeded + workflow.failed,
    0,
  );
  return {
    entityRef: member.entityRef,
    computedAt: member.computedAt.toISOString(),
    deploymentFrequency: keyFigure(figures.deploymentFrequency),
    leadTime: keyFigure(figures.leadTime),
    changeFailureRate: keyFigure(figures.changeFailureRate),
    timeToRestore: keyFigure(figures.timeToRestore),
    pullRequests: {
      merged: figures.pullRequestFlow.merged,
      open: figures.pullRequestFlow.open.count,
    },
    ci: {
      runs,
      successRate: decided ? succeeded / decided : null,
      redNow: figures.ciHealth.defaultBranch.some(state => state.redNow),
    },
    version: member.version,
  };
}

/**
 * A group's or a system's figures over one window: the pooled items' figures, and each
 * member's own headline figures. `computedAt` is the oldest member's (what every figure is at
 * least as new as); null without members.
 */
export function membersFigures(
  window: MetricsWindow,
  members: readonly MemberItems[],
  options: Omit<WindowFigureOptions, 'defaultBranch'>,
): Pick<EntityDeliveryMetrics, 'computedAt' | 'members' | 'version'> &
  WindowFigures {
  const rows: MemberDeliveryFigures[] = [];
  const redStates = new Map<
    number,
    WindowFigures['ciHealth']['defaultBranch'][number]
  >();
  for (const member of members) {
    const own = windowFigures(window, member.items, {
      ...options,
      defaultBranch: member.defaultBranch,
    });
    rows.push(memberRow(member, own));
    for (const state of own.ciHealth.defaultBranch) {
      redStates.set(state.workflowId, state);
    }
  }
  const pooled = windowFigures(window, pooledItems(members), {
    ...options,
    defaultBranch: null,
  });
  const branches = new Set(members.map(member => member.defaultBranch));
  const oldest = members.reduce<Date | null>(
    (min, member) =>
      min === null || member.computedAt < min ? member.computedAt : min,
    null,
  );
  return {
    ...pooled,
    ciHealth: {
      ...pooled.ciHealth,
      branch: branches.size === 1 ? [...branches][0] : null,
      defaultBranch: [...redStates.values()],
    },
    computedAt: oldest ? oldest.toISOString() : null,
    members: rows,
    version: members.reduce((sum, member) => sum + member.version, 0),
  };
}
