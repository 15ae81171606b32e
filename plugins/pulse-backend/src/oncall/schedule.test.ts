import {
  computeFinalShifts,
  findGaps,
  Override,
  Schedule,
  ScheduleLayer,
  Shift,
  validateOverride,
  validateSchedule,
  whoIsOnCall,
} from './schedule';

const ALICE = 'user:default/alice';
const BOB = 'user:default/bob';
const CAROL = 'user:default/carol';
const DAVE = 'user:default/dave';

const HOUR_MS = 3_600_000;

function layer(fields: Partial<ScheduleLayer> = {}): ScheduleLayer {
  return {
    id: 'primary',
    members: [ALICE, BOB],
    rotation: { unit: 'weekly' },
    handoffTime: '09:00',
    start: '2025-01-06',
    ...fields,
  };
}

function schedule(timeZone: string, layers: ScheduleLayer[]): Schedule {
  return { id: 'payments', name: 'Payments', timeZone, layers };
}

function utc(value: string): string {
  return new Date(value).toISOString();
}

function hours(shift: Shift): number {
  return (Date.parse(shift.end) - Date.parse(shift.start)) / HOUR_MS;
}

/** Shifts as compact `start → end who` lines, for readable expectations. */
function timeline(shifts: Shift[]): string[] {
  const short = (iso: string) => iso.replace(':00.000Z', 'Z');
  return shifts.map(
    shift =>
      `${short(shift.start)} → ${short(shift.end)} ${shift.userRef ?? 'GAP'}`,
  );
}

function expectContiguous(shifts: Shift[], from: string, to: string): void {
  expect(shifts[0].start).toBe(utc(from));
  expect(shifts[shifts.length - 1].end).toBe(utc(to));
  for (let index = 1; index < shifts.length; index++) {
    expect(shifts[index].start).toBe(shifts[index - 1].end);
    expect(Date.parse(shifts[index].start)).toBeLessThan(
      Date.parse(shifts[index].end),
    );
  }
}

describe('computeFinalShifts: DST with wall-clock handoffs', () => {
  // The notes say "handoff Mon 00:00", but their instants are Tuesdays at
  // 00:00 local (2024-10-29 and 2025-03-04 are Tuesdays); the instants win.
  it('scenario 1: Chicago weekly shift over fall-back lasts 169 h', () => {
    const chicago = schedule('America/Chicago', [
      layer({ handoffTime: '00:00', start: '2024-10-22' }),
    ]);
    const shifts = computeFinalShifts(
      chicago,
      [],
      '2024-10-22T05:00:00Z',
      '2024-11-12T06:00:00Z',
    );
    expect(timeline(shifts)).toEqual([
      `2024-10-22T05:00Z → 2024-10-29T05:00Z ${ALICE}`,
      `2024-10-29T05:00Z → 2024-11-05T06:00Z ${BOB}`,
      `2024-11-05T06:00Z → 2024-11-12T06:00Z ${ALICE}`,
    ]);
    expect(shifts.map(hours)).toEqual([168, 169, 168]);
  });

  it('scenario 2: Chicago weekly shift over spring-forward lasts 167 h', () => {
    const chicago = schedule('America/Chicago', [
      layer({ handoffTime: '00:00', start: '2025-02-25' }),
    ]);
    const [, second] = computeFinalShifts(
      chicago,
      [],
      '2025-02-25T06:00:00Z',
      '2025-03-18T05:00:00Z',
    );
    expect(second).toEqual({
      start: '2025-03-04T06:00:00.000Z',
      end: '2025-03-11T05:00:00.000Z',
      userRef: BOB,
      layerId: 'primary',
    });
    expect(hours(second)).toBe(167);
  });

  describe.each([
    {
      zone: 'America/New_York',
      weeklyStart: '2025-03-03',
      spring: {
        week: ['2025-03-03T14:00:00Z', '2025-03-10T13:00:00Z'],
        day: ['2025-03-08T14:00:00Z', '2025-03-09T13:00:00Z'],
      },
      fall: {
        week: ['2025-10-27T13:00:00Z', '2025-11-03T14:00:00Z'],
        day: ['2025-11-01T13:00:00Z', '2025-11-02T14:00:00Z'],
      },
    },
    {
      zone: 'Europe/Berlin',
      weeklyStart: '2025-03-24',
      spring: {
        week: ['2025-03-24T08:00:00Z', '2025-03-31T07:00:00Z'],
        day: ['2025-03-29T08:00:00Z', '2025-03-30T07:00:00Z'],
      },
      fall: {
        week: ['2025-10-20T07:00:00Z', '2025-10-27T08:00:00Z'],
        day: ['2025-10-25T07:00:00Z', '2025-10-26T08:00:00Z'],
      },
    },
  ])('$zone, handoff at 09:00 local', ({ zone, weeklyStart, spring, fall }) => {
    const weekly = schedule(zone, [
      layer({ members: [ALICE, BOB, CAROL], start: weeklyStart }),
    ]);
    const daily = schedule(zone, [
      layer({
        members: [ALICE, BOB, CAROL],
        rotation: { unit: 'daily' },
        start: weeklyStart,
      }),
    ]);

    it.each([
      ['spring-forward', spring.week, 167],
      ['fall-back', fall.week, 169],
    ])('a weekly shift over %s lasts %s h', (_change, [start, end], length) => {
      const at = new Date(Date.parse(start) + HOUR_MS);
      const { shift } = whoIsOnCall(weekly, [], at);
      expect([shift.start, shift.end]).toEqual([utc(start), utc(end)]);
      expect(hours(shift)).toBe(length);
    });

    it.each([
      ['spring-forward', spring.day, 23],
      ['fall-back', fall.day, 25],
    ])('a daily shift over %s lasts %s h', (_change, [start, end], length) => {
      const at = new Date(Date.parse(start) + HOUR_MS);
      const { shift } = whoIsOnCall(daily, [], at);
      expect([shift.start, shift.end]).toEqual([utc(start), utc(end)]);
      expect(hours(shift)).toBe(length);
    });

    it('keeps the rotation order across a whole year', () => {
      const shifts = computeFinalShifts(
        weekly,
        [],
        spring.week[0],
        fall.week[1],
      );
      const weeks = Math.round(
        (Date.parse(fall.week[1]) - Date.parse(spring.week[0])) /
          (168 * HOUR_MS),
      );
      expect(shifts.map(s => s.userRef)).toEqual(
        Array.from(
          { length: weeks },
          (_, week) => [ALICE, BOB, CAROL][week % 3],
        ),
      );
      expect(shifts.filter(s => hours(s) !== 168).map(hours)).toEqual([
        167, 169,
      ]);
    });
  });

  it('New York daily rotation hands the right member over across both changes', () => {
    const daily = schedule('America/New_York', [
      layer({
        members: [ALICE, BOB, CAROL],
        rotation: { unit: 'daily' },
        handoffTime: '08:00',
        start: '2025-03-01',
      }),
    ]);
    expect(
      timeline(
        computeFinalShifts(
          daily,
          [],
          '2025-03-08T13:00:00Z',
          '2025-03-10T12:00:00Z',
        ),
      ),
    ).toEqual([
      `2025-03-08T13:00Z → 2025-03-09T12:00Z ${BOB}`,
      `2025-03-09T12:00Z → 2025-03-10T12:00Z ${CAROL}`,
    ]);
    // 2025-11-01 is day 245 after 2025-03-01, and 245 % 3 = 2.
    expect(whoIsOnCall(daily, [], '2025-11-01T20:00:00Z').shift).toEqual({
      start: '2025-11-01T12:00:00.000Z',
      end: '2025-11-02T13:00:00.000Z',
      userRef: CAROL,
      layerId: 'primary',
    });
  });

  it('scenario 4: an "hours" rotation counts elapsed time, so it drifts against the wall clock', () => {
    const everyDay = schedule('America/New_York', [
      layer({
        rotation: { unit: 'hours', hours: 24 },
        handoffTime: '08:00',
        start: '2025-03-08',
      }),
    ]);
    const shifts = computeFinalShifts(
      everyDay,
      [],
      '2025-03-08T13:00:00Z',
      '2025-03-11T13:00:00Z',
    );
    expect(shifts.map(hours)).toEqual([24, 24, 24]);
    // 13:00Z is 08:00 EST before the change and 09:00 EDT after it.
    expect(shifts[1].start).toBe('2025-03-09T13:00:00.000Z');
  });
});

