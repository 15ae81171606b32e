import { ConfigReader } from '@backstage/config';
import { Knex } from 'knex';
import { applyMigrations } from '../../database/migrations';
import { DomainEventPublisher } from '../../events/DomainEventPublisher';
import { Clock } from '../../service/clock';
import { OncallConfig, readOncallConfig } from '../config';
import { AlertSignal } from '../incidents/IncidentIntake';
import { choosePolicy, EscalationPolicySource } from '../policies';
import { TestLogger } from './engine';

/** A clock the test moves by hand; pass it wherever a `Clock` goes. */
export class FakeClock implements Clock {
  private ms: number;

  constructor(start: string | Date) {
    this.ms = new Date(start).getTime();
  }

  now = (): Date => new Date(this.ms);

  advance(minutes: number): Date {
    this.ms += minutes * 60_000;
    return this.now();
  }

  advanceSeconds(seconds: number): Date {
    this.ms += seconds * 1000;
    return this.now();
  }

  set(to: string | Date) {
    this.ms = new Date(to).getTime();
  }
}

export const ALICE = 'user:default/alice';
export const BOB = 'user:default/bob';
export const CAROL = 'user:default/carol';
export const DAVE = 'user:default/dave';
export const SERVICE = 'component:default/payments-api';

/** A trigger for {@link SERVICE} through a PagerDuty integration; tests change what they need. */
export function alertSignal(overrides: Partial<AlertSignal> = {}): AlertSignal {
  return {
    action: 'trigger',
    dedupKey: 'disk-full',
    entityRef: SERVICE,
    title: 'Disk full on db-1',
    severity: 'critical',
    source: 'pagerduty',
    integrationKey: 'routing-key-1',
    rawPayload: { summary: 'Disk full on db-1' },
    ...overrides,
  };
}

/**
 * A small on-call setup: a weekly primary rotation (alice, bob), a secondary schedule that is
 * empty at night, a policy paging primary then secondary then carol, repeated once, and one with
 * an acknowledgement timeout.
 */
export const oncallConfigData = {
  schedules: [
    {
      id: 'primary',
      name: 'Primary',
      timeZone: 'Europe/Berlin',
      layers: [
        {
          members: [ALICE, BOB],
          rotation: 'weekly',
          handoffTime: '09:00',
          start: '2025-01-06',
        },
      ],
    },
    {
      id: 'daytime',
      name: 'Daytime',
      timeZone: 'Europe/Berlin',
      layers: [
        {
          members: [DAVE],
          rotation: 'daily',
          handoffTime: '09:00',
          start: '2025-01-06',
          restrictions: [
            { type: 'daily', startTime: '09:00', endTime: '17:00' },
          ],
        },
      ],
    },
  ],
  escalationPolicies: [
    {
      id: 'payments',
      name: 'Payments',
      repeat: 1,
      steps: [
        { delayMinutes: 5, targets: [{ schedule: 'primary' }] },
        { delayMinutes: 10, targets: [{ schedule: 'daytime' }] },
        { delayMinutes: 10, targets: [{ user: CAROL }] },
      ],
    },
    {
      id: 'with-ack-timeout',
      name: 'With ack timeout',
      ackTimeoutMinutes: 30,
      steps: [
        { delayMinutes: 5, targets: [{ user: ALICE }] },
        { delayMinutes: 5, targets: [{ user: BOB }] },
      ],
    },
  ],
  defaultEscalationPolicy: 'payments',
};

export function testOncallConfig(
  overrides: Record<string, unknown> = {},
): OncallConfig {
  return readOncallConfig(
    new ConfigReader({
      pulse: { oncall: { ...oncallConfigData, ...overrides } },
    }),
  );
}

/** Policies straight from config, without a catalog: every entity gets the default. */
export function configPolicySource(
  config: OncallConfig,
): EscalationPolicySource {
  return {
    async policyFor(entityRef) {
      return choosePolicy(config, entityRef, undefined);
    },
    policy: id => config.policies.find(p => p.id === id),
  };
}

export async function migratedDatabase(knex: Knex) {
  await applyMigrations(knex);
  const publisher = new DomainEventPublisher(knex, new TestLogger());
  return { knex, publisher };
}
