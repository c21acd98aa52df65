/**
 * Recognising errors the database raises on purpose. knex prefixes a failed query's message with
 * its SQL ("<sql> - <message>") and Objection wraps it again (keeping the original as nativeError),
 * so both the raw and the wrapped forms are checked.
 */

/** The close lock (migration 005) refused a write to a closed period: `period_closed: …`. */
export function isPeriodClosedError(error: unknown): boolean {
  const e = error as { message?: string; nativeError?: { message?: string } } | null;
  return [e?.nativeError?.message, e?.message].some((message) => /(?:^| - )period_closed\b/.test(message ?? ''));
}