describe('computeFinalShifts: handoff exactly at a DST change', () => {
  it('moves a 02:30 handoff on the New York spring-forward day to 03:00 EDT', () => {
    const daily = schedule('America/New_York', [
      layer({
        rotation: { unit: 'daily' },
        handoffTime: '02:30',
        start: '2025-03-07',
      }),
    ]);
    const shifts = computeFinalShifts(
      daily,
      [],
      '2025-03-08T07:30:00Z',
      '2025-03-10T06:30:00Z',
    );
    expect(timeline(shifts)).toEqual([
      `2025-03-08T07:30Z → 2025-03-09T07:00Z ${BOB}`,
      `2025-03-09T07:00Z → 2025-03-10T06:30Z ${ALICE}`,
    ]);
    expect(shifts.map(hours)).toEqual([23.5, 23.5]);
    expect(whoIsOnCall(daily, [], '2025-03-09T06:59:59Z').userRef).toBe(BOB);
    expect(whoIsOnCall(daily, [], '2025-03-09T07:00:00Z').userRef).toBe(ALICE);
  });

  it('moves a 02:30 handoff on the Berlin spring-forward day to 03:00 CEST', () => {
    const daily = schedule('Europe/Berlin', [
      layer({
        rotation: { unit: 'daily' },
        handoffTime: '02:30',
        start: '2025-03-29',
      }),
    ]);
    expect(
      timeline(
        computeFinalShifts(
          daily,
          [],
          '2025-03-29T01:30:00Z',
          '2025-03-31T00:30:00Z',
        ),
      ),
    ).toEqual([
      `2025-03-29T01:30Z → 2025-03-30T01:00Z ${ALICE}`,
      `2025-03-30T01:00Z → 2025-03-31T00:30Z ${BOB}`,
    ]);
  });

  it('keeps a weekly 02:00 handoff on the change Sunday at the change instant', () => {
    const weekly = schedule('America/New_York', [
      layer({ handoffTime: '02:00', start: '2025-03-02' }),
    ]);
    const shifts = computeFinalShifts(
      weekly,
      [],
      '2025-03-02T07:00:00Z',
      '2025-03-16T06:00:00Z',
    );
    expect(timeline(shifts)).toEqual([
      `2025-03-02T07:00Z → 2025-03-09T07:00Z ${ALICE}`,
      `2025-03-09T07:00Z → 2025-03-16T06:00Z ${BOB}`,
    ]);
    expect(shifts.map(hours)).toEqual([168, 167]);
  });

  it('hands off at the first occurrence of an ambiguous fall-back time', () => {
    const berlin = schedule('Europe/Berlin', [
      layer({
        rotation: { unit: 'daily' },
        handoffTime: '02:30',
        start: '2025-10-25',
      }),
    ]);
    const shifts = computeFinalShifts(
      berlin,
      [],
      '2025-10-25T00:30:00Z',
      '2025-10-27T01:30:00Z',
    );
    expect(timeline(shifts)).toEqual([
      `2025-10-25T00:30Z → 2025-10-26T00:30Z ${ALICE}`,
      `2025-10-26T00:30Z → 2025-10-27T01:30Z ${BOB}`,
    ]);
    expect(shifts.map(hours)).toEqual([24, 25]);
  });
});

