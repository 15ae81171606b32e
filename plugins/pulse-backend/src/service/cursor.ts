import { InputError } from '@backstage/errors';

/** Where a keyset-paginated list stopped: the sort instant (epoch ms) and id of the last item. */
export interface KeysetPosition<Id extends number | string = number> {
  at: number;
  id: Id;
}

/** The range of instants a JavaScript Date (and both databases) can hold. */
const MAX_INSTANT_MS = 8.64e15;
const STRING_ID = /^[A-Za-z0-9._:-]{1,64}$/;

function validId(id: unknown): id is number | string {
  if (typeof id === 'number') {
    return Number.isSafeInteger(id) && id >= 0;
  }
  return typeof id === 'string' && STRING_ID.test(id);
}

/**
 * Page cursors are opaque to clients: the position of the last item of a page, bound to the list
 * and filters it was produced for (`scope`) so that it cannot be replayed against another list.
 * Every Pulse list uses this one format.
 */
export function encodeCursor(
  scope: string,
  position: KeysetPosition<number | string>,
): string {
  return Buffer.from(
    JSON.stringify({ s: scope, a: position.at, i: position.id }),
    'utf8',
  ).toString('base64url');
}

/**
 * Reads a cursor made by {@link encodeCursor} for the same scope; a 400 for anything else,
 * including positions no list can have produced (an instant outside a Date's range, an id that is
 * not a safe integer or a short token), so that nothing odd reaches the database.
 */
export function decodeCursor<Id extends number | string>(
  scope: string,
  cursor: string,
  idType: Id extends number ? 'number' : 'string',
): KeysetPosition<Id> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const value = parsed as { s?: unknown; a?: unknown; i?: unknown } | undefined;
  if (
    !value ||
    typeof value !== 'object' ||
    value.s !== scope ||
    typeof value.a !== 'number' ||
    !Number.isSafeInteger(value.a) ||
    Math.abs(value.a) > MAX_INSTANT_MS ||
    typeof value.i !== idType ||
    !validId(value.i)
  ) {
    throw new InputError(
      "Invalid query parameter 'cursor': pass back the nextCursor of the previous page with the same filters",
    );
  }
  return { at: value.a, id: value.i as Id };
}
