/**
 * Deployment frequency: successful production deployments (a deployment status `success` to an
 * environment of `pulse.metrics.productionEnvironments`) in the window, per day and per week,
 * and the median number of days with a deployment per week (over the window's whole weeks, see
 * `windowWeeks`). The DORA band is read from deployments per week.
 */
import {
  Day,
  dayOf,
  inWindow,
  MetricsWindow,
  windowDays,
  windowWeeks,
} from './days';
import { ProductionDeploymentFact } from './leadTime';
import { percentile } from './percentiles';

export interface DeploymentFrequency {
  count: number;
  perDay: number;
  perWeek: number;
  /** `null` when the window is shorter than a week. */
  medianDeploymentDaysPerWeek: number | null;
  /** Deployments per day of the window, oldest first. */
  daily: Array<{ day: Day; count: number }>;
}

export function deploymentFrequency(
  window: MetricsWindow,
  deployments: readonly ProductionDeploymentFact[],
): DeploymentFrequency {
  const perDay = new Map<Day, number>(windowDays(window).map(day => [day, 0]));
  let count = 0;
  for (const deployment of deployments) {
    if (!inWindow(window, deployment.succeededAt)) {
      continue;
    }
    const day = dayOf(deployment.succeededAt, window.zone);
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
    count += 1;
  }
  const deploymentDays = windowWeeks(window).map(
    week => week.filter(day => (perDay.get(day) ?? 0) > 0).length,
  );
  return {
    count,
    perDay: count / window.days,
    perWeek: (count * 7) / window.days,
    medianDeploymentDaysPerWeek: percentile(deploymentDays, 50),
    daily: [...perDay].map(([day, total]) => ({ day, count: total })),
  };
}
