import { InputError } from '@backstage/errors';
import { NextFunction, Request, Response } from 'express';

/** No Pulse request body nests deeper than this; deeper JSON is refused before validation. */
export const MAX_BODY_DEPTH = 32;

const LONE_SURROGATE =
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function problemOf(value: string): string | undefined {
  if (value.includes('\u0000')) {
    return 'contains a NUL character';
  }
  if (LONE_SURROGATE.test(value)) {
    return 'contains an unpaired UTF-16 surrogate (not valid Unicode text)';
  }
  return undefined;
}

/**
 * The first string in `value` (keys included) that no database can store faithfully, with where
 * it is; walked without recursion so that deep input cannot overflow the stack.
 */
export function findIllFormedText(
  value: unknown,
  root: string,
  maxDepth = Number.POSITIVE_INFINITY,
): string | undefined {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [
    { value, path: root, depth: 0 },
  ];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item.value === 'string') {
      const problem = problemOf(item.value);
      if (problem) {
        return `${item.path} ${problem}`;
      }
      continue;
    }
    if (item.value === null || typeof item.value !== 'object') {
      continue;
    }
    if (item.depth >= maxDepth) {
      return `${root} is nested more than ${maxDepth} levels deep`;
    }
    for (const [key, child] of Object.entries(item.value)) {
      const problem = problemOf(key);
      if (problem) {
        return `a key in ${item.path} ${problem}`;
      }
      stack.push({
        value: child,
        path: Array.isArray(item.value)
          ? `${item.path}[${key}]`
          : `${item.path}.${key}`,
        depth: item.depth + 1,
      });
    }
  }
  return undefined;
}

/**
 * Refuses, with a 400 naming the place, path parameters, query values and JSON bodies holding
 * text that PostgreSQL cannot store (NUL) or that is not Unicode (lone surrogates), and bodies
 * nested deeper than any Pulse request needs. Runs before validation, for every `/v1` route but
 * alert intake, which normalises such text in alerts instead of refusing them.
 */
export function requestHygiene(
  req: Request,
  _res: Response,
  next: NextFunction,
) {
  let decodedPath: string;
  try {
    decodedPath = decodeURIComponent(req.path);
  } catch {
    next(new InputError('The request path is not valid percent-encoded text'));
    return;
  }
  const problem =
    findIllFormedText(decodedPath, 'the request path') ??
    findIllFormedText(req.query, 'query') ??
    findIllFormedText(req.body, 'body', MAX_BODY_DEPTH);
  next(problem ? new InputError(`Invalid request: ${problem}`) : undefined);
}
