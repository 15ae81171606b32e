/**
 * Delivery metrics as the REST API serves them: the four DORA keys, pull request flow and CI
 * health of one entity over one window. Definitions: the backend plugin's README.
 */

/**
 * A DORA performance level.
 *
 * @public
 */
export type DoraLevel = 'elite' | 'high' | 'medium' | 'low';

/**
 * One day of a key's trend: its value from that day's items alone (`null` when none).
 *
 * @public
 */
export interface MetricDayPoint {
  day: string;
  value: number | null;
  sample: number;
}

/**
 * What every key says: its value, how many items it comes from, and its DORA level, which is
 * `null` ("not enough data") when the sample is below `minimumSample` or there is no value.
 *
 * @public
 */
export interface DoraKeyFigure {
  value: number | null;
  sample: number;
  minimumSample: number;
  level: DoraLevel | null;
  series: MetricDayPoint[];
}

/**
 * Percentiles of durations, in seconds; `null` without a sample.
 *
 * @public
 */
export interface DurationPercentiles {
  sample: number;
  p50Seconds: number | null;
  p75Seconds: number | null;
  p90Seconds: number | null;
}

/**
 * CI health of one workflow on one branch.
 *
 * @public
 */
export interface WorkflowBranchHealth {
  workflowId: number;
  workflowName: string;
  branch: string;
  runs: number;
  succeeded: number;
  failed: number;
  successRate: number | null;
  durationP50Seconds: number | null;
  durationP95Seconds: number | null;
  queueP50Seconds: number | null;
  queueP95Seconds: number | null;
}

/**
 * An entity's delivery metrics over one window.
 *
 * @public
 */
export interface EntityDeliveryMetrics {
  entityRef: string;
  window: { days: number; firstDay: string; lastDay: string; timeZone: string };
  /** The windows the API serves, in days. */
  windows: number[];
  /** When the aggregation last computed the entity's items; `null` before its first run. */
  computedAt: string | null;
  productionEnvironments: string[];
  bands: { year: number; source: string };
  deploymentFrequency: DoraKeyFigure & {
    /** Deployments per week (the value), per day, and the median days with a deployment per week. */
    perDay: number;
    medianDeploymentDaysPerWeek: number | null;
  };
  leadTime: DoraKeyFigure & {
    /** p50 (the value) and p90, in seconds. */
    p90Seconds: number | null;
    waiting: number;
    baselined: number;
    unmeasured: number;
  };
  changeFailureRate: DoraKeyFigure & { failed: number };
  timeToRestore: DoraKeyFigure & {
    /** Incidents: p50 (the value) and p90, in seconds. */
    p90Seconds: number | null;
    unresolved: number;
    failedDeploymentRecovery: {
      sample: number;
      p50Seconds: number | null;
      p90Seconds: number | null;
      unresolved: number;
    };
  };
  pullRequestFlow: {
    merged: number;
    phases: Record<
      'coding' | 'pickup' | 'review' | 'deploy',
      DurationPercentiles
    >;
    sizes: Record<'S' | 'M' | 'L' | 'XL', number>;
    mergedWithoutApproval: number;
    open: { count: number; ages: DurationPercentiles };
    botPullRequests: number;
  };
  ciHealth: {
    /** The repository's default branch, which `defaultBranch` describes. */
    branch: string | null;
    workflows: WorkflowBranchHealth[];
    flaky: Array<{ workflowId: number; workflowName: string; shas: string[] }>;
    defaultBranch: Array<{
      workflowId: number;
      workflowName: string;
      redSeconds: number;
      redNow: boolean;
      redSince: string | null;
    }>;
  };
  /**
   * For a group (the entities it and its child groups own) or a system (the entities it
   * contains): the members counted, those the caller may see that have metrics, each with its
   * own headline figures. Absent for other kinds.
   */
  members?: MemberDeliveryFigures[];
  /** The entity's `metrics` version these figures were read at; for a group or system, the sum of its members'. */
  version: number;
}

/**
 * A key's value, sample and level, as a member's row shows it.
 *
 * @public
 */
export type MemberKeyFigure = Pick<DoraKeyFigure, 'value' | 'sample' | 'level'>;

/**
 * One member's headline figures in a group's or a system's delivery metrics.
 *
 * @public
 */
export interface MemberDeliveryFigures {
  entityRef: string;
  computedAt: string;
  deploymentFrequency: MemberKeyFigure;
  leadTime: MemberKeyFigure;
  changeFailureRate: MemberKeyFigure;
  timeToRestore: MemberKeyFigure;
  pullRequests: { merged: number; open: number };
  /** Runs in the window, their success rate, and whether a default-branch workflow is red now. */
  ci: { runs: number; successRate: number | null; redNow: boolean };
  /** The member's own `metrics` version. */
  version: number;
}

/**
 * The kinds of items a metric counts, for `.../metrics/{metric}/items`.
 *
 * @public
 */
export type MetricItemsKind =
  | 'deployments'
  | 'lead-time'
  | 'change-failures'
  | 'incidents'
  | 'recoveries'
  | 'pull-requests'
  | 'unapproved-merges'
  | 'workflow-runs';

/**
 * One item a number counts. `value` is the item's measure where it has one (seconds); `detail`
 * holds what identifies it (a pull request's number and title, a deployment's environment and
 * SHA, an incident's id and severity, a run's workflow and conclusion).
 *
 * @public
 */
export interface MetricItem {
  key: string;
  occurredAt: string;
  day: string;
  value: number | null;
  detail: Record<string, unknown>;
  /** For a group's or a system's items: the members the item belongs to. */
  entityRefs?: string[];
}

/**
 * A page of the items a metric counts.
 *
 * @public
 */
export interface MetricItemsPage {
  items: MetricItem[];
  nextCursor: string | null;
  version: number;
}

/**
 * One deployment on the deployments card.
 *
 * @public
 */
export interface DeploymentEntry {
  id: string;
  environment: string;
  /** Whether the environment is one of `pulse.metrics.productionEnvironments`. */
  production: boolean;
  sha: string;
  ref: string;
  /** The latest status GitHub gives it (`success`, `inactive`, `failure`, `in_progress`, ...). */
  state: string | null;
  createdAt: string;
  statusAt: string | null;
  /** When it first succeeded; kept once a newer deployment makes it `inactive`. */
  succeededAt: string | null;
  /**
   * For a successful production deployment the metrics counted: the pull requests it shipped
   * (empty for an environment's first deployment, a baseline), whether an incident or failed
   * deployment failed it. Null when the metrics do not know it (another environment, or not
   * aggregated yet).
   */
  shipped: {
    baseline: boolean;
    failed: boolean;
    pullRequests: Array<{
      number: number;
      title: string | null;
      htmlUrl: string | null;
    }>;
  } | null;
}

/**
 * An entity's deployments: each environment's latest and latest successful deployment, and a
 * page of the history.
 *
 * @public
 */
export interface EntityDeployments {
  entityRef: string;
  environments: Array<{
    environment: string;
    production: boolean;
    latest: DeploymentEntry;
    lastSuccess: DeploymentEntry | null;
  }>;
  history: DeploymentEntry[];
  nextCursor: string | null;
  /** The entity's `deployments` version, read before the data. */
  version: number;
  /** The entity's `metrics` version (what shipped and failed comes from the metrics). */
  metricsVersion: number;
}
