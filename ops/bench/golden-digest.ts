/**
 * The digest the golden-output tests pin a reader's result with: SHA-256 of its JSON with object
 * keys sorted, so a digest changes only when a value does, never with the order fields were set in.
 * One source for the register and the portal readers' golden digests.
 */
import { createHash } from 'node:crypto';

function sortedJson(v: unknown): string {
  return JSON.stringify(v, (_k, value: unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return value;
  });
}

export const goldenDigest = (v: unknown): string => createHash('sha256').update(sortedJson(v)).digest('hex');