describe('computeFinalShifts: overrides', () => {
  // UTC, five-hour turns from 10:00: Alice 10–15, Bob 15–20.
  const fiveHourTurns = schedule('UTC', [
    layer({
      rotation: { unit: 'hours', hours: 5 },
      handoffTime: '10:00',
      start: '2025-01-06',
    }),
  ]);

  it('scenario 5: an override inside a shift splits it', () => {
    const override: Override = {
      id: 'ovr-1',
      userRef: BOB,
      start: '2025-01-06T10:00:00Z',
      end: '2025-01-06T14:00:00Z',
    };
    expect(
      computeFinalShifts(
        fiveHourTurns,
        [override],
        '2025-01-06T10:00:00Z',
        '2025-01-06T15:00:00Z',
      ),
    ).toEqual([
      {
        start: '2025-01-06T10:00:00.000Z',
        end: '2025-01-06T14:00:00.000Z',
        userRef: BOB,
        overrideId: 'ovr-1',
      },
      {
        start: '2025-01-06T14:00:00.000Z',
        end: '2025-01-06T15:00:00.000Z',
        userRef: ALICE,
        layerId: 'primary',
      },
    ]);
  });

  it('scenario 6: an override straddling a handoff', () => {
    const twoHourTurns = schedule('UTC', [
      layer({
        rotation: { unit: 'hours', hours: 2 },
        handoffTime: '10:00',
        start: '2025-01-06',
      }),
    ]);
    const override: Override = {
      id: 'ovr-1',
      userRef: CAROL,
      start: new Date('2025-01-06T11:00:00Z'),
      end: new Date('2025-01-06T13:00:00Z'),
    };
    expect(
      timeline(
        computeFinalShifts(
          twoHourTurns,
          [override],
          '2025-01-06T10:00:00Z',
          '2025-01-06T14:00:00Z',
        ),
      ),
    ).toEqual([
      `2025-01-06T10:00Z → 2025-01-06T11:00Z ${ALICE}`,
      `2025-01-06T11:00Z → 2025-01-06T13:00Z ${CAROL}`,
      `2025-01-06T13:00Z → 2025-01-06T14:00Z ${BOB}`,
    ]);
  });

  it('reads override times without an offset in the schedule zone', () => {
    const newYork = schedule('America/New_York', [layer({ members: [ALICE] })]);
    const override: Override = {
      id: 'ovr-1',
      userRef: BOB,
      start: '2025-01-07T12:00',
      end: '2025-01-07T13:00',
    };
    expect(
      whoIsOnCall(newYork, [override], '2025-01-07T17:30:00Z').userRef,
    ).toBe(BOB);
  });

  describe('scenario 7: scoped to one layer', () => {
    // Alice covers all day; Bob's layer covers 09:00–17:00 on top.
    const twoLayers = schedule('UTC', [
      layer({ id: 'base', members: [ALICE], rotation: { unit: 'daily' } }),
      layer({
        id: 'business-hours',
        members: [BOB],
        rotation: { unit: 'daily' },
        restrictions: [{ kind: 'daily', startTime: '09:00', endTime: '17:00' }],
      }),
    ]);
    const window = ['2025-01-07T08:00:00Z', '2025-01-07T18:00:00Z'] as const;
    const carol = (layerId?: string): Override => ({
      id: 'ovr-carol',
      userRef: CAROL,
      start: '2025-01-07T08:00:00Z',
      end: '2025-01-07T18:00:00Z',
      ...(layerId && { layerId }),
    });

    it('replaces the base layer only, which the upper layer still covers', () => {
      const shifts = computeFinalShifts(twoLayers, [carol('base')], ...window);
      expect(timeline(shifts)).toEqual([
        `2025-01-07T08:00Z → 2025-01-07T09:00Z ${CAROL}`,
        `2025-01-07T09:00Z → 2025-01-07T17:00Z ${BOB}`,
        `2025-01-07T17:00Z → 2025-01-07T18:00Z ${CAROL}`,
      ]);
      expect(shifts[0]).toMatchObject({
        layerId: 'base',
        overrideId: 'ovr-carol',
      });
    });

    it('replaces a restricted layer only inside its restriction', () => {
      expect(
        timeline(
          computeFinalShifts(twoLayers, [carol('business-hours')], ...window),
        ),
      ).toEqual([
        `2025-01-07T08:00Z → 2025-01-07T09:00Z ${ALICE}`,
        `2025-01-07T09:00Z → 2025-01-07T17:00Z ${CAROL}`,
        `2025-01-07T17:00Z → 2025-01-07T18:00Z ${ALICE}`,
      ]);
    });

    it('an unscoped override covers every layer', () => {
      expect(
        timeline(computeFinalShifts(twoLayers, [carol()], ...window)),
      ).toEqual([`2025-01-07T08:00Z → 2025-01-07T18:00Z ${CAROL}`]);
      const storedUnscoped: Override = { ...carol(), layerId: null };
      expect(
        timeline(computeFinalShifts(twoLayers, [storedUnscoped], ...window)),
      ).toEqual([`2025-01-07T08:00Z → 2025-01-07T18:00Z ${CAROL}`]);
    });

    it('ignores an override scoped to an unknown layer', () => {
      expect(
        timeline(computeFinalShifts(twoLayers, [carol('nope')], ...window)),
      ).toEqual([
        `2025-01-07T08:00Z → 2025-01-07T09:00Z ${ALICE}`,
        `2025-01-07T09:00Z → 2025-01-07T17:00Z ${BOB}`,
        `2025-01-07T17:00Z → 2025-01-07T18:00Z ${ALICE}`,
      ]);
    });
  });

  it('scenario 9: overlapping overrides resolve the same whatever the input order', () => {
    const base = schedule('UTC', [layer({ members: [ALICE] })]);
    const overrides: Override[] = [
      {
        id: 'ovr-b',
        userRef: BOB,
        start: '2025-01-07T10:00:00Z',
        end: '2025-01-07T12:00:00Z',
      },
      {
        id: 'ovr-a',
        userRef: CAROL,
        start: '2025-01-07T10:00:00Z',
        end: '2025-01-07T14:00:00Z',
      },
      {
        id: 'ovr-c',
        userRef: DAVE,
        start: '2025-01-07T11:00:00Z',
        end: '2025-01-07T11:30:00Z',
      },
    ];
    const window = ['2025-01-07T09:00:00Z', '2025-01-07T15:00:00Z'] as const;
    const forwards = computeFinalShifts(base, overrides, ...window);
    const backwards = computeFinalShifts(
      base,
      [...overrides].reverse(),
      ...window,
    );
    expect(backwards).toEqual(forwards);
    // Same start: the greater id wins; a later start wins over both.
    expect(timeline(forwards)).toEqual([
      `2025-01-07T09:00Z → 2025-01-07T10:00Z ${ALICE}`,
      `2025-01-07T10:00Z → 2025-01-07T11:00Z ${BOB}`,
      `2025-01-07T11:00Z → 2025-01-07T11:30Z ${DAVE}`,
      `2025-01-07T11:30Z → 2025-01-07T12:00Z ${BOB}`,
      `2025-01-07T12:00Z → 2025-01-07T14:00Z ${CAROL}`,
      `2025-01-07T14:00Z → 2025-01-07T15:00Z ${ALICE}`,
    ]);
  });

  it('ignores empty and inverted overrides', () => {
    const base = schedule('UTC', [layer({ members: [ALICE] })]);
    const overrides: Override[] = [
      {
        id: 'empty',
        userRef: BOB,
        start: '2025-01-07T10:00:00Z',
        end: '2025-01-07T10:00:00Z',
      },
      {
        id: 'inverted',
        userRef: BOB,
        start: '2025-01-07T11:00:00Z',
        end: '2025-01-07T10:00:00Z',
      },
    ];
    expect(
      timeline(
        computeFinalShifts(
          base,
          overrides,
          '2025-01-07T09:00:00Z',
          '2025-01-07T12:00:00Z',
        ),
      ),
    ).toEqual([`2025-01-07T09:00Z → 2025-01-07T12:00Z ${ALICE}`]);
  });
});

