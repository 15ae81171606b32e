import { componentEntity } from '../../__testUtils__/entities';
import { oncallConfigData, testOncallConfig } from '../__testUtils__/fixtures';
import { scheduleAudience } from './scheduleAudience';

describe('scheduleAudience', () => {
  const config = testOncallConfig({
    schedules: oncallConfigData.schedules,
    escalationPolicies: [
      {
        id: 'primary-then-daytime',
        name: 'P',
        steps: [
          { delayMinutes: 5, targets: [{ schedule: 'primary' }] },
          { delayMinutes: 5, targets: [{ schedule: 'daytime' }] },
        ],
      },
      {
        id: 'daytime-only',
        name: 'D',
        steps: [{ delayMinutes: 5, targets: [{ schedule: 'daytime' }] }],
      },
      {
        id: 'people',
        name: 'People',
        steps: [{ delayMinutes: 5, targets: [{ user: 'user:default/carol' }] }],
      },
    ],
    defaultEscalationPolicy: 'daytime-only',
    groupEscalationPolicies: {
      'group:default/payments': 'primary-then-daytime',
    },
  });

  it('gives each schedule the owners of the services whose policy pages it, by the policy rule', () => {
    const audience = scheduleAudience(config, [
      componentEntity('payments-api', { owner: 'group:default/payments' }),
      componentEntity('ledger', {
        owner: 'group:default/finance',
        annotations: { 'pulse.dev/escalation-policy': 'people' },
      }),
      componentEntity('storefront', { owner: 'group:default/web' }),
      componentEntity('search', {
        owner: 'group:default/web',
        annotations: { 'pulse.dev/escalation-policy': 'no-such-policy' },
      }),
    ]);
    expect(audience).toEqual(
      new Map([
        ['primary', ['group:default/payments']],
        ['daytime', ['group:default/payments', 'group:default/web']],
      ]),
    );
  });
});
