import { ConfigReader } from '@backstage/config';
import { JsonObject } from '@backstage/types';
import { readIntakeConfig } from './config';

function read(oncall: object) {
  return readIntakeConfig(
    new ConfigReader({ pulse: { oncall } } as JsonObject),
  );
}

describe('readIntakeConfig', () => {
  it('has defaults for everything', () => {
    expect(readIntakeConfig(new ConfigReader({}))).toEqual({
      maxBodyBytes: 524288,
      bodyTimeoutMs: 30_000,
      alertmanagerGrouping: 'fingerprint',
      entityKinds: ['Component', 'Resource', 'System'],
      routingKeys: new Map(),
      heartbeats: [],
      rateLimit: { requestsPerSecond: 50, burst: 200 },
    });
  });

  it('reads every setting', () => {
    const config = read({
      intake: {
        maxBodyBytes: 65536,
        bodyTimeoutSeconds: 2.5,
        alertmanagerGrouping: 'groupKey',
        entityKinds: ['Component', 'Resource', 'System', 'API'],
        rateLimit: { requestsPerSecond: 5, burst: 10 },
      },
      routingKeys: {
        // PagerDuty keys often start with a digit, which config key names may not.
        '0123456789abcdef0123456789abcdef': 'payments-api',
        R02ABCDEF: 'component:finance/ledger',
      },
      heartbeats: [
        { id: 'nightly-backup', entityRef: 'ledger', intervalSeconds: 86400 },
        {
          id: 'cron.sync_1',
          entityRef: 'resource:default/db',
          intervalSeconds: 60,
          title: 'Sync stopped',
          severity: 'warning',
        },
        { id: 'api', entityRef: 'api:default/orders', intervalSeconds: 60 },
      ],
    });
    expect(config).toEqual({
      maxBodyBytes: 65536,
      bodyTimeoutMs: 2500,
      alertmanagerGrouping: 'groupKey',
      entityKinds: ['Component', 'Resource', 'System', 'API'],
      rateLimit: { requestsPerSecond: 5, burst: 10 },
      routingKeys: new Map([
        ['0123456789abcdef0123456789abcdef', 'component:default/payments-api'],
        ['R02ABCDEF', 'component:finance/ledger'],
      ]),
      heartbeats: [
        {
          id: 'nightly-backup',
          entityRef: 'component:default/ledger',
          intervalSeconds: 86400,
          title: 'Heartbeat nightly-backup missed',
          severity: 'critical',
        },
        {
          id: 'cron.sync_1',
          entityRef: 'resource:default/db',
          intervalSeconds: 60,
          title: 'Sync stopped',
          severity: 'warning',
        },
        {
          id: 'api',
          entityRef: 'api:default/orders',
          intervalSeconds: 60,
          title: 'Heartbeat api missed',
          severity: 'critical',
        },
      ],
    });
  });

  it.each([
    [
      { intake: { maxBodyBytes: 'big' } },
      /'pulse\.oncall\.intake\.maxBodyBytes': must be a number/,
    ],
    [
      { intake: { maxBodyBytes: 10 } },
      /'pulse\.oncall\.intake\.maxBodyBytes': must be a whole number from 1024/,
    ],
    [
      { intake: { maxBodyBytes: 2048.5 } },
      /'pulse\.oncall\.intake\.maxBodyBytes'/,
    ],
    [
      { intake: { alertmanagerGrouping: 'alertname' } },
      /'pulse\.oncall\.intake\.alertmanagerGrouping': must be 'fingerprint' or 'groupKey'/,
    ],
    [
      { intake: { rateLimit: { requestsPerSecond: 0 } } },
      /'pulse\.oncall\.intake\.rateLimit\.requestsPerSecond'/,
    ],
    [
      { intake: { rateLimit: { burst: -1 } } },
      /'pulse\.oncall\.intake\.rateLimit\.burst'/,
    ],
    [
      { intake: { bodyTimeoutSeconds: 0 } },
      /'pulse\.oncall\.intake\.bodyTimeoutSeconds': must be a number of seconds from 0\.01 to 300, got 0/,
    ],
    [
      { intake: { bodyTimeoutSeconds: 301 } },
      /'pulse\.oncall\.intake\.bodyTimeoutSeconds'/,
    ],
    [
      { intake: { bodyTimeoutSeconds: 'slow' } },
      /'pulse\.oncall\.intake\.bodyTimeoutSeconds': must be a number/,
    ],
    [
      { intake: { entityKinds: [] } },
      /'pulse\.oncall\.intake\.entityKinds': must be a non-empty list of catalog kinds/,
    ],
    [
      { intake: { entityKinds: 'Component' } },
      /'pulse\.oncall\.intake\.entityKinds': must be a non-empty list/,
    ],
    [
      { intake: { entityKinds: ['Component', 'not a kind'] } },
      /'pulse\.oncall\.intake\.entityKinds'/,
    ],
    [
      { routingKeys: { abc: 'group:default/payments' } },
      /'pulse\.oncall\.routingKeys \(entry 1\)': group:default\/payments is of kind Group, and incidents can only be about kinds Component, Resource or System \(pulse\.oncall\.intake\.entityKinds\)/,
    ],
    [
      {
        heartbeats: [
          { id: 'a', entityRef: 'user:default/alice', intervalSeconds: 5 },
        ],
      },
      /'pulse\.oncall\.heartbeats\[0\]\.entityRef': user:default\/alice is of kind User/,
    ],
    [
      {
        intake: { entityKinds: ['Component'] },
        heartbeats: [
          { id: 'a', entityRef: 'system:default/shop', intervalSeconds: 5 },
        ],
      },
      /'pulse\.oncall\.heartbeats\[0\]\.entityRef': system:default\/shop is of kind System, and incidents can only be about kinds Component /,
    ],
    [{ routingKeys: ['a'] }, /'pulse\.oncall\.routingKeys': must be an object/],
    [
      { routingKeys: { abc: 'component:' } },
      /'pulse\.oncall\.routingKeys \(entry 1\)': 'component:' is not an entity ref/,
    ],
    [
      { routingKeys: { abc: 3 } },
      /'pulse\.oncall\.routingKeys \(entry 1\)': must be an entity ref/,
    ],
    [
      { heartbeats: { id: 'x' } },
      /'pulse\.oncall\.heartbeats': must be a list/,
    ],
    [
      { heartbeats: [{ entityRef: 'x', intervalSeconds: 1 }] },
      /'pulse\.oncall\.heartbeats\[0\]\.id'/,
    ],
    [
      { heartbeats: [{ id: 'a b', entityRef: 'x', intervalSeconds: 1 }] },
      /'pulse\.oncall\.heartbeats\[0\]\.id': must be 1 to 100 letters/,
    ],
    [
      {
        heartbeats: [
          { id: 'a', entityRef: 'x', intervalSeconds: 1 },
          { id: 'a', entityRef: 'y', intervalSeconds: 1 },
        ],
      },
      /'pulse\.oncall\.heartbeats\[1\]\.id': duplicate heartbeat id 'a'/,
    ],
    [
      { heartbeats: [{ id: 'a', entityRef: 'x' }] },
      /'pulse\.oncall\.heartbeats\[0\]\.intervalSeconds': is required/,
    ],
    [
      { heartbeats: [{ id: 'a', entityRef: 'x', intervalSeconds: 0 }] },
      /'pulse\.oncall\.heartbeats\[0\]\.intervalSeconds': must be a whole number from 1/,
    ],
    [
      { heartbeats: [{ id: 'a', intervalSeconds: 5 }] },
      /'pulse\.oncall\.heartbeats\[0\]\.entityRef': must be an entity ref/,
    ],
    [
      {
        heartbeats: [
          { id: 'a', entityRef: 'x', intervalSeconds: 5, severity: 'high' },
        ],
      },
      /'pulse\.oncall\.heartbeats\[0\]\.severity': must be one of critical, error, warning, info/,
    ],
    [
      {
        heartbeats: [
          { id: 'a', entityRef: 'x', intervalSeconds: 5, title: ' ' },
        ],
      },
      /'pulse\.oncall\.heartbeats\[0\]\.title'/,
    ],
  ])('names the key of %j', (oncall, message) => {
    expect(() => read(oncall)).toThrow(message);
  });

  it('never puts a routing key, a secret, into an error message', () => {
    const secret = 'S3CRETKEY0123456789';
    expect(() => read({ routingKeys: { [secret]: 'component:' } })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(secret) }),
    );
  });
});