describe('computeFinalShifts: layers and restrictions', () => {
  it('scenario 8: a later layer wins only while it has someone on call', () => {
    const layered = schedule('UTC', [
      layer({ id: 'base', members: [ALICE], rotation: { unit: 'daily' } }),
      layer({
        id: 'lunch',
        members: [BOB],
        rotation: { unit: 'daily' },
        restrictions: [{ kind: 'daily', startTime: '12:00', endTime: '14:00' }],
      }),
    ]);
    const shifts = computeFinalShifts(
      layered,
      [],
      '2025-01-07T09:00:00Z',
      '2025-01-07T18:00:00Z',
    );
    expect(shifts).toEqual([
      {
        start: '2025-01-07T09:00:00.000Z',
        end: '2025-01-07T12:00:00.000Z',
        userRef: ALICE,
        layerId: 'base',
      },
      {
        start: '2025-01-07T12:00:00.000Z',
        end: '2025-01-07T14:00:00.000Z',
        userRef: BOB,
        layerId: 'lunch',
      },
      {
        start: '2025-01-07T14:00:00.000Z',
        end: '2025-01-07T18:00:00.000Z',
        userRef: ALICE,
        layerId: 'base',
      },
    ]);
  });

  it('a later layer starting mid-window covers only from its start', () => {
    const layered = schedule('UTC', [
      layer({ id: 'base', members: [ALICE] }),
      layer({ id: 'new', members: [BOB], start: '2025-01-08T12:00:00Z' }),
    ]);
    expect(
      timeline(
        computeFinalShifts(
          layered,
          [],
          '2025-01-08T00:00:00Z',
          '2025-01-09T00:00:00Z',
        ),
      ),
    ).toEqual([
      `2025-01-08T00:00Z → 2025-01-08T12:00Z ${ALICE}`,
      `2025-01-08T12:00Z → 2025-01-09T00:00Z ${BOB}`,
    ]);
  });

  it('scenario 10: a daily restriction crossing midnight', () => {
    const nights = schedule('UTC', [
      layer({ id: 'days', members: [ALICE], rotation: { unit: 'daily' } }),
      layer({
        id: 'nights',
        members: [BOB],
        rotation: { unit: 'daily' },
        restrictions: [{ kind: 'daily', startTime: '19:00', endTime: '07:00' }],
      }),
    ]);
    expect(
      timeline(
        computeFinalShifts(
          nights,
          [],
          '2025-01-07T00:00:00Z',
          '2025-01-09T00:00:00Z',
        ),
      ),
    ).toEqual([
      `2025-01-07T00:00Z → 2025-01-07T07:00Z ${BOB}`,
      `2025-01-07T07:00Z → 2025-01-07T19:00Z ${ALICE}`,
      `2025-01-07T19:00Z → 2025-01-08T07:00Z ${BOB}`,
      `2025-01-08T07:00Z → 2025-01-08T19:00Z ${ALICE}`,
      `2025-01-08T19:00Z → 2025-01-09T00:00Z ${BOB}`,
    ]);
  });

  it('scenario 10: weeknights 19:00–07:00 as weekly restrictions', () => {
    const weeknights = schedule('UTC', [
      layer({
        members: [BOB],
        restrictions: ([1, 2, 3, 4, 5] as const).map(day => ({
          kind: 'weekly' as const,
          startDay: day,
          startTime: '19:00',
          endDay: ((day % 7) + 1) as 2 | 3 | 4 | 5 | 6,
          endTime: '07:00',
        })),
      }),
    ]);
    // Friday 2025-01-10 to Tuesday 2025-01-14.
    expect(
      timeline(
        computeFinalShifts(
          weeknights,
          [],
          '2025-01-10T00:00:00Z',
          '2025-01-14T00:00:00Z',
        ),
      ),
    ).toEqual([
      `2025-01-10T00:00Z → 2025-01-10T07:00Z ${BOB}`,
      '2025-01-10T07:00Z → 2025-01-10T19:00Z GAP',
      `2025-01-10T19:00Z → 2025-01-11T07:00Z ${BOB}`,
      '2025-01-11T07:00Z → 2025-01-13T19:00Z GAP',
      `2025-01-13T19:00Z → 2025-01-14T00:00Z ${BOB}`,
    ]);
  });

  it('scenario 10: a weekend restriction crossing the week boundary (Fri 17:00 + 64 h)', () => {
    const weekend = schedule('Europe/Berlin', [
      layer({ id: 'weekdays', members: [ALICE] }),
      layer({
        id: 'weekend',
        members: [BOB],
        restrictions: [
          {
            kind: 'weekly',
            startDay: 5,
            startTime: '17:00',
            endDay: 1,
            endTime: '09:00',
          },
        ],
      }),
    ]);
    const shifts = computeFinalShifts(
      weekend,
      [],
      '2025-01-09T23:00:00Z',
      '2025-01-14T23:00:00Z',
    );
    expect(timeline(shifts)).toEqual([
      `2025-01-09T23:00Z → 2025-01-10T16:00Z ${ALICE}`,
      `2025-01-10T16:00Z → 2025-01-13T08:00Z ${BOB}`,
      `2025-01-13T08:00Z → 2025-01-14T23:00Z ${ALICE}`,
    ]);
    expect(hours(shifts[1])).toBe(64);
    // Over the fall-back weekend the same window lasts 65 h.
    const [, dstWeekend] = computeFinalShifts(
      weekend,
      [],
      '2025-10-24T00:00:00Z',
      '2025-10-28T00:00:00Z',
    );
    expect([dstWeekend.start, dstWeekend.end, hours(dstWeekend)]).toEqual([
      '2025-10-24T15:00:00.000Z',
      '2025-10-27T08:00:00.000Z',
      65,
    ]);
  });

  it('finds a weekly window that began before the query window', () => {
    const weekend = schedule('UTC', [
      layer({
        members: [BOB],
        restrictions: [
          {
            kind: 'weekly',
            startDay: 5,
            startTime: '17:00',
            endDay: 1,
            endTime: '09:00',
          },
        ],
      }),
    ]);
    expect(
      timeline(
        computeFinalShifts(
          weekend,
          [],
          '2025-01-12T12:00:00Z',
          '2025-01-13T12:00:00Z',
        ),
      ),
    ).toEqual([
      `2025-01-12T12:00Z → 2025-01-13T09:00Z ${BOB}`,
      '2025-01-13T09:00Z → 2025-01-13T12:00Z GAP',
    ]);
  });

  it('treats equal restriction start and end as the whole day or week', () => {
    const window = ['2025-01-07T00:00:00Z', '2025-01-31T00:00:00Z'] as const;
    const allDay = schedule('UTC', [
      layer({
        members: [BOB],
        restrictions: [{ kind: 'daily', startTime: '06:00', endTime: '06:00' }],
      }),
    ]);
    const allWeek = schedule('UTC', [
      layer({
        members: [BOB],
        restrictions: [
          {
            kind: 'weekly',
            startDay: 3,
            startTime: '06:00',
            endDay: 3,
            endTime: '06:00',
          },
        ],
      }),
    ]);
    expect(findGaps(allDay, [], ...window)).toEqual([]);
    expect(findGaps(allWeek, [], ...window)).toEqual([]);
  });
});

