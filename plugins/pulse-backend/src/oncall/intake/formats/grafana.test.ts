import { parseGrafanaWebhook } from './grafana';
import { fixture } from './__fixtures__';

const options = { grouping: 'fingerprint' } as const;

describe('parseGrafanaWebhook', () => {
  it('reads unified alerting’s docs example (values, silenceURL, empty dashboardURL) per alert', () => {
    const payload = fixture('grafana-unified');
    const signals = parseGrafanaWebhook(payload, {
      ...options,
      entityRefParam: 'component:default/status-page',
    });
    expect(signals).toHaveLength(2);
    expect(signals[0]).toEqual({
      action: 'trigger',
      dedupKey: 'grafana:1:c6eadffa33fcdf37',
      entity: {
        ref: 'component:default/status-page',
        from: "query parameter 'entityRef'",
      },
      title: 'High memory usage: This alert was triggered for zone us-1',
      severity: 'critical',
      source: 'grafana',
      integrationKey: 'grafana',
      rawPayload: expect.objectContaining({
        orgId: 1,
        title: '[FIRING:2]  (blue)',
        alerts: [payload.alerts[0]],
      }),
      occurredAt: new Date('2021-10-12T07:51:03.157Z'),
    });
    const kept = (signals[0].rawPayload as any).alerts[0];
    expect(kept.values).toEqual({ B: 44.23943737541908, C: 1 });
    expect(kept.silenceURL).toContain('/alerting/silence/new');
    expect(kept.dashboardURL).toBe('');
    expect(signals[1].dedupKey).toBe('grafana:1:bc97ff14869b13e3');
  });

  it('reads Grafana 8’s variant with valueString instead of values, dashboard and panel links', () => {
    const [signal] = parseGrafanaWebhook(
      fixture('grafana-8-valuestring'),
      options,
    );
    expect(signal).toMatchObject({
      action: 'resolve',
      dedupKey: 'grafana:3:4e5a1c9b0d7f2e38',
      entity: { ref: 'payments-api', from: "label 'entity_ref'" },
      title: 'Checkout error rate: Checkout error rate above 5%',
      occurredAt: new Date('2022-03-01T10:40:00Z'),
    });
    const alert = (signal.rawPayload as any).alerts[0];
    expect(alert.valueString).toContain("metric='errors_ratio'");
    expect(alert.values).toBeUndefined();
    expect(alert.dashboardURL).toBe(
      'https://grafana.acme.example/d/pay-overview',
    );
    expect(alert.panelURL).toContain('viewPanel=4');
  });

  it('accepts values set to null (no query values) and a missing orgId', () => {
    const payload = fixture('grafana-unified');
    payload.alerts[0].values = null;
    delete payload.orgId;
    const [signal] = parseGrafanaWebhook(payload, {
      ...options,
      entityRefParam: 'status-page',
    });
    expect(signal.dedupKey).toBe('grafana:1:c6eadffa33fcdf37');
  });

  it('keeps organisations apart: the same fingerprint in another org is another key', () => {
    const payload = fixture('grafana-unified');
    payload.orgId = 7;
    const [signal] = parseGrafanaWebhook(payload, {
      ...options,
      entityRefParam: 'status-page',
    });
    expect(signal.dedupKey).toBe('grafana:7:c6eadffa33fcdf37');
  });

  it('groups by groupKey when configured', () => {
    const payload = fixture('grafana-unified');
    const [signal, ...rest] = parseGrafanaWebhook(payload, {
      grouping: 'groupKey',
      entityRefParam: 'status-page',
    });
    expect(rest).toEqual([]);
    expect(signal.dedupKey).toBe('grafana:1:group:{}:{}');
    expect(signal.title).toBe('2 alerts');
  });

  it('refuses a unified payload that names no service', () => {
    expect(() =>
      parseGrafanaWebhook(fixture('grafana-unified'), options),
    ).toThrow(/alerts\[0\]: no service named/);
  });

  describe('legacy dashboard alerting', () => {
    it('triggers on alerting, keyed by org and rule, with the service from the rule’s tags', () => {
      const payload = fixture('grafana-legacy');
      expect(parseGrafanaWebhook(payload, options)).toEqual([
        {
          action: 'trigger',
          dedupKey: 'grafana:legacy:1:1',
          entity: { ref: 'status-page', from: "tag 'service'" },
          title: 'Panel Title alert',
          severity: 'warning',
          source: 'grafana',
          integrationKey: 'grafana',
          rawPayload: payload,
        },
      ]);
    });

    it('resolves on ok, triggers on no_data, and does nothing for paused or pending', () => {
      const payload = fixture('grafana-legacy');
      payload.state = 'ok';
      expect(parseGrafanaWebhook(payload, options)[0].action).toBe('resolve');
      payload.state = 'no_data';
      const [noData] = parseGrafanaWebhook(payload, options);
      expect(noData.action).toBe('trigger');
      expect(noData.title).toBe('Panel Title alert (no data)');
      for (const state of ['paused', 'pending']) {
        payload.state = state;
        expect(parseGrafanaWebhook(payload, options)).toEqual([]);
      }
    });

    it('refuses an unknown state and a rule without id or name', () => {
      const payload = fixture('grafana-legacy');
      payload.state = 'exploded';
      expect(() => parseGrafanaWebhook(payload, options)).toThrow(
        /Invalid Grafana legacy alert: state: Invalid enum value/,
      );
      const anonymous = fixture('grafana-legacy');
      delete anonymous.ruleId;
      anonymous.ruleName = '';
      expect(() => parseGrafanaWebhook(anonymous, options)).toThrow(
        /ruleId: is required \(or ruleName\)/,
      );
    });

    it('refuses a legacy alert that names no service', () => {
      const payload = fixture('grafana-legacy');
      payload.tags = {};
      expect(() => parseGrafanaWebhook(payload, options)).toThrow(
        /set the rule tag 'entity_ref'/,
      );
    });
  });

  it('refuses something that is neither, naming what is missing', () => {
    expect(() => parseGrafanaWebhook({ receiver: 'x' }, options)).toThrow(
      /Invalid Grafana alerting payload: alerts: is required/,
    );
  });
});
