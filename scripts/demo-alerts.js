#!/usr/bin/env node
// The demo's monitoring: now and then fires a Prometheus Alertmanager alert at one of the demo
// services, later resolves it, and pings the billing worker's heartbeat, all through Pulse's alert
// intake with the demo's external access token. It also watches the GitHub simulator's production
// deployments (its REST API, as a client would) and, after some of them, fires an alert at the
// deployed service a few minutes later, so that the delivery metrics' change failure rate has
// failures to count. Started by scripts/dev.sh.
//
// Environment (all optional):
//   PULSE_BACKEND_URL                 Pulse's backend (http://localhost:7007)
//   PULSE_DEMO_ALERT_TOKEN            the alert intake's token (pulse-demo-alerts-token)
//   PULSE_DEMO_ALERT_INTERVAL_MS      between random alerts (120000)
//   PULSE_DEMO_GITHUB_URL             the GitHub simulator's API (http://localhost:7010, dev.sh's)
//   PULSE_DEMO_GITHUB_TOKEN           the token sent to it (pulse-demo-alerts: the simulator takes
//                                     any token, and this one has its own rate limit, apart from
//                                     the backend's)
//   PULSE_DEMO_DEPLOY_POLL_MS         between looks at the deployments (30000)
//   PULSE_DEMO_DEPLOY_ALERT_RATE      share of successful production deployments followed by an
//                                     alert, 0 to 1 (0.3)
//   PULSE_DEMO_DEPLOY_ALERT_DELAY_MS  how long after the deployment is seen, `N` or `MIN-MAX`
//                                     (60000-600000)
//   PULSE_DEMO_CATALOG_DIR            the catalog files mapping repositories to services (examples/)
const { createHash, randomBytes } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const heartbeatMs = 60_000;
const PRODUCTION = 'production';

const services = [
  'payments-api',
  'billing-worker',
  'ledger-service',
  'storefront-web',
  'catalog-service',
  'checkout-service',
];
const alertKinds = [
  {
    alertname: 'HighRequestLatency',
    severity: 'page',
    summary: 'p99 latency above 500 ms',
  },
  {
    alertname: 'ErrorRateHigh',
    severity: 'critical',
    summary: '5xx rate above 2%',
  },
  {
    alertname: 'PodCrashLooping',
    severity: 'warning',
    summary: 'a pod restarted 5 times in 10 minutes',
  },
  {
    alertname: 'QueueBacklogGrowing',
    severity: 'warning',
    summary: 'consumer lag above 10k messages',
  },
];
// After a deployment only the kinds whose incidents the change failure rate counts: it counts
// incidents of at least `pulse.metrics.failureSeverity`, `error` by default, and `warning` is less.
const deploymentAlertKinds = alertKinds.filter(
  kind => kind.severity !== 'warning',
);

// ---------------------------------------------------------------------------------------------
// Configuration

function parseDelay(text, name) {
  const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(text);
  const minMs = match ? Number(match[1]) : NaN;
  const maxMs = match ? Number(match[2] ?? match[1]) : NaN;
  if (!(minMs >= 0 && maxMs >= minMs)) {
    throw new Error(
      `${name} must be N or MIN-MAX milliseconds (MIN <= MAX), got '${text}'`,
    );
  }
  return { minMs, maxMs };
}

function positiveNumber(env, name, fallback) {
  const text = env[name] ?? String(fallback);
  const value = Number(text);
  if (!(value > 0)) {
    throw new Error(`${name} must be a positive number, got '${text}'`);
  }
  return value;
}

