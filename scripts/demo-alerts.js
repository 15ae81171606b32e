#!/usr/bin/env node
// The demo's monitoring: now and then fires a Prometheus Alertmanager alert at one of the demo
// services, later resolves it, and pings the billing worker's heartbeat, all through Pulse's alert
// intake with the demo's external access token. Started by scripts/dev.sh.
const { randomBytes } = require('node:crypto');

const backend = process.env.PULSE_BACKEND_URL ?? 'http://localhost:7007';
const token = process.env.PULSE_DEMO_ALERT_TOKEN ?? 'pulse-demo-alerts-token';
const intervalMs = Number(process.env.PULSE_DEMO_ALERT_INTERVAL_MS ?? 120_000);
const heartbeatMs = 60_000;

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
const firing = new Map();

function pick(list) {
  return list[Math.floor(Math.random() * list.length)];
}

function alert(service, kind, status, fingerprint, startsAt) {
  return {
    status,
    labels: {
      alertname: kind.alertname,
      severity: kind.severity,
      entity_ref: `component:default/${service}`,
      job: service,
    },
    annotations: { summary: `${service}: ${kind.summary}` },
    startsAt,
    endsAt:
      status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z',
    generatorURL: `http://prometheus.demo.invalid/graph?g0.expr=${kind.alertname}`,
    fingerprint,
  };
}

async function post(path, body) {
  const res = await fetch(`${backend}/api/pulse/v1${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) {
    throw new Error(`${path}: ${res.status} ${await res.text()}`);
  }
}

async function deliver(service, kind, status, entry) {
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
    alerts: [alert(service, kind, status, entry.fingerprint, entry.startsAt)],
  });
}

async function step() {
  if (firing.size > 0 && Math.random() < 0.5) {
    const [key, entry] = pick([...firing.entries()]);
    firing.delete(key);
    await deliver(entry.service, entry.kind, 'resolved', entry);
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
  await deliver(service, kind, 'firing', entry);
  console.log(`[demo-alerts] firing ${kind.alertname} on ${service}`);
}

function every(ms, fn) {
  const run = () =>
    fn().catch(error => console.error(`[demo-alerts] ${error.message}`));
  setTimeout(run, 15_000);
  setInterval(run, ms);
}

every(intervalMs, step);
every(heartbeatMs, () => post('/alerts/heartbeat/billing-nightly'));
console.log(
  `[demo-alerts] sending alerts to ${backend} every ${intervalMs / 1000} s`,
);
