import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import { InputError, NotFoundError } from '@backstage/errors';
import {
  NewPulseDomainEvent,
  OnCallShift,
  ScheduleOverride,
  ScheduleShifts,
  ScheduleSummary,
} from '@pulse-oss/plugin-pulse-common';
import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { Knex } from 'knex';
import { DomainEventPublisher } from '../../events/DomainEventPublisher';
import { Clock, systemClock } from '../../service/clock';
import { normalizeEntityRef } from '../../service/entityRefs';
import { DirectoryStore } from '../directory/DirectoryStore';
import {
  HandoffEventPayload,
  OncallEventType,
  OverrideEventPayload,
} from '../events';
import { DAY_MS, ianaZone, toEpochMs } from '../localTime';
import { Override, Schedule, Shift, validateOverride } from '../schedule';
import { OnCallView } from './OnCallView';
import { OverrideStore } from './OverrideStore';
import { LastSeenOnCall, ScheduleStateStore } from './ScheduleStateStore';

/** The longest window `shifts` computes. */
export const MAX_SHIFT_RANGE_DAYS = 31;
/** How far around "now" summaries look for the current and next shift. */
const SUMMARY_HORIZON_DAYS = 14;

function toOnCallShift(shift: Shift): OnCallShift {
  return {
    start: shift.start,
    end: shift.end,
    userRef: shift.userRef,
    ...(shift.layerId !== undefined && { layerId: shift.layerId }),
    ...(shift.overrideId !== undefined && { overrideId: shift.overrideId }),
  };
}

function toOverride(override: ScheduleOverride): Override {
  return {
    id: override.id,
    userRef: override.userRef,
    start: override.start,
    end: override.end,
    ...(override.layerId !== null && { layerId: override.layerId }),
  };
}

export interface ScheduleServiceOptions {
  knex: Knex;
  schedules: Schedule[];
  publisher: DomainEventPublisher;
  auditor?: AuditorService;
  logger?: LoggerService;
  clock?: Clock;
}

/** Schedules from config, overrides from the database, who is on call, and handoffs. */
export class ScheduleService {
  readonly overrides: OverrideStore;
  readonly directory: DirectoryStore;
  private readonly state: ScheduleStateStore;
  private readonly schedules: Map<string, Schedule>;
  private readonly clock: Clock;

  constructor(private readonly options: ScheduleServiceOptions) {
    this.overrides = new OverrideStore(options.knex);
    this.directory = new DirectoryStore(options.knex);
    this.state = new ScheduleStateStore(options.knex);
    this.schedules = new Map(options.schedules.map(s => [s.id, s]));
    this.clock = options.clock ?? systemClock;
  }

  private now(): Date {
    return this.clock.now();
  }

  list(): Schedule[] {
    return [...this.schedules.values()];
  }

  find(id: string): Schedule | undefined {
    return this.schedules.get(id);
  }

  require(id: string): Schedule {
    const schedule = this.schedules.get(id);
    if (!schedule) {
      throw new NotFoundError(`No schedule with id '${id}'`);
    }
    return schedule;
  }

  /** Members and overrides for [from, to) (overrides of every schedule unless `scheduleId`). */
  async view(
    from: Date,
    to: Date,
    scheduleId?: string,
    at: Date = this.now(),
  ): Promise<OnCallView> {
    const [directory, overrides] = await Promise.all([
      this.directory.load(),
      this.overrides.list({ scheduleId, from, to }),
    ]);
    const bySchedule = new Map<string, Override[]>();
    for (const override of overrides) {
      const list = bySchedule.get(override.scheduleId) ?? [];
      list.push(toOverride(override));
      bySchedule.set(override.scheduleId, list);
    }
    return new OnCallView(this.schedules, directory, bySchedule, at);
  }

  /** A view good for on-call questions within a day of `at`. */
  viewAround(at: Date, days = 1, scheduleId?: string): Promise<OnCallView> {
    return this.view(
      new Date(at.getTime() - days * DAY_MS),
      new Date(at.getTime() + days * DAY_MS),
      scheduleId,
      at,
    );
  }