/** The settings, from the environment; throws on a value that makes no sense. */
function readConfig(env = process.env) {
  const rateText = env.PULSE_DEMO_DEPLOY_ALERT_RATE ?? '0.3';
  const followRate = Number(rateText);
  if (!(rateText.trim() !== '' && followRate >= 0 && followRate <= 1)) {
    throw new Error(
      `PULSE_DEMO_DEPLOY_ALERT_RATE must be a number from 0 to 1, got '${rateText}'`,
    );
  }
  return {
    backend: env.PULSE_BACKEND_URL ?? 'http://localhost:7007',
    token: env.PULSE_DEMO_ALERT_TOKEN ?? 'pulse-demo-alerts-token',
    intervalMs: positiveNumber(env, 'PULSE_DEMO_ALERT_INTERVAL_MS', 120_000),
    githubUrl: (env.PULSE_DEMO_GITHUB_URL ?? 'http://localhost:7010').replace(
      /\/+$/,
      '',
    ),
    githubToken: env.PULSE_DEMO_GITHUB_TOKEN ?? 'pulse-demo-alerts',
    pollMs: positiveNumber(env, 'PULSE_DEMO_DEPLOY_POLL_MS', 30_000),
    followRate,
    delay: parseDelay(
      env.PULSE_DEMO_DEPLOY_ALERT_DELAY_MS ?? '60000-600000',
      'PULSE_DEMO_DEPLOY_ALERT_DELAY_MS',
    ),
    catalogDir:
      env.PULSE_DEMO_CATALOG_DIR ?? path.join(__dirname, '..', 'examples'),
  };
}

// ---------------------------------------------------------------------------------------------
// The catalog: which service a repository belongs to

function unquote(text) {
  const value = text.trim();
  if (
    value.length >= 2 &&
    (value[0] === '"' || value[0] === "'") &&
    value[value.length - 1] === value[0]
  ) {
    return value.slice(1, -1);
  }
  return value;
}

/**
 * The nested `key: value` mappings of one YAML document, which is all a catalog entity needs for
 * its kind, name, namespace and annotations. Sequences, block scalars and flow collections are
 * skipped (with everything nested in them), not parsed.
 */
function parseYamlMappings(text) {
  const root = {};
  const stack = [{ indent: -1, node: root }];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+#.*$/, '');
    if (!line.trim() || line.trimStart().startsWith('#')) {
      continue;
    }
    const indent = line.length - line.trimStart().length;
    while (stack[stack.length - 1].indent >= indent) {
      stack.pop();
    }
    const parent = stack[stack.length - 1].node;
    const entry = /^ *('[^']*'|"[^"]*"|[^\s'"\-#][^:]*?):(?:\s+(.*))?$/.exec(
      line,
    );
    if (!parent || !entry) {
      // A sequence item or a line inside something skipped: skip what is nested in it too.
      stack.push({ indent, node: null });
      continue;
    }
    const key = unquote(entry[1]);
    const value = entry[2]?.trim() ?? '';
    if (value === '') {
      parent[key] = {};
      stack.push({ indent, node: parent[key] });
    } else if (/^[|>]/.test(value) || /^[[{]/.test(value)) {
      parent[key] = null;
      stack.push({ indent, node: null });
    } else {
      parent[key] = unquote(value);
    }
  }
  return root;
}

/** The components of catalog files' text that name a GitHub repository, in order. */
function catalogComponents(text) {
  return text
    .split(/^---[ \t]*$/m)
    .map(parseYamlMappings)
    .filter(
      doc =>
        typeof doc.kind === 'string' &&
        doc.kind.toLowerCase() === 'component' &&
        typeof doc.metadata?.name === 'string' &&
        typeof doc.metadata?.annotations?.['github.com/project-slug'] ===
          'string',
    )
    .map(doc => ({
      name: doc.metadata.name,
      entityRef: `component:${doc.metadata.namespace ?? 'default'}/${
        doc.metadata.name
      }`,
      repository: doc.metadata.annotations['github.com/project-slug'],
    }));
}

/** Repository (`owner/name`, as the annotation writes it) → its component, from a folder's `*.yaml`. */
function readRepositoryServices(dir) {
  const byRepository = new Map();
  for (const file of fs.readdirSync(dir).sort()) {
    if (!/\.ya?ml$/.test(file)) {
      continue;
    }
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    for (const component of catalogComponents(text)) {
      byRepository.set(component.repository, component);
    }
  }
  return byRepository;
}

// ---------------------------------------------------------------------------------------------
// Deployments: which are new, which succeeded, which to follow

/** What the deployment watch remembers, per repository. */
function createDeploymentTracker() {
  return { repositories: new Map() };
}

