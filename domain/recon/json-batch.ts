/**
 * Batched reading of an array whose elements are all handed over whole (a portal section's
 * supplier entries), for the scanner in json-stream.ts. Kept apart from the scanner because it is
 * a guess checked by JSON.parse rather than a step of the exact walk: finding where an element ends
 * costs a JavaScript look at the element's structure, as much as JSON.parse's own work on it, so
 * instead the scanner guesses where a later element of the chunk begins (the first key of the
 * element before, e.g. `"ctin"`, after `}`, `,` and `{`) and lets one JSON.parse of the elements up
 * to there, wrapped in `[…]`, check the guess. From an element's start, the text up to a `}` parses
 * as `[…]` only if that `}` closes an element of this array: cut inside a string or a nested value,
 * or past the array's end, it is not JSON. When the guess fails (the array ended there, or the text
 * is not JSON) that array goes back to the exact walk, which reports any error as before.
 */

/** JSON's white space. */
export function isWs(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/** Characters of text a batch of elements may span (one JSON.parse): bounds a guess that is wrong. */
const BATCH_MAX = 1 << 20;

/** The first key of an object's text as written (with its quotes), or '' when it has none or it has escapes. */
export function leadKey(text: string): string {
  if (text.charCodeAt(0) !== 123) return '';
  let k = 1;
  while (k < text.length && isWs(text.charCodeAt(k))) k += 1;
  if (text.charCodeAt(k) !== 34) return '';
  const end = text.indexOf('"', k + 1);
  if (end < 0 || text.lastIndexOf('\\', end) > k) return '';
  return text.slice(k, end + 1);
}

/**
 * When `text` has `}`, `,`, `{` (white space around them allowed) right before `at`, the position
 * just after that `}`: where an element would end if an element's first key begins at `at`. Else -1.
 * Looks no further back than `from`.
 */
function elementEndBefore(text: string, from: number, at: number): number {
  let k = at - 1;
  while (k > from && isWs(text.charCodeAt(k))) k -= 1;
  if (k <= from || text.charCodeAt(k) !== 123) return -1;
  k -= 1;
  while (k > from && isWs(text.charCodeAt(k))) k -= 1;
  if (k <= from || text.charCodeAt(k) !== 44) return -1;
  k -= 1;
  while (k > from && isWs(text.charCodeAt(k))) k -= 1;
  return k > from && text.charCodeAt(k) === 125 ? k + 1 : -1;
}

/**
 * A batch tried at an element's `{`: the elements read and where they end (after the last one's
 * `}`); or none, with the position before which no batch is worth trying again in this chunk (no
 * later element was seen to begin before it); or a failed guess (read the rest of the array exactly).
 */
export type Batch =
  | { kind: 'read'; values: unknown[]; end: number }
  | { kind: 'none'; retryFrom: number }
  | { kind: 'failed' };

/**
 * Elements of an array from `i` (the `{` of one) in `chunk`, parsed with one JSON.parse, up to the
 * last element that a later one of the chunk is seen to follow; `lead` is the first key of the
 * array's last element read exactly (`leadKey`).
 */
export function batchAt(chunk: string, i: number, lead: string): Batch {
  const limit = Math.min(chunk.length, i + BATCH_MAX);
  let end = -1;
  let at = chunk.lastIndexOf(lead, limit - lead.length);
  for (let tries = 0; at > i && tries < 8; tries += 1) {
    end = elementEndBefore(chunk, i, at);
    if (end > 0) break;
    at = chunk.lastIndexOf(lead, at - 1);
  }
  // No later element begins before `limit`: read exactly up to there.
  if (end <= i) return { kind: 'none', retryFrom: limit };
  try {
    return { kind: 'read', values: JSON.parse(`[${chunk.slice(i, end)}]`) as unknown[], end };
  } catch {
    return { kind: 'failed' };
  }
}
