import alertmanagerFiring from './alertmanager-firing.json';
import alertmanagerPartlyResolved from './alertmanager-partly-resolved.json';
import alertmanagerNoFingerprint from './alertmanager-v0.15-no-fingerprint.json';
import grafana8ValueString from './grafana-8-valuestring.json';
import grafanaLegacy from './grafana-legacy.json';
import grafanaUnified from './grafana-unified.json';
import jsonTrigger from './json-trigger.json';
import pagerdutyFromAlertmanager from './pagerduty-from-alertmanager.json';
import pagerdutyResolve from './pagerduty-resolve.json';
import pagerdutyTrigger from './pagerduty-trigger.json';

/**
 * Sample payloads as real senders write them: Alertmanager 0.2x and 0.15 (no fingerprints), the
 * Grafana webhook documentation's unified-alerting example, a Grafana 8 delivery with
 * `valueString`, a legacy dashboard alert, the PagerDuty Events API v2 documentation's event and
 * what Alertmanager's `pagerduty_configs` sends, and Pulse's plain JSON form.
 */
const fixtures = {
  'alertmanager-firing': alertmanagerFiring,
  'alertmanager-partly-resolved': alertmanagerPartlyResolved,
  'alertmanager-v0.15-no-fingerprint': alertmanagerNoFingerprint,
  'grafana-unified': grafanaUnified,
  'grafana-8-valuestring': grafana8ValueString,
  'grafana-legacy': grafanaLegacy,
  'pagerduty-trigger': pagerdutyTrigger,
  'pagerduty-from-alertmanager': pagerdutyFromAlertmanager,
  'pagerduty-resolve': pagerdutyResolve,
  'json-trigger': jsonTrigger,
};

export type FixtureName = keyof typeof fixtures;

/** A fresh copy of a sample payload, free to change in a test. */
export function fixture(name: FixtureName): any {
  return structuredClone(fixtures[name]);
}
