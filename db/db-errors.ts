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

/** PostgreSQL's SQLSTATE of an error, however knex or Objection wrapped it. */
function sqlState(error: unknown): string | undefined {
  const e = error as { code?: unknown; nativeError?: { code?: unknown } } | null;
  const code = e?.nativeError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The database gave up on this request on purpose: no free connection in time (knex's acquire
 * timeout), a lock not granted within lock_timeout (55P03), a statement cancelled by
 * statement_timeout (57014), or a transaction ended by idle_in_transaction_session_timeout (25P03).
 * Each means "busy, try again", never a bug in the request.
 */
export function isDatabaseBusyError(error: unknown): boolean {
  const e = error as { name?: string; message?: string } | null;
  if (e?.name === 'KnexTimeoutError') return true;
  const state = sqlState(error);
  if (state === '55P03' || state === '57014' || state === '25P03') return true;
  // A connection the server ended for idling in a transaction reports it only in its message.
  return /idle-in-transaction timeout/i.test(e?.message ?? '');
}