describe('computeFinalShifts: rotation start, gaps and edges', () => {
  it('scenario 11: a layer started long before the window puts the right member on call', () => {
    const weekly = schedule('UTC', [
      layer({ members: [ALICE, BOB, CAROL], start: '2025-01-06' }),
    ]);
    // 2025-03-10 is nine weeks after 2025-01-06: back to the first member.
    const now = whoIsOnCall(weekly, [], '2025-03-12T12:00:00Z');
    expect(now).toEqual({
      userRef: ALICE,
      shift: {
        start: '2025-03-10T09:00:00.000Z',
        end: '2025-03-17T09:00:00.000Z',
        userRef: ALICE,
        layerId: 'primary',
      },
      nextShift: {
        start: '2025-03-17T09:00:00.000Z',
        end: '2025-03-24T09:00:00.000Z',
        userRef: BOB,
        layerId: 'primary',
      },
    });
  });

  it('a date-time start gives the first member the time until the next handoff', () => {
    const daily = schedule('UTC', [
      layer({
        rotation: { unit: 'daily' },
        start: '2025-01-06T06:00:00',
      }),
    ]);
    expect(
      timeline(
        computeFinalShifts(
          daily,
          [],
          '2025-01-06T00:00:00Z',
          '2025-01-07T12:00:00Z',
        ),
      ),
    ).toEqual([
      '2025-01-06T00:00Z → 2025-01-06T06:00Z GAP',
      `2025-01-06T06:00Z → 2025-01-06T09:00Z ${ALICE}`,
      `2025-01-06T09:00Z → 2025-01-07T09:00Z ${BOB}`,
      `2025-01-07T09:00Z → 2025-01-07T12:00Z ${ALICE}`,
    ]);
  });

  it('scenario 15: an explicit null member is a gap', () => {
    const withHole = schedule('UTC', [
      layer({ members: [ALICE, null, BOB], rotation: { unit: 'daily' } }),
    ]);
    expect(
      timeline(
        computeFinalShifts(
          withHole,
          [],
          '2025-01-06T09:00:00Z',
          '2025-01-09T09:00:00Z',
        ),
      ),
    ).toEqual([
      `2025-01-06T09:00Z → 2025-01-07T09:00Z ${ALICE}`,
      '2025-01-07T09:00Z → 2025-01-08T09:00Z GAP',
      `2025-01-08T09:00Z → 2025-01-09T09:00Z ${BOB}`,
    ]);
  });

  it('a null member in an upper layer lets the lower layer show through', () => {
    const layered = schedule('UTC', [
      layer({ id: 'base', members: [CAROL] }),
      layer({ id: 'top', members: [ALICE, null], rotation: { unit: 'daily' } }),
    ]);
    expect(
      timeline(
        computeFinalShifts(
          layered,
          [],
          '2025-01-06T09:00:00Z',
          '2025-01-08T09:00:00Z',
        ),
      ),
    ).toEqual([
      `2025-01-06T09:00Z → 2025-01-07T09:00Z ${ALICE}`,
      `2025-01-07T09:00Z → 2025-01-08T09:00Z ${CAROL}`,
    ]);
  });

  describe('scenario 19: deactivated users', () => {
    const daily = schedule('UTC', [
      layer({ members: [ALICE, BOB], rotation: { unit: 'daily' } }),
    ]);
    const window = ['2025-01-06T09:00:00Z', '2025-01-08T09:00:00Z'] as const;

    it('turns their slot into a gap', () => {
      expect(
        timeline(
          computeFinalShifts(daily, [], ...window, {
            inactiveUsers: new Set([BOB]),
          }),
        ),
      ).toEqual([
        `2025-01-06T09:00Z → 2025-01-07T09:00Z ${ALICE}`,
        '2025-01-07T09:00Z → 2025-01-08T09:00Z GAP',
      ]);
    });

    it('ignores their overrides', () => {
      const override: Override = {
        id: 'ovr-1',
        userRef: CAROL,
        start: window[0],
        end: window[1],
      };
      expect(
        timeline(
          computeFinalShifts(daily, [override], ...window, {
            inactiveUsers: new Set([CAROL]),
          }),
        ),
      ).toEqual([
        `2025-01-06T09:00Z → 2025-01-07T09:00Z ${ALICE}`,
        `2025-01-07T09:00Z → 2025-01-08T09:00Z ${BOB}`,
      ]);
    });

    it('scenario 14: a rotation whose users were all removed is one gap', () => {
      expect(
        findGaps(daily, [], ...window, {
          inactiveUsers: new Set([ALICE, BOB]),
        }),
      ).toEqual([{ start: utc(window[0]), end: utc(window[1]) }]);
    });
  });

  it('scenario 18: shifts are truncated at the window edges', () => {
    const weekly = schedule('UTC', [layer()]);
    expect(
      computeFinalShifts(
        weekly,
        [],
        '2025-01-08T00:00:00Z',
        '2025-01-14T00:00:00Z',
      ),
    ).toEqual([
      {
        start: '2025-01-08T00:00:00.000Z',
        end: '2025-01-13T09:00:00.000Z',
        userRef: ALICE,
        layerId: 'primary',
      },
      {
        start: '2025-01-13T09:00:00.000Z',
        end: '2025-01-14T00:00:00.000Z',
        userRef: BOB,
        layerId: 'primary',
      },
    ]);
  });

  it('returns nothing for an empty or inverted window', () => {
    const weekly = schedule('UTC', [layer()]);
    expect(
      computeFinalShifts(
        weekly,
        [],
        '2025-01-08T00:00:00Z',
        '2025-01-08T00:00:00Z',
      ),
    ).toEqual([]);
    expect(
      computeFinalShifts(
        weekly,
        [],
        '2025-01-09T00:00:00Z',
        '2025-01-08T00:00:00Z',
      ),
    ).toEqual([]);
  });

  it('merges consecutive turns of the same member', () => {
    const solo = schedule('UTC', [
      layer({ members: [ALICE], rotation: { unit: 'daily' } }),
    ]);
    expect(
      computeFinalShifts(
        solo,
        [],
        '2025-01-06T00:00:00Z',
        '2025-01-20T00:00:00Z',
      ),
    ).toHaveLength(2);
  });

  it('scenario 14: reports gaps in the past and in the future', () => {
    const businessHours = schedule('America/New_York', [
      layer({
        members: [ALICE],
        rotation: { unit: 'daily' },
        restrictions: ([1, 2, 3, 4, 5] as const).map(day => ({
          kind: 'weekly' as const,
          startDay: day,
          startTime: '09:00',
          endDay: day,
          endTime: '17:00',
        })),
      }),
    ]);
    const past = findGaps(
      businessHours,
      [],
      '2025-01-06T05:00:00Z',
      '2025-01-07T05:00:00Z',
    );
    expect(past).toEqual([
      { start: '2025-01-06T05:00:00.000Z', end: '2025-01-06T14:00:00.000Z' },
      { start: '2025-01-06T22:00:00.000Z', end: '2025-01-07T05:00:00.000Z' },
    ]);
    const futureWeekend = findGaps(
      businessHours,
      [],
      '2030-01-04T22:00:00Z',
      '2030-01-07T14:00:00Z',
    );
    expect(futureWeekend).toEqual([
      { start: '2030-01-04T22:00:00.000Z', end: '2030-01-07T14:00:00.000Z' },
    ]);
  });

  it('an override fills a gap', () => {
    const withHole = schedule('UTC', [
      layer({ members: [ALICE, null], rotation: { unit: 'daily' } }),
    ]);
    const override: Override = {
      id: 'ovr-1',
      userRef: CAROL,
      start: '2025-01-07T09:00:00Z',
      end: '2025-01-07T21:00:00Z',
    };
    expect(
      findGaps(
        withHole,
        [override],
        '2025-01-06T09:00:00Z',
        '2025-01-08T09:00:00Z',
      ),
    ).toEqual([
      { start: '2025-01-07T21:00:00.000Z', end: '2025-01-08T09:00:00.000Z' },
    ]);
  });

  it('always covers the window contiguously, whatever the mix', () => {
    const busy = schedule('Europe/Berlin', [
      layer({ id: 'a', members: [ALICE, null, BOB], start: '2025-02-03' }),
      layer({
        id: 'b',
        members: [CAROL, DAVE],
        rotation: { unit: 'hours', hours: 11 },
        handoffTime: '07:30',
        start: '2025-03-01T13:15:00',
        restrictions: [
          { kind: 'daily', startTime: '22:00', endTime: '02:30' },
          {
            kind: 'weekly',
            startDay: 6,
            startTime: '10:00',
            endDay: 7,
            endTime: '12:00',
          },
        ],
      }),
    ]);
    const overrides: Override[] = [
      {
        id: 'o1',
        userRef: DAVE,
        start: '2025-03-29T20:00:00Z',
        end: '2025-03-31T01:00:00Z',
      },
      {
        id: 'o2',
        userRef: ALICE,
        start: '2025-03-30T00:00:00Z',
        end: '2025-03-30T03:00:00Z',
        layerId: 'b',
      },
    ];
    const from = '2025-03-01T00:00:00Z';
    const to = '2025-05-01T00:00:00Z';
    const shifts = computeFinalShifts(busy, overrides, from, to);
    expectContiguous(shifts, from, to);
    for (let index = 1; index < shifts.length; index++) {
      const [previous, current] = [shifts[index - 1], shifts[index]];
      expect(
        previous.userRef === current.userRef &&
          previous.layerId === current.layerId &&
          previous.overrideId === current.overrideId,
      ).toBe(false);
    }
  });
});

