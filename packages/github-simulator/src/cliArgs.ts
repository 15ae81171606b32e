import { parseArgs } from 'node:util';
import type { GitHubSimulatorOptions } from './options';

/** Command line flags, the environment variable for each, and its meaning. */
export const CLI_FLAGS = {
  port: [
    'GITHUB_SIMULATOR_PORT',
    'port to listen on (default 0: any free port)',
  ],
  host: ['GITHUB_SIMULATOR_HOST', 'interface to bind (default 127.0.0.1)'],
  seed: [
    'GITHUB_SIMULATOR_SEED',
    'seed for data, activity and faults (default 1)',
  ],
  repositories: [
    'GITHUB_SIMULATOR_REPOSITORIES',
    'comma-separated owner/name list',
  ],
  owners: [
    'GITHUB_SIMULATOR_OWNERS',
    'comma-separated owners of generated repositories',
  ],
  'repo-count': [
    'GITHUB_SIMULATOR_REPO_COUNT',
    'number of generated repositories (default 5)',
  ],
  pulls: [
    'GITHUB_SIMULATOR_PULLS',
    'pull requests per repository (default 50)',
  ],
  runs: ['GITHUB_SIMULATOR_RUNS', 'workflow runs per repository (default 200)'],
  'activity-interval-ms': [
    'GITHUB_SIMULATOR_ACTIVITY_INTERVAL_MS',
    'run an activity step every N ms',
  ],
  'activity-step-seconds': [
    'GITHUB_SIMULATOR_ACTIVITY_STEP_SECONDS',
    'simulated seconds per activity step (default 60)',
  ],
  'webhook-url': [
    'GITHUB_SIMULATOR_WEBHOOK_URL',
    'URL that receives signed webhook deliveries',
  ],
  'webhook-secret': [
    'GITHUB_SIMULATOR_WEBHOOK_SECRET',
    'secret for X-Hub-Signature-256',
  ],
  tokens: [
    'GITHUB_SIMULATOR_TOKENS',
    'comma-separated accepted tokens (default: any)',
  ],
  'rate-limit': [
    'GITHUB_SIMULATOR_RATE_LIMIT',
    'requests per hour per token (default 5000)',
  ],
  'latency-ms': [
    'GITHUB_SIMULATOR_LATENCY_MS',
    'latency per response: N or MIN-MAX',
  ],
  'error-rate': [
    'GITHUB_SIMULATOR_ERROR_RATE',
    'fraction of requests answered 502/503',
  ],
  'timeout-rate': [
    'GITHUB_SIMULATOR_TIMEOUT_RATE',
    'fraction of requests never answered',
  ],
  'drop-rate': [
    'GITHUB_SIMULATOR_DROP_RATE',
    'fraction of connections dropped',
  ],
  'html-base-url': [
    'GITHUB_SIMULATOR_HTML_BASE_URL',
    'base of html_url fields (default https://github.com)',
  ],
} as const;

export type CliFlag = keyof typeof CLI_FLAGS;

export class CliUsageError extends Error {}

export function usage(): string {
  const lines = Object.entries(CLI_FLAGS).map(
    ([flag, [env, description]]) =>
      `  --${flag.padEnd(22)} ${description} [${env}]`,
  );
  return ['Usage: github-simulator [options]', '', ...lines, '  --help'].join(
    '\n',
  );
}

function number(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) {
    throw new CliUsageError(`--${flag} expects a number, got "${text}"`);
  }
  return value;
}

function list(text: string): string[] {
  return text
    .split(',')
    .map(item => item.trim())
    .filter(Boolean);
}

function latency(text: string): GitHubSimulatorOptions['latencyMs'] {
  const range = /^(\d+)-(\d+)$/.exec(text.trim());
  if (range) {
    return { minMs: Number(range[1]), maxMs: Number(range[2]) };
  }
  return number('latency-ms', text);
}

export type CliResult =
  | { kind: 'help' }
  | { kind: 'start'; options: GitHubSimulatorOptions };

/**
 * Turns flags (which win) and `GITHUB_SIMULATOR_*` environment variables into
 * simulator options.
 */
export function parseCliArgs(
  argv: string[],
  env: Record<string, string | undefined> = {},
): CliResult {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        ...Object.fromEntries(
          Object.keys(CLI_FLAGS).map(flag => [
            flag,
            { type: 'string' as const },
          ]),
        ),
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new CliUsageError(
      error instanceof Error ? error.message : String(error),
    );
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) {
    return { kind: 'help' };
  }
  const value = (flag: CliFlag): string | undefined => {
    const fromFlag = values[flag];
    if (typeof fromFlag === 'string') {
      return fromFlag;
    }
    const fromEnv = env[CLI_FLAGS[flag][0]];
    return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
  };
  const numeric = (flag: CliFlag) => {
    const text = value(flag);
    return text === undefined ? undefined : number(flag, text);
  };

  const options: GitHubSimulatorOptions = {
    port: numeric('port'),
    host: value('host'),
    seed: numeric('seed'),
    repoCount: numeric('repo-count'),
    pullsPerRepo: numeric('pulls'),
    runsPerRepo: numeric('runs'),
    htmlBaseUrl: value('html-base-url'),
  };
  const repositories = value('repositories');
  if (repositories) {
    options.repositories = list(repositories);
  }
  const owners = value('owners');
  if (owners) {
    options.owners = list(owners);
  }
  const tokens = value('tokens');
  if (tokens) {
    options.tokens = list(tokens);
  }
  const rateLimit = numeric('rate-limit');
  if (rateLimit !== undefined) {
    options.rateLimit = { limit: rateLimit };
  }
  const latencyText = value('latency-ms');
  if (latencyText) {
    options.latencyMs = latency(latencyText);
  }
  const faults = {
    errorRate: numeric('error-rate'),
    timeoutRate: numeric('timeout-rate'),
    dropRate: numeric('drop-rate'),
  };
  if (Object.values(faults).some(rate => rate !== undefined)) {
    options.faults = faults;
  }
  const intervalMs = numeric('activity-interval-ms');
  const stepSeconds = numeric('activity-step-seconds');
  if (intervalMs !== undefined || stepSeconds !== undefined) {
    options.activity = { intervalMs, stepSeconds };
  }
  const webhookUrl = value('webhook-url');
  if (webhookUrl) {
    options.webhook = {
      url: webhookUrl,
      secret: value('webhook-secret') ?? '',
    };
  } else if (value('webhook-secret')) {
    throw new CliUsageError('--webhook-secret needs --webhook-url');
  }
  return {
    kind: 'start',
    options: Object.fromEntries(
      Object.entries(options).filter(([, option]) => option !== undefined),
    ) as GitHubSimulatorOptions,
  };
}
