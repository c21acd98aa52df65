/**
 * Cursor paging (docs/api.md, "Conventions"): `?limit=` (default 50, max 500) and an opaque `?cursor=`. The cursor
 * encodes the last row's sort key, so pages stay stable while rows are added.
 */
import { z } from 'zod';
import { invalidRules } from './errors';

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(500).optional(),
};

export function encodeCursor(values: Array<string | number>): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/**
 * 400 for a cursor no page of this list gave (made up, cut short, or from another list): the message
 * says so and how to go on, as the field's rule cannot.
 */
export const badCursor = () =>
  invalidRules(
    { cursor: 'not a cursor this list issued' },
    'cursor is not one this list gave: pass the nextCursor of the previous page unchanged, or leave cursor out to start at the first page.',
  );

export function decodeCursor(cursor: string | undefined, length: number): Array<string | number> | null {
  if (!cursor) return null;
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(values) && values.length === length && values.every((v) => typeof v === 'string' || typeof v === 'number')) return values;
  } catch {
    // fall through
  }
  throw badCursor();
}

export function page<T>(rows: T[], limit: number, keyOf: (row: T) => Array<string | number>) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null };
}
