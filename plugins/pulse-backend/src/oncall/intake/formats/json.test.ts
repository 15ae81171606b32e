import { parseJsonAlert } from './json';
import { fixture } from './__fixtures__';

describe('parseJsonAlert', () => {
  it('reads a documented trigger', () => {
    const body = fixture('json-trigger');
    expect(parseJsonAlert(body)).toEqual({
      dedupKey: 'reconciliation-2026-11-22',
      signal: {
        action: 'trigger',
        dedupKey: 'reconciliation-2026-11-22',
        entity: {
          ref: 'component:default/payments-api',
          from: "field 'entityRef'",
        },
        title: 'Nightly reconciliation found 12 unmatched ledger entries',
        severity: 'error',
        source: 'json',
        integrationKey: 'json',
        rawPayload: { ...body, action: 'trigger' },
        occurredAt: new Date('2026-11-22T03:05:00Z'),
      },
    });
  });

  it('generates a key for a trigger without one, so it always opens a new incident', () => {
    const body = fixture('json-trigger');
    delete body.dedupKey;
    const first = parseJsonAlert(body);
    const second = parseJsonAlert(body);
    expect(first.dedupKey).not.toBe(second.dedupKey);
    expect(first.signal.dedupKey).toBe(first.dedupKey);
    expect(parseJsonAlert(body, { generateKey: () => 'k1' }).dedupKey).toBe(
      'k1',
    );
  });

  it('resolves and acknowledges by key without title or severity', () => {
    const resolve = parseJsonAlert({
      entityRef: 'payments-api',
      action: 'resolve',
      dedupKey: 'reconciliation-2026-11-22',
    });
    expect(resolve.signal).toMatchObject({
      action: 'resolve',
      dedupKey: 'reconciliation-2026-11-22',
      entity: { ref: 'payments-api' },
    });
  });

  it.each([
    [{}, /^Invalid alert: entityRef: is required$/],
    [
      { entityRef: 'x' },
      /^Invalid alert: title: is required to trigger; severity: is required to trigger$/,
    ],
    [
      { entityRef: 'x', title: 'y' },
      /^Invalid alert: severity: is required to trigger$/,
    ],
    [
      { entityRef: '  ', title: 'y', severity: 'critical' },
      /entityRef: must not be blank/,
    ],
    [
      { entityRef: 'x', title: 'y', severity: 'urgent' },
      /severity: must be 'critical', 'error', 'warning' or 'info'/,
    ],
    [{ entityRef: 'x', action: 'resolve' }, /dedupKey: is required to resolve/],
    [
      { entityRef: 'x', action: 'snooze', dedupKey: 'k' },
      /action: must be 'trigger', 'acknowledge' or 'resolve'/,
    ],
    [
      { entityRef: 'x', title: 'y', severity: 'info', occurredAt: 'yesterday' },
      /occurredAt: must be an ISO 8601 time/,
    ],
    [
      { entityRef: 'x', title: 'y', severity: 'info', severty: 'info' },
      /Unrecognized key\(s\) in object: 'severty'/,
    ],
    [
      { entityRef: 'component:', title: 'y', severity: 'info' },
      /Invalid entity ref 'component:' in field 'entityRef'/,
    ],
    ['a string', /Invalid alert: Expected object, received string/],
  ])('refuses %j, naming the field', (body, message) => {
    expect(() => parseJsonAlert(body)).toThrow(message);
  });
});
