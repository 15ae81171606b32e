import { Knex } from 'knex';

/** A knex connection or a transaction: what a store method runs its statements on. */
export type Db = Knex | Knex.Transaction;

/** A timestamp as the drivers return it: a Date (PostgreSQL), or a number or string (SQLite). */
export type DbDate = Date | string | number;

/** A timestamp column's value as a Date. */
export function toDate(value: DbDate): Date;
export function toDate(value: DbDate | null): Date | null;
export function toDate(value: DbDate | null): Date | null {
  if (value === null || value === undefined) {
    return null;
  }
  return value instanceof Date ? value : new Date(value);
}

/** `items` in slices of at most `size`, for multi-row statements and `IN (...)` lists. */
export function chunks<T>(items: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    result.push(items.slice(i, i + size));
  }
  return result;
}