function repositoryState(tracker, repository) {
  let state = tracker.repositories.get(repository);
  if (!state) {
    state = {
      // False until the first listing, whose deployments all count as seen.
      baselined: false,
      // Deployments decided on: succeeded (followed or not), failed or superseded.
      seen: new Set(),
      // Deployment id → its `updated_at` when its statuses were last read and it had not ended.
      pending: new Map(),
      // The newest successful production deployment seen.
      latestSuccessId: undefined,
      etag: undefined,
    };
    tracker.repositories.set(repository, state);
  }
  return state;
}

/**
 * Takes in a repository's production deployments (GitHub's REST shape, any order) and returns
 * those whose statuses need reading: new ones, and pending ones that changed since. The first
 * listing of a repository only records what is there, so that a restart follows nothing old.
 */
function deploymentsToCheck(tracker, repository, deployments) {
  const state = repositoryState(tracker, repository);
  const production = deployments.filter(
    deployment => deployment.environment === PRODUCTION,
  );
  if (!state.baselined) {
    state.baselined = true;
    for (const deployment of production) {
      state.seen.add(deployment.id);
    }
    return [];
  }
  return production
    .filter(
      deployment =>
        !state.seen.has(deployment.id) &&
        state.pending.get(deployment.id) !== deployment.updated_at,
    )
    .sort((a, b) => a.id - b.id);
}

/**
 * Records a deployment's latest status (`statuses[0].state` of GitHub's list, newest first) and
 * says what it means: `succeeded` once (the deployment to consider following), `ended` (failed,
 * errored or already superseded: never followed), or `pending`.
 */
function recordDeploymentStatus(tracker, repository, deployment, latestState) {
  const state = repositoryState(tracker, repository);
  if (state.seen.has(deployment.id)) {
    return 'ended';
  }
  if (latestState === 'success') {
    state.seen.add(deployment.id);
    state.pending.delete(deployment.id);
    if (!(state.latestSuccessId > deployment.id)) {
      state.latestSuccessId = deployment.id;
    }
    return 'succeeded';
  }
  if (['failure', 'error', 'inactive'].includes(latestState)) {
    state.seen.add(deployment.id);
    state.pending.delete(deployment.id);
    return 'ended';
  }
  state.pending.set(deployment.id, deployment.updated_at);
  return 'pending';
}

/**
 * Whether a deployment is still the repository's newest successful production deployment seen:
 * the change failure rate blames an incident on the latest one before it, so an alert meant to
 * follow an older one would count against the newer and is better left unsent.
 */
function isLatestSuccess(tracker, repository, deploymentId) {
  return tracker.repositories.get(repository)?.latestSuccessId === deploymentId;
}

/**
 * Which successful deployments get an alert, each with its delay and alert kind: each one with
 * probability `rate`, the delay uniform in [minMs, maxMs]. `random` returns numbers in [0, 1).
 */
function chooseFollowUps(succeeded, { rate, delay, random = Math.random }) {
  const chosen = [];
  for (const item of succeeded) {
    if (!(random() < rate)) {
      continue;
    }
    chosen.push({
      ...item,
      delayMs: Math.round(delay.minMs + random() * (delay.maxMs - delay.minMs)),
      kind: deploymentAlertKinds[
        Math.min(
          deploymentAlertKinds.length - 1,
          Math.floor(random() * deploymentAlertKinds.length),
        )
      ],
    });
  }
  return chosen;
}

async function githubGet(github, url, etag) {
  const res = await (github.fetch ?? fetch)(url, {
    headers: {
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      authorization: `Bearer ${github.token}`,
      ...(etag && { 'if-none-match': etag }),
    },
    signal: AbortSignal.timeout(github.timeoutMs ?? 10_000),
  });
  if (res.status === 304) {
    return { notModified: true, etag };
  }
  if (!res.ok) {
    const body = (await res.text()).slice(0, 200);
    throw new Error(`GET ${url}: ${res.status} ${body}`);
  }
  return { body: await res.json(), etag: res.headers.get('etag') ?? undefined };
}

