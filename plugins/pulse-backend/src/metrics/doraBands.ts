/**
 * The DORA performance levels, kept as data with the year of the report they come from, so
 * that a later report is one more table rather than a code change. Values are from the 2023
 * Accelerate State of DevOps report's software delivery performance table:
 *
 * | key                             | elite              | high                | medium               | low                   |
 * | ------------------------------- | ------------------ | ------------------- | -------------------- | --------------------- |
 * | deployment frequency            | on demand          | daily to weekly     | weekly to monthly    | weekly to monthly     |
 * | lead time for changes           | less than one day  | one day to one week | one week to a month  | one week to a month   |
 * | change failure rate             | 5%                 | 10%                 | 15%                  | 64%                   |
 * | failed deployment recovery time | less than one hour | less than one day   | one day to one week  | one to six months     |
 *
 * The report describes clusters, not cut-offs, and its low cluster repeats medium's throughput
 * ranges. Pulse reads each column as the bound of its level: a value is in the best level whose
 * bound it meets, and below medium's bound it is low. Deployment frequency is compared as
 * deployments per week: on demand is taken as at least one a day (7 a week), monthly as 12 a
 * year. Change failure rates are the clusters' values taken as upper bounds.
 */
export type DoraLevel = 'elite' | 'high' | 'medium' | 'low';

export type DoraKey =
  | 'deploymentFrequency'
  | 'leadTime'
  | 'changeFailureRate'
  | 'timeToRestore';

interface LevelBound {
  level: Exclude<DoraLevel, 'low'>;
  /** The level's bound, in the key's unit. */
  bound: number;
}

export interface DoraBandTable {
  year: number;
  source: string;
  keys: Record<
    DoraKey,
    {
      unit: 'deployments per week' | 'seconds' | 'ratio';
      /** How a value meets a level's bound. */
      meets: 'at least' | 'below' | 'at most';
      /** From elite down; a value meeting no bound is low. */
      levels: LevelBound[];
    }
  >;
}

const HOUR = 3_600;
const DAY = 24 * HOUR;

export const DORA_2023: DoraBandTable = {
  year: 2023,
  source: 'Accelerate State of DevOps Report 2023',
  keys: {
    deploymentFrequency: {
      unit: 'deployments per week',
      meets: 'at least',
      levels: [
        { level: 'elite', bound: 7 },
        { level: 'high', bound: 1 },
        { level: 'medium', bound: 12 / 52 },
      ],
    },
    leadTime: {
      unit: 'seconds',
      meets: 'below',
      levels: [
        { level: 'elite', bound: DAY },
        { level: 'high', bound: 7 * DAY },
        { level: 'medium', bound: 30 * DAY },
      ],
    },
    changeFailureRate: {
      unit: 'ratio',
      meets: 'at most',
      levels: [
        { level: 'elite', bound: 0.05 },
        { level: 'high', bound: 0.1 },
        { level: 'medium', bound: 0.15 },
      ],
    },
    timeToRestore: {
      unit: 'seconds',
      meets: 'below',
      levels: [
        { level: 'elite', bound: HOUR },
        { level: 'high', bound: DAY },
        { level: 'medium', bound: 7 * DAY },
      ],
    },
  },
};

/**
 * The level of `value` for `key`, or `null` ("not enough data") when there is no value or its
 * sample is below the minimum: a band from two deployments would say more than they do.
 */
export function doraLevel(
  table: DoraBandTable,
  key: DoraKey,
  value: number | null,
  sample: number,
  minimumSample: number,
): DoraLevel | null {
  if (value === null || sample < minimumSample) {
    return null;
  }
  const { meets, levels } = table.keys[key];
  const found = levels.find(({ bound }) => {
    if (meets === 'at least') {
      return value >= bound;
    }
    return meets === 'below' ? value < bound : value <= bound;
  });
  return found?.level ?? 'low';
}
