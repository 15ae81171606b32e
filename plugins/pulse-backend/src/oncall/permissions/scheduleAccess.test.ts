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
