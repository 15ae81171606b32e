import { describeEscalationHealth } from './escalationHealth';

const at = new Date('2025-05-05T10:00:00Z');
const minutesAgo = (n: number) => new Date(at.getTime() - n * 60_000);
const none = { overdue: 0, oldestDueAt: null };

describe('describeEscalationHealth', () => {
  it('is starting before any run, and healthy', () => {
    expect(
      describeEscalationHealth({
        at,
        due: none,
        overdue: none,
        lastRunAt: null,
        lastWatchdogRunAt: null,
        graceMinutes: 3,
      }),
    ).toEqual({
      healthy: true,
      body: {
        status: 'starting',
        overdueSteps: 0,
        oldestOverdueDueAt: null,
        dueSteps: 0,
        lagSeconds: 0,
        lastRunAt: null,
        lastWatchdogRunAt: null,
        graceMinutes: 3,
        checkedAt: '2025-05-05T10:00:00.000Z',
      },
    });
  });

  it('is ok while a run is recent, and reports the due steps and how late the oldest is', () => {
    const report = describeEscalationHealth({
      at,
      due: { overdue: 2, oldestDueAt: new Date(at.getTime() - 20_000) },
      overdue: none,
      lastRunAt: minutesAgo(1),
      lastWatchdogRunAt: null,
      graceMinutes: 3,
    });
    expect(report.healthy).toBe(true);
    expect(report.body).toMatchObject({
      status: 'ok',
      dueSteps: 2,
      lagSeconds: 20,
      lastRunAt: '2025-05-05T09:59:00.000Z',
    });
  });

  it('is lagging when a step is overdue beyond the grace period, and stalled when no run came within it', () => {
    expect(
      describeEscalationHealth({
        at,
        due: { overdue: 1, oldestDueAt: minutesAgo(5) },
        overdue: { overdue: 1, oldestDueAt: minutesAgo(5) },
        lastRunAt: minutesAgo(1),
        lastWatchdogRunAt: minutesAgo(1),
        graceMinutes: 3,
      }),
    ).toMatchObject({
      healthy: false,
      body: {
        status: 'lagging',
        overdueSteps: 1,
        oldestOverdueDueAt: '2025-05-05T09:55:00.000Z',
        lagSeconds: 300,
      },
    });
    expect(
      describeEscalationHealth({
        at,
        due: none,
        overdue: none,
        lastRunAt: minutesAgo(10),
        // The watchdog's run counts too.
        lastWatchdogRunAt: minutesAgo(4),
        graceMinutes: 3,
      }),
    ).toMatchObject({ healthy: false, body: { status: 'stalled' } });
  });
});
