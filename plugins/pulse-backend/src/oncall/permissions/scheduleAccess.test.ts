import { Entity } from '@backstage/catalog-model';
import { scheduleAudience } from '../scheduleAudience';
import { oncallConfigData, testOncallConfig } from '../__testUtils__/fixtures';
import {
  isScheduleMember,
  pulseScheduleConditions,
  scheduleMemberRefs,
  servesOwnedEntity,
} from './scheduleAccess';

const schedule = {
  id: 'primary',
  memberRefs: ['group:default/payments', 'user:default/zoe'],
  ownerRefs: ['group:default/billing'],
};

describe('schedule permission rules', () => {
  it('IS_SCHEDULE_MEMBER matches a member, directly or through a group, case-insensitively', () => {
    expect(
      isScheduleMember.apply(schedule, { claims: ['user:default/zoe'] }),
    ).toBe(true);
    expect(
      isScheduleMember.apply(schedule, {
        claims: ['user:default/chloe', 'Group:default/Payments'],
      }),
    ).toBe(true);
    expect(
      isScheduleMember.apply(schedule, { claims: ['group:default/billing'] }),
    ).toBe(false);
    expect(isScheduleMember.apply(schedule, { claims: [] })).toBe(false);
  });

  it('SERVES_OWNED_ENTITY matches the owners of services the schedule pages for', () => {
    expect(
      servesOwnedEntity.apply(schedule, { claims: ['group:default/billing'] }),
    ).toBe(true);
    expect(
      servesOwnedEntity.apply(schedule, { claims: ['group:default/payments'] }),
    ).toBe(false);
  });

  it('exports conditions a policy can use', () => {
    expect(
      pulseScheduleConditions.isScheduleMember({
        claims: ['user:default/zoe'],
      }),
    ).toEqual({
      rule: 'IS_SCHEDULE_MEMBER',
      resourceType: 'pulse-schedule',
      params: { claims: ['user:default/zoe'] },
    });
  });

  it('lists the users and groups a schedule names, lower case', () => {
    expect(
      scheduleMemberRefs({
        id: 's',
        name: 'S',
        timeZone: 'UTC',
        layers: [
          {
            id: 'a',
            members: ['user:default/Alice', null, 'group:default/web'],
            rotation: { unit: 'weekly' },
            handoffTime: '09:00',
            start: '2026-01-05',
          },
          {
            id: 'b',
            members: ['user:default/alice'],
            rotation: { unit: 'daily' },
            handoffTime: '09:00',
            start: '2026-01-05',
          },
        ],
      }),
    ).toEqual(['group:default/web', 'user:default/alice']);
  });
});

function component(
  name: string,
  owner: string,
  annotations: Record<string, string> = {},
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: { owner },
    relations: [{ type: 'ownedBy', targetRef: owner }],
  };
}

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
      component('payments-api', 'group:default/payments'),
      component('ledger', 'group:default/finance', {
        'pulse.dev/escalation-policy': 'people',
      }),
      component('storefront', 'group:default/web'),
      component('search', 'group:default/web', {
        'pulse.dev/escalation-policy': 'no-such-policy',
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
