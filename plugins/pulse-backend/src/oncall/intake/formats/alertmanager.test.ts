import { InputError } from '@backstage/errors';
import { createHash } from 'node:crypto';
import { parseAlertmanagerWebhook } from './alertmanager';
import { fixture } from './__fixtures__';

const fingerprint = { grouping: 'fingerprint' } as const;
const groupKey = { grouping: 'groupKey' } as const;

describe('parseAlertmanagerWebhook', () => {
  describe('fingerprint grouping', () => {
    it('turns each firing alert of a real delivery into a trigger keyed by its fingerprint', () => {
      const payload = fixture('alertmanager-firing');
      const signals = parseAlertmanagerWebhook(payload, fingerprint);

      expect(signals).toHaveLength(2);
      expect(signals[0]).toEqual({
        action: 'trigger',
        dedupKey: 'alertmanager:8a7e5f3c1b2d4e6f',
        entity: {
          ref: 'component:default/payments-api',
          from: "label 'entity_ref'",
        },
        title: 'HighRequestLatency: High request latency on payments-api',
        severity: 'critical',
        source: 'alertmanager',
        integrationKey: 'alertmanager',
        rawPayload: expect.objectContaining({
          groupKey: payload.groupKey,
          receiver: 'pulse',
          alerts: [payload.alerts[0]],
        }),
        occurredAt: new Date('2026-11-22T09:12:34.567Z'),
      });
      expect(signals[1].dedupKey).toBe('alertmanager:3f9d0c2a6b4e8d1c');
      expect((signals[1].rawPayload as any).alerts).toEqual([
        payload.alerts[1],
      ]);
    });

    it('resolves resolved alerts, dated by their end', () => {
      const signals = parseAlertmanagerWebhook(
        fixture('alertmanager-partly-resolved'),
        fingerprint,
      );
      expect(signals.map(s => [s.action, s.dedupKey, s.severity])).toEqual([
        ['resolve', 'alertmanager:0c1f6e0a4f2d9b7e', 'warning'],
        ['trigger', 'alertmanager:7b2c9e4d1a3f5e6c', 'critical'],
        ['trigger', 'alertmanager:e4a8c2b6d0f1937a', 'warning'],
      ]);
      expect(signals[0].occurredAt).toEqual(new Date('2026-11-22T08:31:00Z'));
      // The `service` label names a component in the default namespace.
      expect(signals[0].entity).toEqual({
        ref: 'ledger',
        from: "label 'service'",
      });
    });

    it('keys alerts from an old Alertmanager without fingerprints by a digest of their labels', () => {
      const payload = fixture('alertmanager-v0.15-no-fingerprint');
      const [signal] = parseAlertmanagerWebhook(payload, fingerprint);
      expect(signal.dedupKey).toMatch(/^alertmanager:[0-9a-f]{16}$/);
      expect(signal.action).toBe('resolve');
      expect(signal.title).toBe('InstanceDown: Instance status-page:9100 down');
      expect(signal.occurredAt).toEqual(new Date('2018-08-03T07:56:56.739Z'));

      // The same labels in another order give the same key; other labels another key.
      const reordered = fixture('alertmanager-v0.15-no-fingerprint');
      reordered.alerts[0].labels = Object.fromEntries(
        Object.entries(payload.alerts[0].labels).reverse(),
      );
      expect(parseAlertmanagerWebhook(reordered, fingerprint)[0].dedupKey).toBe(
        signal.dedupKey,
      );
      reordered.alerts[0].labels.instance = 'status-page:9101';
      expect(
        parseAlertmanagerWebhook(reordered, fingerprint)[0].dedupKey,
      ).not.toBe(signal.dedupKey);
    });

    it('gives an identical re-send the same keys', () => {
      const first = parseAlertmanagerWebhook(
        fixture('alertmanager-firing'),
        fingerprint,
      );
      const again = parseAlertmanagerWebhook(
        fixture('alertmanager-firing'),
        fingerprint,
      );
      expect(again.map(s => s.dedupKey)).toEqual(first.map(s => s.dedupKey));
    });

    it('takes the service from entity_ref, then ?entityRef=, then the service label', () => {
      const payload = fixture('alertmanager-partly-resolved');
      payload.alerts[0].labels.entity_ref = 'system:default/ledger';
      const signals = parseAlertmanagerWebhook(payload, {
        ...fingerprint,
        entityRefParam: 'component:finance/ledger',
      });
      expect(signals.map(s => s.entity)).toEqual([
        { ref: 'system:default/ledger', from: "label 'entity_ref'" },
        {
          ref: 'component:finance/ledger',
          from: "query parameter 'entityRef'",
        },
        {
          ref: 'component:finance/ledger',
          from: "query parameter 'entityRef'",
        },
      ]);
    });

    it('refuses an alert that names no service, saying how to name one', () => {
      const payload = fixture('alertmanager-firing');
      delete payload.alerts[1].labels.entity_ref;
      expect(() => parseAlertmanagerWebhook(payload, fingerprint)).toThrow(
        /alerts\[1\]: no service named: set the label 'entity_ref'/,
      );
    });

    it('refuses a malformed entity ref, naming the label', () => {
      const payload = fixture('alertmanager-firing');
      payload.alerts[0].labels.entity_ref = 'component:';
      expect(() => parseAlertmanagerWebhook(payload, fingerprint)).toThrow(
        /Invalid entity ref 'component:' in label 'entity_ref'/,
      );
    });

    it('maps severity words onto PagerDuty’s scale, paging as critical when unknown', () => {
      const payload = fixture('alertmanager-firing');
      const severities = ['warning', 'P2', 'info', 'bogus', undefined];
      payload.alerts = severities.map((severity, i) => ({
        ...payload.alerts[0],
        fingerprint: `fp${i}`,
        labels: { ...payload.alerts[0].labels, severity },
      }));
      for (const alert of payload.alerts) {
        if (alert.labels.severity === undefined) delete alert.labels.severity;
      }
      expect(
        parseAlertmanagerWebhook(payload, fingerprint).map(s => s.severity),
      ).toEqual(['warning', 'error', 'info', 'critical', 'critical']);
    });

    it('hashes a fingerprint that would make the key longer than 255 characters', () => {
      const payload = fixture('alertmanager-firing');
      const long = 'f'.repeat(300);
      payload.alerts[0].fingerprint = long;
      const [signal] = parseAlertmanagerWebhook(payload, fingerprint);
      expect(signal.dedupKey).toBe(
        `alertmanager:sha256:${createHash('sha256')
          .update(long)
          .digest('hex')}`,
      );
      expect(signal.dedupKey.length).toBeLessThanOrEqual(255);
    });

    it('titles an alert without a summary by its name, and cuts very long titles', () => {
      const payload = fixture('alertmanager-firing');
      payload.alerts[0].annotations = {};
      payload.alerts[1].annotations = { summary: 'x'.repeat(5000) };
      const [bare, long] = parseAlertmanagerWebhook(payload, fingerprint);
      expect(bare.title).toBe('HighRequestLatency');
      expect(long.title).toHaveLength(1024);
      expect(long.title.endsWith('…')).toBe(true);
    });
  });

  describe('groupKey grouping', () => {
    it('makes one trigger per delivery, keyed by the group key', () => {
      const payload = fixture('alertmanager-firing');
      const signals = parseAlertmanagerWebhook(payload, groupKey);
      expect(signals).toEqual([
        expect.objectContaining({
          action: 'trigger',
          dedupKey:
            'alertmanager:group:{}/{severity="page"}:{alertname="HighRequestLatency"}',
          title: 'HighRequestLatency: High request latency on payments-api',
          severity: 'critical',
          rawPayload: payload,
          occurredAt: new Date('2026-11-22T09:12:34.567Z'),
        }),
      ]);
    });

    it('keeps a partly resolved group open, at the worst severity still firing', () => {
      const [signal] = parseAlertmanagerWebhook(
        fixture('alertmanager-partly-resolved'),
        groupKey,
      );
      expect(signal.action).toBe('trigger');
      expect(signal.severity).toBe('critical');
      expect(signal.occurredAt).toEqual(new Date('2026-11-22T08:00:30Z'));
      expect(signal.entity).toEqual({ ref: 'ledger', from: "label 'service'" });
    });

    it('resolves the group when every alert has resolved', () => {
      const payload = fixture('alertmanager-partly-resolved');
      payload.status = 'resolved';
      payload.alerts = payload.alerts.map((alert: any) => ({
        ...alert,
        status: 'resolved',
        endsAt: '2026-11-22T09:00:00Z',
      }));
      const [signal] = parseAlertmanagerWebhook(payload, groupKey);
      expect(signal.action).toBe('resolve');
      expect(signal.occurredAt).toEqual(new Date('2026-11-22T09:00:00Z'));
    });

    it('requires the group key', () => {
      const payload = fixture('alertmanager-firing');
      delete payload.groupKey;
      expect(() => parseAlertmanagerWebhook(payload, groupKey)).toThrow(
        /groupKey: is required/,
      );
    });

    it('refuses a group whose alerts name different services', () => {
      const payload = fixture('alertmanager-firing');
      payload.alerts[1].labels.entity_ref = 'component:default/ledger';
      expect(() => parseAlertmanagerWebhook(payload, groupKey)).toThrow(
        /name different services \(component:default\/payments-api, component:default\/ledger\)/,
      );
    });

    it('titles a group without a common alert name by its size and group labels', () => {
      const payload = fixture('alertmanager-firing');
      payload.commonLabels = {};
      payload.groupLabels = { namespace: 'payments' };
      const [signal] = parseAlertmanagerWebhook(payload, groupKey);
      expect(signal.title).toBe('2 alerts for namespace=payments');
    });

    it('hashes a group key longer than 255 characters to a fixed length', () => {
      const payload = fixture('alertmanager-firing');
      payload.groupKey = `{}:{${Array.from(
        { length: 40 },
        (_, i) => `label${i}="value${i}"`,
      ).join(', ')}}`;
      const [signal] = parseAlertmanagerWebhook(payload, groupKey);
      expect(payload.groupKey.length).toBeGreaterThan(255);
      expect(signal.dedupKey).toMatch(
        /^alertmanager:group:sha256:[0-9a-f]{64}$/,
      );
      const [again] = parseAlertmanagerWebhook(payload, groupKey);
      expect(again.dedupKey).toBe(signal.dedupKey);
    });
  });

  describe('bad payloads', () => {
    it.each([
      [
        'not an object',
        'hello',
        /Invalid Alertmanager payload: Expected object/,
      ],
      ['no alerts', { version: '4', status: 'firing' }, /alerts: is required/],
      ['empty alerts', { alerts: [] }, /alerts: must hold at least one alert/],
      [
        'alert without status',
        { alerts: [{ labels: { service: 'x' } }] },
        /alerts\[0\]\.status: is required/,
      ],
      [
        'unknown status',
        { alerts: [{ status: 'pending', labels: { service: 'x' } }] },
        /alerts\[0\]\.status: Invalid enum value/,
      ],
      [
        'labels that are not strings',
        { alerts: [{ status: 'firing', labels: { service: 3 } }] },
        /alerts\[0\]\.labels\.service: Expected string, received number/,
      ],
    ])('refuses %s, naming the field', (_name, body, message) => {
      let thrown: unknown;
      try {
        parseAlertmanagerWebhook(body, fingerprint);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InputError);
      expect((thrown as Error).message).toMatch(message);
    });
  });
});