/**
 * One look at the repositories' production deployments. Returns the deployments that succeeded
 * since the last look (`{ repository, deployment }`), oldest first per repository. A repository
 * whose requests fail is logged and left for the next look. `github` is `{ url, token, fetch? }`.
 */
async function pollDeployments(tracker, repositories, github, log = console) {
  const succeeded = [];
  for (const repository of repositories) {
    const state = repositoryState(tracker, repository);
    try {
      const listUrl = `${github.url}/repos/${repository}/deployments?environment=${PRODUCTION}&per_page=30`;
      const list = await githubGet(github, listUrl, state.etag);
      if (list.notModified) {
        continue;
      }
      if (!Array.isArray(list.body)) {
        throw new Error(`GET ${listUrl}: not a list of deployments`);
      }
      const toCheck = deploymentsToCheck(tracker, repository, list.body);
      for (const deployment of toCheck) {
        const statuses = await githubGet(
          github,
          `${github.url}/repos/${repository}/deployments/${deployment.id}/statuses?per_page=1`,
        );
        const latest = Array.isArray(statuses.body)
          ? statuses.body[0]?.state
          : undefined;
        if (
          recordDeploymentStatus(tracker, repository, deployment, latest) ===
          'succeeded'
        ) {
          succeeded.push({ repository, deployment });
        }
      }
      // Only once every status was read: a failure above reads the same list again next time.
      state.etag = list.etag;
    } catch (error) {
      log.error(
        `[demo-alerts] could not read the deployments of ${repository} (trying again later): ${error.message}`,
      );
    }
  }
  return succeeded;
}

// ---------------------------------------------------------------------------------------------
// Alerts

/** The alert that follows a deployment: its fingerprint is the deployment's, labels name it. */
function followUpEntry(
  service,
  repository,
  deployment,
  kind,
  now = new Date(),
) {
  const shortSha = deployment.sha.slice(0, 7);
  return {
    service: service.name,
    entityRef: service.entityRef,
    kind,
    fingerprint: createHash('sha256')
      .update(`${repository}#${deployment.id}`)
      .digest('hex')
      .slice(0, 16),
    startsAt: now.toISOString(),
    summary: `${kind.summary} after production deployment ${shortSha}`,
    labels: {
      environment: PRODUCTION,
      deployment_sha: deployment.sha,
    },
    annotations: {
      description: `Follows the production deployment ${deployment.id} of ${repository} at ${deployment.sha}`,
      deployment_url: deployment.url,
    },
  };
}

function alert(entry, status) {
  return {
    status,
    labels: {
      alertname: entry.kind.alertname,
      severity: entry.kind.severity,
      entity_ref: entry.entityRef ?? `component:default/${entry.service}`,
      job: entry.service,
      ...entry.labels,
    },
    annotations: {
      summary: `${entry.service}: ${entry.summary ?? entry.kind.summary}`,
      ...entry.annotations,
    },
    startsAt: entry.startsAt,
    endsAt:
      status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z',
    generatorURL: `http://prometheus.demo.invalid/graph?g0.expr=${entry.kind.alertname}`,
    fingerprint: entry.fingerprint,
  };
}

