import { InputError } from '@backstage/errors';
import { KeysetPosition } from './GithubStore';

/**
 * Page cursors are opaque to clients: the position of the last item of a page, bound to the
 * list and filters it was produced for so that it cannot be replayed against another list.
 */
export function encodeCursor(scope: string, position: KeysetPosition): string {
  return Buffer.from(
    JSON.stringify({ s: scope, a: position.at, i: position.id }),
    'utf8',
  ).toString('base64url');
}

/** Reads a cursor made by {@link encodeCursor} for the same scope; a 400 otherwise. */
export function decodeCursor(scope: string, cursor: string): KeysetPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const value = parsed as { s?: unknown; a?: unknown; i?: unknown } | undefined;
  if (
    !value ||
    value.s !== scope ||
    typeof value.a !== 'number' ||
    !Number.isFinite(value.a) ||
    typeof value.i !== 'number' ||
    !Number.isInteger(value.i)
  ) {
    throw new InputError(
      "Invalid query parameter 'cursor': pass back the nextCursor of the previous page with the same filters",
    );
  }
  return { at: value.a, id: value.i };
}
