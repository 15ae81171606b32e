import { ConfigReader } from '@backstage/config';
import { JsonObject } from '@backstage/types';
import { readOncallConfig } from './config';
import { oncallConfigData } from './__testUtils__/fixtures';

function read(oncall: object) {
  return readOncallConfig(
    new ConfigReader({ pulse: { oncall } } as JsonObject),
  );
}

const [primary] = oncallConfigData.schedules;
const [payments] = oncallConfigData.escalationPolicies;

describe('readOncallConfig', () => {
  it('reads schedules, policies and defaults', () => {
    const config = read({
      ...oncallConfigData,
      groupEscalationPolicies: { 'group:default/payments': 'with-ack-timeout' },
    });
    expect(config.schedules.map(s => s.id)).toEqual(['primary', 'daytime']);
    expect(config.schedules[0].layers[0]).toEqual({
      id: 'layer-1',
      members: ['user:default/alice', 'user:default/bob'],
      rotation: { unit: 'weekly' },
      handoffTime: '09:00',
      start: '2025-01-06',
      restrictions: [],
    });
    expect(config.policies[0]).toEqual({
      id: 'payments',
      name: 'Payments',
      repeat: 1,
      steps: [
        {
          delayMinutes: 5,
          targets: [{ type: 'schedule', scheduleId: 'primary' }],
        },
        {
          delayMinutes: 10,
          targets: [{ type: 'schedule', scheduleId: 'daytime' }],
        },
        {
          delayMinutes: 10,
          targets: [{ type: 'user', userRef: 'user:default/carol' }],
        },
      ],
    });
    expect(config.defaultPolicyId).toBe('payments');
    expect(config.groupPolicies).toEqual(
      new Map([['group:default/payments', 'with-ack-timeout']]),
    );
    expect(config.escalation).toEqual({
      schedule: expect.objectContaining({
        frequency: { seconds: 15 },
        scope: 'global',
      }),
      leaseSeconds: 60,
      watchdogGraceMinutes: 3,
    });
    expect(config.incidentLinkPath).toBe('/pulse/incidents/{id}');
  });

  it('reads an empty section as no schedules and no policies', () => {
    const config = readOncallConfig(new ConfigReader({}));
    expect(config).toMatchObject({
      schedules: [],
      policies: [],
      defaultPolicyId: null,
    });
  });

  it('keeps webhook headers out of the policy and names the webhook', () => {
    const config = read({
      escalationPolicies: [
        {
          id: 'chat',
          name: 'Chat',
          steps: [
            {
              delayMinutes: 5,
              targets: [
                {
                  webhook: {
                    name: 'ops chat',
                    url: 'https://chat.example/hook',
                    headers: {
                      Authorization: 'Bearer s3cret',
                      'X-Team': 'ops',
                    },
                  },
                },
              ],
            },
          ],
        },
      ],
    });
    expect(config.policies[0].steps[0].targets).toEqual([
      { type: 'webhook', url: 'https://chat.example/hook' },
    ]);
    expect(config.webhooks.get('https://chat.example/hook')).toEqual({
      name: 'ops chat',
      url: 'https://chat.example/hook',
      headers: { Authorization: 'Bearer s3cret', 'X-Team': 'ops' },
    });
  });

  it.each([
    [
      'a step with no target',
      {
        escalationPolicies: [
          { id: 'p', name: 'P', steps: [{ delayMinutes: 5, targets: [] }] },
        ],
      },
      "'pulse.oncall.escalationPolicies[0].steps[0].targets': must have at least one target",
    ],
    [
      'a second policy whose step has no target',
      {
        ...oncallConfigData,
        escalationPolicies: [
          payments,
          { id: 'q', name: 'Q', steps: [{ delayMinutes: 5 }] },
        ],
      },
      "'pulse.oncall.escalationPolicies[1].steps[0].targets'",
    ],
    [
      'an unknown schedule',
      {
        escalationPolicies: [
          {
            id: 'p',
            name: 'P',
            steps: [{ delayMinutes: 5, targets: [{ schedule: 'nope' }] }],
          },
        ],
      },
      '\'pulse.oncall.escalationPolicies[0].steps[0].targets[0].schedule\': unknown schedule "nope"',
    ],
    [
      'a target with two kinds',
      {
        escalationPolicies: [
          {
            id: 'p',
            name: 'P',
            steps: [
              {
                delayMinutes: 5,
                targets: [{ user: 'user:default/a', group: 'group:default/b' }],
              },
            ],
          },
        ],
      },
      "'pulse.oncall.escalationPolicies[0].steps[0].targets[0]': must have exactly one of",
    ],
    [
      'a user target that is not a user ref',
      {
        escalationPolicies: [
          {
            id: 'p',
            name: 'P',
            steps: [
              { delayMinutes: 5, targets: [{ user: 'group:default/x' }] },
            ],
          },
        ],
      },
      '\'pulse.oncall.escalationPolicies[0].steps[0].targets[0].user\': "group:default/x" is not a user entity ref',
    ],
    [
      'duplicate policy ids',
      { ...oncallConfigData, escalationPolicies: [payments, payments] },
      '\'pulse.oncall.escalationPolicies[1].id\': duplicate escalation policy id "payments"',
    ],
    [
      'duplicate schedule ids',
      { schedules: [primary, primary] },
      '\'pulse.oncall.schedules[1].id\': duplicate schedule id "primary"',
    ],
    [
      'a bad time zone',
      { schedules: [{ ...primary, timeZone: 'Mars/Olympus' }] },
      '\'pulse.oncall.schedules[0].timeZone\': "Mars/Olympus" is not an IANA time zone',
    ],
    [
      'a bad member ref',
      {
        schedules: [
          {
            ...primary,
            layers: [{ ...primary.layers[0], members: ['alice'] }],
          },
        ],
      },
      '\'pulse.oncall.schedules[0].layers[0].members[0]\': "alice" is not a user or group entity ref',
    ],
    [
      'a bad handoff time',
      {
        schedules: [
          {
            ...primary,
            layers: [{ ...primary.layers[0], handoffTime: '9am' }],
          },
        ],
      },
      "'pulse.oncall.schedules[0].layers[0].handoffTime': must be HH:mm",
    ],
    [
      'a bad rotation',
      {
        schedules: [
          {
            ...primary,
            layers: [{ ...primary.layers[0], rotation: 'monthly' }],
          },
        ],
      },
      '\'pulse.oncall.schedules[0].layers[0].rotation\': must be "daily", "weekly" or { hours: <number> }',
    ],
    [
      'an unknown default policy',
      { defaultEscalationPolicy: 'nope' },
      '\'pulse.oncall.defaultEscalationPolicy\': unknown escalation policy "nope"',
    ],
    [
      'an unknown group policy',
      {
        ...oncallConfigData,
        groupEscalationPolicies: { 'group:default/payments': 'nope' },
      },
      '\'pulse.oncall.groupEscalationPolicies["group:default/payments"]\': unknown escalation policy "nope"',
    ],
    [
      'a repeat above 9',
      {
        ...oncallConfigData,
        escalationPolicies: [{ ...payments, repeat: 10 }],
      },
      "'pulse.oncall.escalationPolicies[0].repeat': must be a whole number from 0 to 9",
    ],
    [
      'a too short lease',
      { escalation: { leaseSeconds: 1 } },
      "'pulse.oncall.escalation.leaseSeconds': must be at least 5",
    ],
    [
      'a link path without the id',
      { incidentLinkPath: '/incidents' },
      '\'pulse.oncall.incidentLinkPath\': must contain "{id}"',
    ],
  ])('fails naming the key for %s', (_what, oncall, message) => {
    expect(() => read(oncall)).toThrow(message);
  });

  it('lists every problem at once', () => {
    expect(() =>
      read({
        schedules: [{ ...primary, timeZone: 'Nowhere' }],
        defaultEscalationPolicy: 'nope',
      }),
    ).toThrow(
      /schedules\[0\]\.timeZone.*; at 'pulse\.oncall\.defaultEscalationPolicy'/,
    );
  });

  it('reads round-robin steps, and names a roundRobin that is not a boolean', () => {
    const config = read({
      schedules: oncallConfigData.schedules,
      escalationPolicies: [
        {
          ...payments,
          steps: [
            { ...payments.steps[0], roundRobin: true },
            payments.steps[1],
          ],
        },
      ],
    });
    expect(config.policies[0].steps.map(step => step.roundRobin)).toEqual([
      true,
      undefined,
    ]);
    expect(() =>
      read({
        schedules: oncallConfigData.schedules,
        escalationPolicies: [
          {
            ...payments,
            steps: [{ ...payments.steps[0], roundRobin: 3 }],
          },
        ],
      }),
    ).toThrow(/pulse\.oncall\.escalationPolicies\[0\]\.steps\[0\]\.roundRobin/);
  });

  it('names the key of a value of the wrong type', () => {
    expect(() =>
      read({
        escalationPolicies: [
          {
            id: 'p',
            name: 'P',
            steps: [{ delayMinutes: 'soon', targets: [] }],
          },
        ],
      }),
    ).toThrow(
      /pulse\.oncall\.escalationPolicies\[0\]\.steps\[0\]\.delayMinutes/,
    );
  });
});
