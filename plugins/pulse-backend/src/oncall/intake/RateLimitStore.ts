import { Knex } from 'knex';
import { IntakeRateLimit } from './config';

const TABLE = 'pulse_intake_rate_limits';

/** A caller's bucket after taking one request from it. */
export interface SharedBucket {
  allowed: boolean;
  /** Requests left, as of `now` (a fraction while it refills). */
  tokens: number;
}

/**
 * All SQL of the shared rate limit: one token bucket per caller in `pulse_intake_rate_limits`.
 *
 * {@link take} is one statement, `INSERT ... ON CONFLICT (caller) DO UPDATE ... RETURNING`: the
 * bucket is refilled for the time since its last request, capped at the burst, and one request
 * is taken when at least one is left. Concurrent requests for a caller are serialised on its row
 * (PostgreSQL locks it for the upsert; SQLite has one writer), so however many replicas ask, the
 * bucket is never taken twice. Times are the requesting replica's clock in milliseconds; a bucket
 * never moves back in time, so a replica whose clock lags refills nothing until it catches up.
 */
export class RateLimitStore {
  constructor(private readonly db: Knex) {}

  async take(
    caller: string,
    limit: IntakeRateLimit,
    nowMs: number,
  ): Promise<SharedBucket> {
    const db = this.db;
    const tokens = db.ref(`${TABLE}.tokens`);
    const updatedAt = db.ref(`${TABLE}.updated_at`);
    const ratePerMs = limit.requestsPerSecond / 1000;
    // Every SET expression reads the row as it was before the statement.
    const elapsed = db.raw('CASE WHEN ? > ? THEN ? - ? ELSE 0 END', [
      nowMs,
      updatedAt,
      nowMs,
      updatedAt,
    ]);
    const grown = db.raw('? + (?) * ?', [tokens, elapsed, ratePerMs]);
    const refilled = db.raw('CASE WHEN (?) > ? THEN ? ELSE (?) END', [
      grown,
      limit.burst,
      limit.burst,
      grown,
    ]);
    const [row] = await db(TABLE)
      .insert({
        caller,
        tokens: limit.burst - 1,
        updated_at: nowMs,
        allowed: 1,
      })
      .onConflict('caller')
      .merge({
        tokens: db.raw('CASE WHEN (?) >= 1 THEN (?) - 1 ELSE (?) END', [
          refilled,
          refilled,
          refilled,
        ]),
        allowed: db.raw('CASE WHEN (?) >= 1 THEN 1 ELSE 0 END', [refilled]),
        updated_at: db.raw('CASE WHEN ? > ? THEN ? ELSE ? END', [
          nowMs,
          updatedAt,
          nowMs,
          updatedAt,
        ]),
      })
      .returning(['tokens', 'allowed']);
    return { allowed: Number(row.allowed) === 1, tokens: Number(row.tokens) };
  }

  /**
   * Forgets up to `limit` buckets whose last request was before `beforeMs`; returns how many. A
   * bucket idle for longer than it takes to refill is full, and a full bucket is what a caller
   * without one gets, so only pass a time at least that long ago.
   */
  async deleteIdleBefore(beforeMs: number, limit: number): Promise<number> {
    const callers = await this.db(TABLE)
      .where('updated_at', '<', beforeMs)
      .orderBy('updated_at')
      .limit(limit)
      .pluck('caller');
    if (callers.length === 0) {
      return 0;
    }
    return this.db(TABLE)
      .whereIn('caller', callers)
      .where('updated_at', '<', beforeMs)
      .delete();
  }
}
