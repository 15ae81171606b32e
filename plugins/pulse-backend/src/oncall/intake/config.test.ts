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
      alertmanagerGrouping: 'fingerprint',
      routingKeys: new Map(),
      heartbeats: [],
      rateLimit: { requestsPerSecond: 50, burst: 200 },
    });
  });

  it('reads every setting', () => {
    const config = read({
      intake: {
        maxBodyBytes: 65536,
        alertmanagerGrouping: 'groupKey',
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
      ],
    });
    expect(config).toEqual({
      maxBodyBytes: 65536,
      alertmanagerGrouping: 'groupKey',
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
