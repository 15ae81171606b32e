import { z } from 'zod';
import { ValidationErrorDetail, validationFailed } from './errors';

export const DEFAULT_PER_PAGE = 30;
export const MAX_PER_PAGE = 100;

export type RawQuery = Record<string, string | undefined>;

/** Flattens express' query object: repeated parameters keep the last value. */
export function flattenQuery(query: unknown): RawQuery {
  const flat: RawQuery = {};
  if (query && typeof query === 'object') {
    for (const [key, value] of Object.entries(query)) {
      if (Array.isArray(value)) {
        const last = value[value.length - 1];
        flat[key] = typeof last === 'string' ? last : undefined;
      } else if (typeof value === 'string') {
        flat[key] = value;
      }
    }
  }
  return flat;
}

function positiveIntOr(value: string | undefined, fallback: number): number {
  if (value === undefined || !/^\d+$/.test(value.trim())) {
    return fallback;
  }
  const parsed = Number(value);
  return parsed >= 1 ? parsed : fallback;
}

/** GitHub ignores malformed paging values and caps `per_page` at 100. */
export const pagingFields = {
  per_page: z
    .string()
    .optional()
    .transform(value =>
      Math.min(MAX_PER_PAGE, positiveIntOr(value, DEFAULT_PER_PAGE)),
    ),
  page: z
    .string()
    .optional()
    .transform(value => positiveIntOr(value, 1)),
};

/** A half-open range `[from, to)` in epoch ms; missing ends are unbounded. */
export interface TimeRange {
  from?: number;
  to?: number;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 24 * 60 * 60 * 1000;

interface ParsedInstant {
  start: number;
  /** First instant after the value (the next day for a bare date). */
  end: number;
}

function parseInstant(text: string): ParsedInstant | undefined {
  const trimmed = text.trim();
  if (DATE_ONLY.test(trimmed)) {
    const start = Date.parse(`${trimmed}T00:00:00Z`);
    return Number.isNaN(start) ? undefined : { start, end: start + DAY_MS };
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(trimmed)) {
    return undefined;
  }
  const withZone = /([zZ]|[+-]\d{2}:?\d{2})$/.test(trimmed)
    ? trimmed
    : `${trimmed}Z`;
  const start = Date.parse(withZone);
  return Number.isNaN(start) ? undefined : { start, end: start + 1000 };
}

/**
 * Parses GitHub's search date syntax as used by the `created` filter:
 * `2024-01-01`, `>2024-01-01`, `>=…`, `<…`, `<=…`, `a..b`, `a..*`, `*..b`.
 * Bare dates cover the whole (UTC) day.
 */
export function parseDateRange(text: string): TimeRange | undefined {
  const value = text.trim();
  const range = value.split('..');
  if (range.length === 2) {
    const [fromText, toText] = range;
    const from = fromText === '*' ? undefined : parseInstant(fromText);
    const to = toText === '*' ? undefined : parseInstant(toText);
    if ((fromText !== '*' && !from) || (toText !== '*' && !to)) {
      return undefined;
    }
    return { from: from?.start, to: to?.end };
  }
  const match = /^(>=|<=|>|<)?(.+)$/.exec(value);
  if (!match) {
    return undefined;
  }
  const instant = parseInstant(match[2]);
  if (!instant) {
    return undefined;
  }
  switch (match[1]) {
    case '>=':
      return { from: instant.start };
    case '>':
      return { from: instant.end };
    case '<=':
      return { to: instant.end };
    case '<':
      return { to: instant.start };
    default:
      return { from: instant.start, to: instant.end };
  }
}

export function inRange(range: TimeRange | undefined, at: number): boolean {
  if (!range) {
    return true;
  }
  return (
    (range.from === undefined || at >= range.from) &&
    (range.to === undefined || at < range.to)
  );
}

const dateRangeField = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) {
      return undefined;
    }
    const range = parseDateRange(value);
    if (!range) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'invalid' });
      return z.NEVER;
    }
    return range;
  });

const booleanField = z
  .enum(['true', 'false'])
  .optional()
  .transform(value => value === 'true');

const integerField = z
  .string()
  .regex(/^\d+$/)
  .optional()
  .transform(value => (value === undefined ? undefined : Number(value)));

export const pullsListQuery = z.object({
  state: z.enum(['open', 'closed', 'all']).default('open'),
  head: z.string().optional(),
  base: z.string().optional(),
  sort: z
    .enum(['created', 'updated', 'popularity', 'long-running'])
    .default('created'),
  direction: z.enum(['asc', 'desc']).optional(),
  ...pagingFields,
});

export const RUN_STATUS_FILTERS = [
  'completed',
  'action_required',
  'cancelled',
  'failure',
  'neutral',
  'skipped',
  'stale',
  'success',
  'timed_out',
  'in_progress',
  'queued',
  'requested',
  'waiting',
  'pending',
] as const;

export const workflowRunsQuery = z.object({
  actor: z.string().optional(),
  branch: z.string().optional(),
  event: z.string().optional(),
  status: z.enum(RUN_STATUS_FILTERS).optional(),
  created: dateRangeField,
  exclude_pull_requests: booleanField,
  check_suite_id: integerField,
  head_sha: z.string().optional(),
  ...pagingFields,
});

export const checkRunsQuery = z.object({
  check_name: z.string().optional(),
  status: z.enum(['queued', 'in_progress', 'completed']).optional(),
  filter: z.enum(['latest', 'all']).default('latest'),
  app_id: integerField,
  ...pagingFields,
});

export const deploymentsQuery = z.object({
  sha: z.string().optional(),
  ref: z.string().optional(),
  task: z.string().optional(),
  environment: z.string().optional(),
  ...pagingFields,
});

export const pagingQuery = z.object(pagingFields);

const timestampField = z
  .string()
  .optional()
  .refine(value => value === undefined || !Number.isNaN(Date.parse(value)))
  .transform(value => (value === undefined ? undefined : Date.parse(value)));

export const commitsQuery = z.object({
  sha: z.string().optional(),
  since: timestampField,
  until: timestampField,
  ...pagingFields,
});

/** Validates a query, turning failures into GitHub's 422 body. */
export function parseQuery<T extends z.ZodTypeAny>(
  schema: T,
  query: RawQuery,
  resource: string,
  documentationUrl?: string,
): z.output<T> {
  const result = schema.safeParse(query);
  if (result.success) {
    return result.data;
  }
  const errors: ValidationErrorDetail[] = result.error.issues.map(issue => {
    const field = String(issue.path[0] ?? '');
    return {
      resource,
      field,
      code: 'invalid',
      value: query[field] ?? null,
    };
  });
  throw validationFailed(errors, documentationUrl);
}
