/**
 * Time to restore: for the entity's incidents triggered in the window, triggered → resolved
 * (p50, p90; an incident still open is listed as unresolved and measured by nothing). Beside
 * it, failed deployment recovery time: per production environment, from a deployment ending in
 * `failure` or `error` to the environment's next successful deployment; failures that follow
 * one another before a success are one outage, measured from the first.
 */
import { inWindow, MetricsWindow } from './days';
import { FailedDeploymentFact, IncidentFact } from './changeFailure';
import { ProductionDeploymentFact } from './leadTime';
import { percentile } from './percentiles';

export interface RestoreEntry {
  id: string;
  seconds: number;
}

export interface RestoreTimes {
  restored: RestoreEntry[];
  unresolved: string[];
  sample: number;
  p50Seconds: number | null;
  p90Seconds: number | null;
}

function summarise(
  restored: RestoreEntry[],
  unresolved: string[],
): RestoreTimes {
  const seconds = restored.map(entry => entry.seconds);
  return {
    restored,
    unresolved,
    sample: seconds.length,
    p50Seconds: percentile(seconds, 50),
    p90Seconds: percentile(seconds, 90),
  };
}

const secondsBetween = (from: Date, to: Date) =>
  Math.max(0, (to.getTime() - from.getTime()) / 1000);

export function incidentRestoreTimes(
  window: MetricsWindow,
  incidents: readonly IncidentFact[],
): RestoreTimes {
  const restored: RestoreEntry[] = [];
  const unresolved: string[] = [];
  for (const incident of incidents) {
    if (!inWindow(window, incident.triggeredAt)) {
      continue;
    }
    if (incident.resolvedAt && incident.resolvedAt <= window.end) {
      restored.push({
        id: incident.id,
        seconds: secondsBetween(incident.triggeredAt, incident.resolvedAt),
      });
    } else {
      unresolved.push(incident.id);
    }
  }
  return summarise(restored, unresolved);
}

/** By time; at the same instant a failure comes first, so that the success recovers from it. */
function byTimeFailuresFirst(a: EnvironmentEvent, b: EnvironmentEvent): number {
  const difference = a.at.getTime() - b.at.getTime();
  if (difference !== 0) {
    return difference;
  }
  if (a.kind !== b.kind) {
    return a.kind === 'failure' ? -1 : 1;
  }
  return a.id.localeCompare(b.id);
}

type EnvironmentEvent =
  | { kind: 'failure'; id: string; at: Date }
  | { kind: 'success'; id: string; at: Date };

/** Recovery entries are named by the failing deployment that started the outage. */
export function failedDeploymentRecoveryTimes(
  window: MetricsWindow,
  deployments: readonly ProductionDeploymentFact[],
  failedDeployments: readonly FailedDeploymentFact[],
): RestoreTimes {
  const byEnvironment = new Map<string, EnvironmentEvent[]>();
  const add = (environment: string, event: EnvironmentEvent) => {
    const events = byEnvironment.get(environment) ?? [];
    events.push(event);
    byEnvironment.set(environment, events);
  };
  for (const deployment of deployments) {
    add(deployment.environment, {
      kind: 'success',
      id: deployment.id,
      at: deployment.succeededAt,
    });
  }
  for (const failure of failedDeployments) {
    add(failure.environment, {
      kind: 'failure',
      id: failure.id,
      at: failure.failedAt,
    });
  }
  const restored: RestoreEntry[] = [];
  const unresolved: string[] = [];
  for (const events of byEnvironment.values()) {
    events.sort(byTimeFailuresFirst);
    let outage: EnvironmentEvent | null = null;
    for (const event of events) {
      if (event.kind === 'failure') {
        outage ??= event;
      } else if (outage) {
        if (inWindow(window, outage.at)) {
          restored.push({
            id: outage.id,
            seconds: secondsBetween(outage.at, event.at),
          });
        }
        outage = null;
      }
    }
    if (outage && inWindow(window, outage.at)) {
      unresolved.push(outage.id);
    }
  }
  restored.sort((a, b) => a.id.localeCompare(b.id));
  return summarise(restored, unresolved.sort());
}
