/**
 * The escalation engine's health (pure): from how many steps are due and overdue and when the
 * engine last ran, whether paging works (`ok`), is behind (`lagging`: a step is overdue by more
 * than the watchdog's grace period), has stopped (`stalled`: no run within the grace period) or
 * has not run yet (`starting`).
 */

/** `GET /v1/health/escalation` */
export interface EscalationHealth {
  status: 'ok' | 'lagging' | 'stalled' | 'starting';
  /** Steps (pages or acknowledgement timeouts) due more than the grace period ago. */
  overdueSteps: number;
  oldestOverdueDueAt: string | null;
  /** Steps due now, and how late the oldest of them is. */
  dueSteps: number;
  lagSeconds: number;
  lastRunAt: string | null;
  lastWatchdogRunAt: string | null;
  graceMinutes: number;
  checkedAt: string;
}

/** Steps due by a time: how many, and the oldest due time among them. */
export interface DueSteps {
  overdue: number;
  oldestDueAt: Date | null;
}

export function describeEscalationHealth(input: {
  at: Date;
  /** Steps due at `at`. */
  due: DueSteps;
  /** Steps due more than the grace period before `at`. */
  overdue: DueSteps;
  lastRunAt: Date | null;
  lastWatchdogRunAt: Date | null;
  graceMinutes: number;
}): { healthy: boolean; body: EscalationHealth } {
  const { at, due, overdue, lastRunAt, lastWatchdogRunAt, graceMinutes } =
    input;
  const graceMs = graceMinutes * 60_000;
  const latest = Math.max(
    lastRunAt?.getTime() ?? 0,
    lastWatchdogRunAt?.getTime() ?? 0,
  );
  let status: EscalationHealth['status'] = 'ok';
  if (overdue.overdue > 0) {
    status = 'lagging';
  } else if (latest === 0) {
    status = 'starting';
  } else if (at.getTime() - latest > graceMs) {
    status = 'stalled';
  }
  return {
    healthy: status === 'ok' || status === 'starting',
    body: {
      status,
      overdueSteps: overdue.overdue,
      oldestOverdueDueAt: overdue.oldestDueAt?.toISOString() ?? null,
      dueSteps: due.overdue,
      lagSeconds: due.oldestDueAt
        ? Math.max(
            0,
            Math.round((at.getTime() - due.oldestDueAt.getTime()) / 1000),
          )
        : 0,
      lastRunAt: lastRunAt?.toISOString() ?? null,
      lastWatchdogRunAt: lastWatchdogRunAt?.toISOString() ?? null,
      graceMinutes,
      checkedAt: at.toISOString(),
    },
  };
}
