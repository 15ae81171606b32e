/**
 * What a delivery's JSON may hold once it is stored (pure; no I/O).
 *
 * - **Depth.** Objects and arrays nested more than {@link MAX_PAYLOAD_DEPTH} levels deep (the
 *   body itself is level 1) are replaced by the string {@link DEPTH_MARKER}. Alerts keep what
 *   matters to people in the first few levels; a sender's free-form field nested thousands of
 *   levels deep would otherwise make the stored payload impossible to serialise, and the alert
 *   would be refused on every retry.
 * - **Strings** (values and keys) are made storable: a lone UTF-16 surrogate (`"\ud800"` is
 *   legal JSON, but is no character) becomes U+FFFD, the replacement character, which is what
 *   both databases' drivers would silently write instead; NUL characters are removed, since
 *   PostgreSQL text cannot hold them. Doing it here, before anything reads the body, makes the
 *   dedup key matched, the title shown and the raw payload kept the same string.
 */

/** Objects and arrays deeper than this are not kept. */
export const MAX_PAYLOAD_DEPTH = 32;

/** What replaces an object or array nested deeper than {@link MAX_PAYLOAD_DEPTH}. */
export const DEPTH_MARKER = `[nested deeper than ${MAX_PAYLOAD_DEPTH} levels: not kept]`;

type WellFormedString = string & {
  isWellFormed(): boolean;
  toWellFormed(): string;
};

/** The string with lone surrogates replaced by U+FFFD and NUL characters removed. */
export function storableText(value: string): string {
  const wellFormed = (value as WellFormedString).isWellFormed()
    ? value
    : (value as WellFormedString).toWellFormed();
  return wellFormed.includes('\u0000')
    ? wellFormed.replaceAll('\u0000', '')
    : wellFormed;
}

/**
 * A copy of a parsed JSON value that can be stored: strings made storable and subtrees deeper
 * than `maxDepth` replaced by {@link DEPTH_MARKER}. Recursion never goes deeper than `maxDepth`,
 * however deep the input.
 */
export function storablePayload(
  value: unknown,
  maxDepth: number = MAX_PAYLOAD_DEPTH,
): unknown {
  return copy(value, 1, maxDepth);
}

function copy(value: unknown, depth: number, maxDepth: number): unknown {
  if (typeof value === 'string') {
    return storableText(value);
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  if (depth > maxDepth) {
    return DEPTH_MARKER;
  }
  if (Array.isArray(value)) {
    return value.map(item => copy(item, depth + 1, maxDepth));
  }
  // fromEntries defines own properties, so a `__proto__` key stays a plain key.
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      storableText(key),
      copy(item, depth + 1, maxDepth),
    ]),
  );
}
