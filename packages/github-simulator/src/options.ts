import { z } from 'zod';
import type { WebhookSettings } from './activity/WebhookDispatcher';
import type { SimulatorLogger } from './server/context';
import type {
  FaultSettings,
  LatencySetting,
  SecondaryRateLimitSettings,
} from './server/FaultInjector';

export interface GitHubSimulatorOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
  /** Seed for all generated data, activity and faults; default 1. */
  seed?: number;
  /** Owners (organizations) of generated repositories; default `['acme']`. */
  owners?: string[];
  /** Explicit `owner/name` repositories; overrides `owners`/`repoCount`. */
  repositories?: string[];
  /** Number of generated repositories; default 5. */
  repoCount?: number;
  /** Pull requests per repository; default 50. */
  pullsPerRepo?: number;
  /** Workflow runs per repository; default 200. */
  runsPerRepo?: number;
  /** Days of history to generate before `now`; default 120. */
  historyDays?: number;
  /** Source of the current time; generated history ends at its first value. */
  now?: () => Date;
  /** Web UI base for `html_url` fields; default `https://github.com`. */
  htmlBaseUrl?: string;
  /** When set, only these tokens are accepted (others get 401). */
  tokens?: string[];
  rateLimit?: {
    /** Requests per window per token; default 5000. */
    limit?: number;
    /** Window length; default 3600. */
    windowSeconds?: number;
    /** Requests per window without a token; default 60. */
    unauthenticatedLimit?: number;
  };
  /** Added to every API response: fixed ms or `{ minMs, maxMs }`. */
  latencyMs?: LatencySetting;
  faults?: FaultSettings;
  /** Random secondary rate limiting of a fraction of requests. */
  secondaryRateLimit?: SecondaryRateLimitSettings;
  /** Where activity mode POSTs signed webhook deliveries. */
  webhook?: WebhookSettings;
  activity?: {
    /** Run `tick()` on this interval (ms); off by default. */
    intervalMs?: number;
    /** Simulated seconds each tick advances; default 60. */
    stepSeconds?: number;
  };
  logger?: SimulatorLogger;
}

const fraction = z.number().min(0).max(1);
const repositoryName = z
  .string()
  .regex(
    /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\/[A-Za-z0-9._-]+$/,
    'must look like owner/name',
  );
const ownerName = z
  .string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/);

const optionsSchema = z.object({
  port: z.number().int().min(0).max(65535).default(0),
  host: z.string().min(1).default('127.0.0.1'),
  seed: z.number().int().default(1),
  owners: z.array(ownerName).min(1).default(['acme']),
  repositories: z.array(repositoryName).optional(),
  repoCount: z.number().int().min(1).max(10_000).default(5),
  pullsPerRepo: z.number().int().min(0).max(100_000).default(50),
  runsPerRepo: z.number().int().min(0).max(100_000).default(200),
  historyDays: z.number().int().min(1).max(3650).default(120),
  htmlBaseUrl: z
    .string()
    .url()
    .default('https://github.com')
    .transform(url => url.replace(/\/+$/, '')),
  tokens: z.array(z.string().min(1)).optional(),
  rateLimit: z
    .object({
      limit: z.number().int().min(0).default(5000),
      windowSeconds: z.number().int().min(1).default(3600),
      unauthenticatedLimit: z.number().int().min(0).default(60),
    })
    .default({}),
  latencyMs: z
    .union([
      z.number().min(0),
      z
        .object({ minMs: z.number().min(0), maxMs: z.number().min(0) })
        .refine(range => range.maxMs >= range.minMs, 'maxMs < minMs'),
    ])
    .default(0),
  faults: z
    .object({
      errorRate: fraction.optional(),
      errorStatuses: z
        .array(z.union([z.literal(500), z.literal(502), z.literal(503)]))
        .optional(),
      timeoutRate: fraction.optional(),
      timeoutMs: z.number().int().min(0).optional(),
      dropRate: fraction.optional(),
    })
    .default({}),
  secondaryRateLimit: z
    .object({
      rate: fraction.optional(),
      status: z.union([z.literal(403), z.literal(429)]).optional(),
      retryAfterSeconds: z.number().int().min(0).optional(),
    })
    .default({}),
  webhook: z
    .object({
      url: z.string().url(),
      secret: z.string(),
      installationId: z.number().int().optional(),
      hookId: z.number().int().optional(),
      timeoutMs: z.number().int().min(1).optional(),
    })
    .optional(),
  activity: z
    .object({
      intervalMs: z.number().int().min(1).optional(),
      stepSeconds: z.number().min(0).default(60),
    })
    .default({}),
});

export type ResolvedOptions = z.output<typeof optionsSchema> & {
  now: () => Date;
  logger?: SimulatorLogger;
};

/** Applies defaults and rejects invalid options with a readable message. */
export function resolveOptions(
  options: GitHubSimulatorOptions,
): ResolvedOptions {
  const { now, logger, ...rest } = options;
  const parsed = optionsSchema.safeParse(rest);
  if (!parsed.success) {
    const details = parsed.error.issues
      .map(issue => `${issue.path.join('.') || 'options'}: ${issue.message}`)
      .join('; ');
    throw new Error(`Invalid GitHub simulator options: ${details}`);
  }
  return { ...parsed.data, now: now ?? (() => new Date()), logger };
}