describe('whoIsOnCall', () => {
  it('reports a gap as nobody, with the shift and who comes next', () => {
    const withHole = schedule('UTC', [
      layer({ members: [ALICE, null], rotation: { unit: 'daily' } }),
    ]);
    expect(whoIsOnCall(withHole, [], new Date('2025-01-07T12:00:00Z'))).toEqual(
      {
        userRef: null,
        shift: {
          start: '2025-01-07T09:00:00.000Z',
          end: '2025-01-08T09:00:00.000Z',
          userRef: null,
        },
        nextShift: {
          start: '2025-01-08T09:00:00.000Z',
          end: '2025-01-09T09:00:00.000Z',
          userRef: ALICE,
          layerId: 'primary',
        },
      },
    );
  });

  it('clips the shift to the horizon and has no next shift beyond it', () => {
    const solo = schedule('UTC', [layer({ members: [ALICE] })]);
    const now = whoIsOnCall(solo, [], '2025-06-01T00:00:00Z', {
      horizonDays: 2,
    });
    expect(now.shift).toEqual({
      start: '2025-05-30T00:00:00.000Z',
      end: '2025-06-03T00:00:00.000Z',
      userRef: ALICE,
      layerId: 'primary',
    });
    expect(now.nextShift).toBeNull();
  });

  it('is nobody before the first layer starts', () => {
    expect(
      whoIsOnCall(schedule('UTC', [layer()]), [], '2024-12-01T00:00:00Z')
        .userRef,
    ).toBeNull();
  });

  it('rejects a non-positive horizon', () => {
    expect(() =>
      whoIsOnCall(schedule('UTC', [layer()]), [], new Date(), {
        horizonDays: 0,
      }),
    ).toThrow(RangeError);
  });

  it.each([
    ['handoff time', layer({ handoffTime: '9am' })],
    ['rotation length', layer({ rotation: { unit: 'hours', hours: 0 } })],
    ['start', layer({ start: 'soon' })],
  ])('throws a RangeError on an invalid %s', (_what, invalidLayer) => {
    expect(() =>
      whoIsOnCall(schedule('UTC', [invalidLayer]), [], new Date()),
    ).toThrow(RangeError);
  });

  it('throws a RangeError on an invalid zone', () => {
    expect(() =>
      whoIsOnCall(schedule('Mars/Olympus', [layer()]), [], new Date()),
    ).toThrow(RangeError);
  });
});