  async summaries(
    ids?: string[],
  ): Promise<Array<Omit<ScheduleSummary, 'version'>>> {
    const now = this.now();
    const view = await this.viewAround(now, SUMMARY_HORIZON_DAYS);
    return (ids ?? [...this.schedules.keys()]).map(id => {
      const schedule = this.require(id);
      const onCall = view.onCall(id, now, SUMMARY_HORIZON_DAYS)!;
      return {
        id,
        name: schedule.name,
        timeZone: schedule.timeZone,
        current: toOnCallShift(onCall.shift),
        next: onCall.nextShift ? toOnCallShift(onCall.nextShift) : null,
      };
    });
  }

  async shifts(id: string, from: Date, to: Date): Promise<ScheduleShifts> {
    const schedule = this.require(id);
    if (!(to.getTime() > from.getTime())) {
      throw new InputError('to: must be after from');
    }
    if (to.getTime() - from.getTime() > MAX_SHIFT_RANGE_DAYS * DAY_MS) {
      throw new InputError(
        `to: the range may span at most ${MAX_SHIFT_RANGE_DAYS} days`,
      );
    }
    const view = await this.view(from, to, id);
    const shifts = view.shifts(id, from, to).map(toOnCallShift);
    return {
      scheduleId: id,
      timeZone: schedule.timeZone,
      from: from.toISOString(),
      to: to.toISOString(),
      shifts,
      gaps: shifts
        .filter(shift => shift.userRef === null)
        .map(({ start, end }) => ({ start, end })),
    };
  }

  async listOverrides(id: string): Promise<ScheduleOverride[]> {
    this.require(id);
    return this.overrides.list({ scheduleId: id });
  }

  async createOverride(
    scheduleId: string,
    input: { userRef: string; start: string; end: string; layerId?: string },
    ctx: { actor: string; request?: Request },
  ): Promise<ScheduleOverride> {
    const schedule = this.require(scheduleId);
    const userRef = normalizeEntityRef(input.userRef, { kinds: ['user'] });
    if (!userRef || !input.userRef.includes(':')) {
      throw new InputError(
        `userRef: '${input.userRef}' is not a user entity ref (e.g. user:default/jane)`,
      );
    }
    const problems = validateOverride(schedule, {
      id: 'new',
      userRef,
      start: input.start,
      end: input.end,
      ...(input.layerId !== undefined && { layerId: input.layerId }),
    });
    if (problems.length > 0) {
      throw new InputError(
        problems.map(p => `${p.path}: ${p.message}`).join('; '),
      );
    }
    const start = computeInstant(schedule, input.start);
    const end = computeInstant(schedule, input.end);
    const rangeProblem = overrideRangeProblem(start, end, this.now());
    if (rangeProblem) {
      throw new InputError(rangeProblem);
    }
    const override: ScheduleOverride = {
      id: randomUUID(),
      scheduleId,
      userRef,
      start,
      end,
      layerId: input.layerId ?? null,
      createdBy: ctx.actor,
      createdAt: this.now().toISOString(),
    };
    await this.audited('override-create', ctx, { scheduleId }, async () => {
      await this.overrides.transaction(async tx => {
        await this.overrides.insert(tx, override);
        await this.publishOverride(
          tx,
          'oncall.override_created',
          override,
          ctx.actor,
        );
      });
      return { overrideId: override.id };
    });
    return override;
  }

  async deleteOverride(
    scheduleId: string,
    overrideId: string,
    ctx: { actor: string; request?: Request },
  ): Promise<void> {
    this.require(scheduleId);
    await this.audited(
      'override-delete',
      ctx,
      { scheduleId, overrideId },
      async () => {
        await this.overrides.transaction(async tx => {
          const override = await this.overrides.get(scheduleId, overrideId, tx);
          if (
            !override ||
            !(await this.overrides.delete(tx, scheduleId, overrideId))
          ) {
            throw new NotFoundError(
              `No override '${overrideId}' in schedule '${scheduleId}'`,
            );
          }
          await this.publishOverride(
            tx,
            'oncall.override_deleted',
            override,
            ctx.actor,
          );
        });
        return {};
      },
    );
  }

