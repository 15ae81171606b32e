import { createHash } from 'node:crypto';
import {
  PagerDutyEventError,
  parsePagerDutyEvent,
  routingKeyIntegration,
} from './pagerduty';
import { fixture } from './__fixtures__';

const ROUTING_KEY = 'e93facc04764012d7bfb002500d5d1a6';
const routingKeys = new Map([[ROUTING_KEY, 'component:default/payments-api']]);

function errorsOf(body: unknown): string[] {
  try {
    parsePagerDutyEvent(body, { routingKeys });
  } catch (error) {
    expect(error).toBeInstanceOf(PagerDutyEventError);
    return (error as PagerDutyEventError).errors;
  }
  throw new Error('expected the event to be refused');
}

describe('parsePagerDutyEvent', () => {
  it('reads the Events API v2 example trigger', () => {
    const event = fixture('pagerduty-trigger');
    const parsed = parsePagerDutyEvent(event, { routingKeys });
    expect(parsed.dedupKey).toBe('srv01/mysql');
    expect(parsed.signal).toEqual({
      action: 'trigger',
      dedupKey: 'srv01/mysql',
      entity: {
        ref: 'component:default/payments-api',
        from: 'pulse.oncall.routingKeys',
      },
      title: 'DISK at 99% on machine prod-datapipe03.example.com',
      severity: 'critical',
      source: 'pagerduty',
      integrationKey: routingKeyIntegration(ROUTING_KEY),
      rawPayload: expect.objectContaining({
        dedup_key: 'srv01/mysql',
        payload: event.payload,
        client: 'Sample Monitoring Service',
        links: event.links,
      }),
      occurredAt: new Date('2015-07-17T08:42:58.315Z'),
    });
  });

  it('never stores the routing key, which is a secret', () => {
    const parsed = parsePagerDutyEvent(fixture('pagerduty-trigger'), {
      routingKeys,
    });
    expect(JSON.stringify(parsed.signal)).not.toContain(ROUTING_KEY);
    expect(parsed.signal.integrationKey).toMatch(/^pagerduty:[0-9a-f]{12}$/);
  });

  it('reads what Alertmanager’s own pagerduty_config sends', () => {
    const parsed = parsePagerDutyEvent(fixture('pagerduty-from-alertmanager'), {
      routingKeys,
    });
    expect(parsed.signal).toMatchObject({
      action: 'trigger',
      severity: 'error',
      title: '[FIRING:1] HighRequestLatency payments-api (page)',
      occurredAt: undefined,
    });
  });

  it('reads acknowledge and resolve with only a dedup key', () => {
    const resolve = parsePagerDutyEvent(fixture('pagerduty-resolve'), {
      routingKeys,
    });
    expect(resolve.signal).toMatchObject({
      action: 'resolve',
      dedupKey: 'srv01/mysql',
      integrationKey: routingKeyIntegration(ROUTING_KEY),
    });
    const ack = parsePagerDutyEvent(
      { ...fixture('pagerduty-resolve'), event_action: 'acknowledge' },
      { routingKeys },
    );
    expect(ack.signal.action).toBe('acknowledge');
  });

  it('generates and returns a key for a trigger without one', () => {
    const event = fixture('pagerduty-trigger');
    delete event.dedup_key;
    const parsed = parsePagerDutyEvent(event, {
      routingKeys,
      generateKey: () => 'generated-key',
    });
    expect(parsed.dedupKey).toBe('generated-key');
    expect(parsed.signal.dedupKey).toBe('generated-key');
    const random = parsePagerDutyEvent(event, { routingKeys });
    expect(random.dedupKey).toMatch(/^[0-9a-f]{32}$/);
  });

  it('stores a dedup key over 255 characters as its SHA-256 and answers with the original', () => {
    const event = fixture('pagerduty-trigger');
    event.dedup_key = 'k'.repeat(400);
    const parsed = parsePagerDutyEvent(event, { routingKeys });
    expect(parsed.dedupKey).toBe(event.dedup_key);
    expect(parsed.signal.dedupKey).toBe(
      `sha256:${createHash('sha256').update(event.dedup_key).digest('hex')}`,
    );
  });

  it('says which routing keys are different integrations', () => {
    expect(routingKeyIntegration('a')).not.toBe(routingKeyIntegration('b'));
  });

  describe('invalid events, answered like PagerDuty', () => {
    it('lists each missing trigger field', () => {
      const event = fixture('pagerduty-trigger');
      delete event.payload.summary;
      event.payload.source = '   ';
      event.payload.severity = 'fatal';
      expect(errorsOf(event)).toEqual([
        "'payload.summary' is required",
        "'payload.source' is missing or blank",
        "'payload.severity' must be one of 'critical', 'error', 'warning' or 'info'",
      ]);
    });

    it('needs a payload to trigger and a dedup key to acknowledge or resolve', () => {
      const trigger = fixture('pagerduty-trigger');
      delete trigger.payload;
      expect(errorsOf(trigger)).toEqual(["'payload' is missing"]);
      const resolve = fixture('pagerduty-resolve');
      delete resolve.dedup_key;
      expect(errorsOf(resolve)).toEqual(["'dedup_key' is required to resolve"]);
    });

    it('refuses a missing routing key and an unknown action', () => {
      const event = fixture('pagerduty-trigger');
      delete event.routing_key;
      event.event_action = 'snooze';
      expect(errorsOf(event)).toEqual([
        "'routing_key' is required",
        "'event_action' must be one of 'trigger', 'acknowledge' or 'resolve'",
      ]);
    });

    it('refuses a routing key that is not configured, as PagerDuty refuses an invalid one', () => {
      const event = fixture('pagerduty-trigger');
      event.routing_key = 'R0000000000000000000000000000000';
      expect(errorsOf(event)).toEqual([
        'Invalid routing key: it is not configured in pulse.oncall.routingKeys',
      ]);
    });

    it('refuses a body that is not an object', () => {
      expect(errorsOf([1, 2])).toEqual(['Event must be a JSON object']);
    });
  });
});