function main() {
  const config = readConfig();
  const firing = new Map();

  const pick = list => list[Math.floor(Math.random() * list.length)];

  async function post(route, body) {
    const res = await fetch(`${config.backend}/api/pulse/v1${route}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${config.token}`,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) {
      throw new Error(`${route}: ${res.status} ${await res.text()}`);
    }
  }

  async function deliver(entry, status) {
    const { kind, service } = entry;
    await post('/alerts/alertmanager', {
      version: '4',
      receiver: 'pulse',
      status,
      groupKey: `{}:{alertname="${kind.alertname}",job="${service}"}`,
      groupLabels: { alertname: kind.alertname, job: service },
      commonLabels: {
        alertname: kind.alertname,
        job: service,
        severity: kind.severity,
      },
      commonAnnotations: {},
      externalURL: 'http://alertmanager.demo.invalid',
      truncatedAlerts: 0,
      alerts: [alert(entry, status)],
    });
  }

  async function step() {
    if (firing.size > 0 && Math.random() < 0.5) {
      const [key, entry] = pick([...firing.entries()]);
      firing.delete(key);
      await deliver(entry, 'resolved');
      console.log(
        `[demo-alerts] resolved ${entry.kind.alertname} on ${entry.service}`,
      );
      return;
    }
    const service = pick(services);
    const kind = pick(alertKinds);
    const key = `${service}/${kind.alertname}`;
    const entry = firing.get(key) ?? {
      service,
      kind,
      fingerprint: randomBytes(8).toString('hex'),
      startsAt: new Date().toISOString(),
    };
    firing.set(key, entry);
    await deliver(entry, 'firing');
    console.log(`[demo-alerts] firing ${kind.alertname} on ${service}`);
  }

  function every(ms, fn) {
    const run = () =>
      fn().catch(error => console.error(`[demo-alerts] ${error.message}`));
    setTimeout(run, 15_000);
    setInterval(run, ms);
  }

  every(config.intervalMs, step);
  every(heartbeatMs, () => post('/alerts/heartbeat/billing-nightly'));
  console.log(
    `[demo-alerts] sending alerts to ${config.backend} every ${
      config.intervalMs / 1000
    } s`,
  );

  let repositoryServices = new Map();
  try {
    repositoryServices = readRepositoryServices(config.catalogDir);
  } catch (error) {
    console.error(`[demo-alerts] could not read the catalog: ${error.message}`);
  }
  if (repositoryServices.size === 0) {
    console.log(
      `[demo-alerts] no component in ${config.catalogDir} names a GitHub repository; not watching deployments`,
    );
    return;
  }
  const tracker = createDeploymentTracker();
  const github = { url: config.githubUrl, token: config.githubToken };

  async function followUp({ repository, deployment, delayMs, kind }) {
    const service = repositoryServices.get(repository);
    if (!isLatestSuccess(tracker, repository, deployment.id)) {
      console.log(
        `[demo-alerts] not alerting after ${repository}'s deployment ${deployment.id}: a newer one went out`,
      );
      return;
    }
    const entry = followUpEntry(service, repository, deployment, kind);
    firing.set(
      `${entry.service}/${kind.alertname}/${entry.fingerprint}`,
      entry,
    );
    await deliver(entry, 'firing');
    console.log(
      `[demo-alerts] firing ${kind.alertname} on ${entry.service}, ${Math.round(
        delayMs / 1000,
      )} s after its production deployment ${deployment.sha.slice(0, 7)}`,
    );
  }

  async function watch() {
    const succeeded = await pollDeployments(
      tracker,
      [...repositoryServices.keys()],
      github,
    );
    for (const chosen of chooseFollowUps(succeeded, {
      rate: config.followRate,
      delay: config.delay,
    })) {
      console.log(
        `[demo-alerts] ${
          chosen.repository
        } deployed ${chosen.deployment.sha.slice(
          0,
          7,
        )} to production; an alert follows in ${Math.round(
          chosen.delayMs / 1000,
        )} s`,
      );
      setTimeout(
        () =>
          followUp(chosen).catch(error =>
            console.error(`[demo-alerts] ${error.message}`),
          ),
        chosen.delayMs,
      );
    }
  }

  // Chained rather than on an interval, so that a slow simulator never gets overlapping looks.
  const poll = () =>
    watch()
      .catch(error => console.error(`[demo-alerts] ${error.message}`))
      .finally(() => setTimeout(poll, config.pollMs));
  poll();
  console.log(
    `[demo-alerts] watching the production deployments of ${
      repositoryServices.size
    } repositories at ${config.githubUrl} every ${
      config.pollMs / 1000
    } s; ${Math.round(config.followRate * 100)} % are followed by an alert ${
      config.delay.minMs / 1000
    }-${config.delay.maxMs / 1000} s later`,
  );
}

module.exports = {
  services,
  alertKinds,
  deploymentAlertKinds,
  readConfig,
  parseYamlMappings,
  catalogComponents,
  readRepositoryServices,
  createDeploymentTracker,
  deploymentsToCheck,
  recordDeploymentStatus,
  isLatestSuccess,
  chooseFollowUps,
  pollDeployments,
  followUpEntry,
  alert,
};

if (require.main === module) {
  main();
}