  private async audited(
    eventId: string,
    ctx: { actor: string; request?: Request },
    meta: Record<string, string>,
    fn: () => Promise<Record<string, string>>,
  ): Promise<void> {
    const audit = await this.options.auditor?.createEvent({
      eventId,
      severityLevel: 'medium',
      request: ctx.request,
      meta: { ...meta, actor: ctx.actor },
    });
    try {
      const result = await fn();
      await audit?.success({ meta: result });
    } catch (error) {
      await audit?.fail({ error: error as Error });
      throw error;
    }
  }

  private async publishOverride(
    tx: Knex.Transaction,
    type: OncallEventType,
    override: ScheduleOverride,
    actor: string,
  ) {
    const event: NewPulseDomainEvent<OncallEventType, OverrideEventPayload> = {
      entityRef: null,
      type,
      payload: { override, actor },
      occurredAt: this.now(),
    };
    await this.options.publisher.publish(event, tx);
  }

  /**
   * Compares who is on call on each schedule with who was last seen, and publishes a handoff
   * for each change. The conditional update makes a handoff publish once across replicas.
   */
  async detectHandoffs(view?: OnCallView): Promise<HandoffEventPayload[]> {
    const now = this.now();
    const current = view ?? (await this.viewAround(now));
    const seen = await this.state.lastSeen();
    const handoffs: HandoffEventPayload[] = [];
    for (const schedule of this.schedules.values()) {
      const userRef = current.onCall(schedule.id, now)?.userRef ?? null;
      const last = seen.get(schedule.id);
      if (!last) {
        await this.state.recordFirstSeen(schedule.id, userRef, now);
        continue;
      }
      if (last.userRef === userRef) {
        continue;
      }
      const handoff: HandoffEventPayload = {
        scheduleId: schedule.id,
        scheduleName: schedule.name,
        from: last.userRef,
        to: userRef,
        at: now.toISOString(),
      };
      const published = await this.state.transaction(async tx => {
        if (
          !(await this.state.handOver(
            tx,
            schedule.id,
            last.userRef,
            userRef,
            now,
          ))
        ) {
          return false;
        }
        const event: NewPulseDomainEvent<OncallEventType, HandoffEventPayload> =
          {
            entityRef: null,
            type: 'oncall.handoff',
            payload: handoff,
            occurredAt: now,
          };
        await this.options.publisher.publish(event, tx);
        return true;
      });
      if (published) {
        handoffs.push(handoff);
        this.options.logger?.info(
          `On-call handoff on ${schedule.id}: ${handoff.from ?? 'nobody'} -> ${
            handoff.to ?? 'nobody'
          }`,
        );
      }
    }
    return handoffs;
  }

  /** Who was last seen on call per schedule, and since when. */
  async lastSeen(): Promise<Map<string, LastSeenOnCall>> {
    return this.state.lastSeen();
  }
}

/** The longest override; longer cover is a change to the schedule's layers. */
export const MAX_OVERRIDE_DAYS = 31;
/** How far ahead an override may start. */
export const MAX_OVERRIDE_LEAD_DAYS = 365;

/** Why an override's range cannot be right, or undefined when it can. */
export function overrideRangeProblem(
  start: string,
  end: string,
  now: Date,
): string | undefined {
  const startMs = Date.parse(start);
  const endMs = Date.parse(end);
  if (endMs <= now.getTime()) {
    return 'end: an override must end in the future';
  }
  if (startMs > now.getTime() + MAX_OVERRIDE_LEAD_DAYS * DAY_MS) {
    return `start: an override may start at most ${MAX_OVERRIDE_LEAD_DAYS} days ahead`;
  }
  if (endMs - startMs > MAX_OVERRIDE_DAYS * DAY_MS) {
    return `end: an override may last at most ${MAX_OVERRIDE_DAYS} days`;
  }
  return undefined;
}

/** An override bound as an instant; a local time without offset means the schedule's zone. */
function computeInstant(schedule: Schedule, value: string): string {
  return new Date(toEpochMs(value, ianaZone(schedule.timeZone))).toISOString();
}