describe('validateSchedule', () => {
  it('accepts a valid schedule', () => {
    expect(
      validateSchedule(
        schedule('Europe/Berlin', [
          layer({ id: 'a' }),
          layer({
            id: 'b',
            members: [ALICE, null],
            rotation: { unit: 'hours', hours: 12 },
            start: '2025-01-06T08:00:00+01:00',
            restrictions: [
              { kind: 'daily', startTime: '19:00', endTime: '07:00' },
              {
                kind: 'weekly',
                startDay: 5,
                startTime: '17:00',
                endDay: 1,
                endTime: '09:00',
              },
            ],
          }),
        ]),
      ),
    ).toEqual([]);
  });

  it('names every problem with its path', () => {
    const broken = {
      id: '',
      name: 'Broken',
      timeZone: 'Europe/Atlantis',
      layers: [
        layer({ id: 'a' }),
        layer({
          id: 'a',
          members: [],
          rotation: { unit: 'hours', hours: 0 },
          handoffTime: '25:00',
          start: 'yesterday',
          restrictions: [
            { kind: 'daily', startTime: '9:00', endTime: '17:00' },
            {
              kind: 'weekly',
              startDay: 0 as 1,
              startTime: '09:00',
              endDay: 8 as 1,
              endTime: '17:00',
            },
          ],
        }),
        layer({
          id: 'c',
          members: [ALICE, ''],
          rotation: { unit: 'monthly' } as unknown as { unit: 'daily' },
        }),
        layer({ id: 'd', rotation: { unit: 'hours', hours: -3 } }),
      ],
    };
    expect(validateSchedule(broken)).toEqual([
      { path: 'id', message: 'must be a non-empty string' },
      {
        path: 'timeZone',
        message: '"Europe/Atlantis" is not an IANA time zone',
      },
      {
        path: 'layers[1].members',
        message: 'must list at least one member (use null for an empty slot)',
      },
      {
        path: 'layers[1].rotation.hours',
        message: 'must be a positive number',
      },
      { path: 'layers[1].handoffTime', message: 'must be HH:mm' },
      { path: 'layers[1].start', message: 'must be an ISO date or date-time' },
      { path: 'layers[1].restrictions[0].startTime', message: 'must be HH:mm' },
      {
        path: 'layers[1].restrictions[1].startDay',
        message: 'must be an ISO weekday, 1 (Monday) to 7 (Sunday)',
      },
      {
        path: 'layers[1].restrictions[1].endDay',
        message: 'must be an ISO weekday, 1 (Monday) to 7 (Sunday)',
      },
      { path: 'layers[1].id', message: 'duplicate layer id "a"' },
      {
        path: 'layers[2].members[1]',
        message: 'must be a user entity ref or null',
      },
      {
        path: 'layers[2].rotation.unit',
        message: 'must be "daily", "weekly" or "hours"',
      },
      {
        path: 'layers[3].rotation.hours',
        message: 'must be a positive number',
      },
    ]);
  });

  it('requires at least one layer', () => {
    expect(validateSchedule(schedule('UTC', []))).toEqual([
      { path: 'layers', message: 'must have at least one layer' },
    ]);
  });
});

describe('validateOverride', () => {
  const twoLayers = schedule('UTC', [layer({ id: 'a' }), layer({ id: 'b' })]);

  it('accepts a valid override', () => {
    expect(
      validateOverride(twoLayers, {
        id: 'o',
        userRef: ALICE,
        start: '2025-01-07T10:00:00Z',
        end: new Date('2025-01-07T11:00:00Z'),
        layerId: 'b',
      }),
    ).toEqual([]);
  });

  it('names bad fields', () => {
    expect(
      validateOverride(twoLayers, {
        id: 'o',
        userRef: '',
        start: 'soon',
        end: '2025-01-07T11:00:00Z',
        layerId: 'z',
      }),
    ).toEqual([
      { path: 'userRef', message: 'must be a user entity ref' },
      { path: 'start', message: 'must be an ISO date-time' },
      { path: 'layerId', message: 'no layer "z" in schedule "payments"' },
    ]);
    expect(
      validateOverride(twoLayers, {
        id: 'o',
        userRef: ALICE,
        start: '2025-01-07T11:00:00Z',
        end: '2025-01-07T11:00:00Z',
      }),
    ).toEqual([{ path: 'end', message: 'must be after start' }]);
  });
});
