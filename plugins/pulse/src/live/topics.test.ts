import {
  ASSIGNED_INCIDENTS_CHANNEL,
  channelOf,
  entitySubject,
  entityVersionKey,
  incidentsSubject,
  INCIDENTS_CHANNEL,
  readHint,
  scheduleSubject,
  scheduleVersionKey,
  subjectsSignature,
  versionKeysOf,
} from './topics';

const payments = entitySubject('Component:default/Payments-API', [
  'pull-requests',
  'sync',
]);

describe('channels', () => {
  it('names the channels the backend sends on, entity refs in lower case', () => {
    expect(channelOf(payments)).toBe(
      'pulse:entity:component:default/payments-api',
    );
    expect(channelOf(scheduleSubject('payments-primary', ['oncall']))).toBe(
      'pulse:schedule:payments-primary',
    );
    expect(channelOf(incidentsSubject(INCIDENTS_CHANNEL))).toBe(
      'pulse:incidents',
    );
    expect(channelOf(incidentsSubject(ASSIGNED_INCIDENTS_CHANNEL))).toBe(
      'pulse:incidents:assigned',
    );
  });

  it('lists the version keys known before any hint', () => {
    expect(versionKeysOf(payments)).toEqual([
      'entity:component:default/payments-api#pull-requests',
      'entity:component:default/payments-api#sync',
    ]);
    expect(versionKeysOf(incidentsSubject(INCIDENTS_CHANNEL))).toEqual([]);
  });

  it('signs subjects by what they follow, not by their order', () => {
    const schedule = scheduleSubject('s1', ['oncall']);
    expect(subjectsSignature([payments, schedule])).toBe(
      subjectsSignature([
        schedule,
        entitySubject('component:default/payments-api', [
          'sync',
          'pull-requests',
        ]),
      ]),
    );
    expect(subjectsSignature([payments])).not.toBe(
      subjectsSignature([
        entitySubject('component:default/payments-api', ['pull-requests']),
      ]),
    );
  });
});

describe('readHint', () => {
  it("reads a hint for one of an entity's topics", () => {
    expect(
      readHint(payments, {
        entityRef: 'component:default/payments-api',
        topic: 'pull-requests',
        version: 12,
      }),
    ).toEqual({
      key: entityVersionKey('component:default/payments-api', 'pull-requests'),
      version: 12,
    });
  });

  it.each([
    ['a topic the view does not show', { topic: 'incidents', version: 3 }],
    ['another entity', { entityRef: 'component:default/other', version: 3 }],
    ['no version', { version: undefined }],
    ['a negative version', { version: -1 }],
    ['a fractional version', { version: 1.5 }],
    ['a version as text', { version: '3' }],
  ])('ignores a hint about %s', (_case, change) => {
    const message: Record<string, unknown> = Object.assign(
      {
        entityRef: 'component:default/payments-api',
        topic: 'pull-requests',
        version: 1,
      },
      change,
    );
    expect(readHint(payments, message)).toBeUndefined();
  });

  it.each([null, 'pull-requests', 42, []])('ignores a message %p', message => {
    expect(readHint(payments, message)).toBeUndefined();
  });

  it("reads a schedule's hints", () => {
    const schedule = scheduleSubject('payments-primary', ['oncall']);
    expect(
      readHint(schedule, {
        scheduleId: 'payments-primary',
        topic: 'oncall',
        version: 4,
      }),
    ).toEqual({
      key: scheduleVersionKey('payments-primary', 'oncall'),
      version: 4,
    });
    expect(
      readHint(schedule, { scheduleId: 'other', topic: 'oncall', version: 4 }),
    ).toBeUndefined();
    expect(
      readHint(schedule, {
        scheduleId: 'payments-primary',
        topic: 'activity',
        version: 4,
      }),
    ).toBeUndefined();
  });

  it("reads an incident list's hints as the version of the entity's incidents", () => {
    const hint = {
      entityRef: 'Component:default/checkout',
      topic: 'incidents',
      version: 8,
    };
    expect(readHint(incidentsSubject(INCIDENTS_CHANNEL), hint)).toEqual({
      key: 'entity:component:default/checkout#incidents',
      version: 8,
    });
    expect(
      readHint(
        incidentsSubject(INCIDENTS_CHANNEL, ['component:default/payments-api']),
        hint,
      ),
    ).toBeUndefined();
    expect(
      readHint(
        incidentsSubject(INCIDENTS_CHANNEL, ['component:default/CHECKOUT']),
        hint,
      ),
    ).toBeDefined();
  });
});
