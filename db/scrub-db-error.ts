/**
 * PostgreSQL's errors quote the data they refused: `detail` ("Key (gstin)=(…) already exists",
 * "Failing row contains (…)"), `where` (a COPY's line: `COPY …, line 3, column row: "{…}"`), and
 * often the message itself (`invalid input syntax for type integer: "…"`), which knex also
 * prefixes with the statement and its bindings. Logged (pino's error serializer writes every
 * property of an error) or thrown out of an activity (its message and stack go into the workflow's
 * history, which no codec seals), such an error would carry a row's text: a GSTIN, an amount, a
 * secret. So every error passes here before it is logged (ops/logger.ts) or becomes an activity's
 * failure (ops/worker.ts). What is kept is what says which rule refused: the SQLSTATE, and the
 * constraint, table, column and type names (the schema's words, never the data's). PostgreSQL
 * itself leaves the row out of `detail` for a table under row-level security, but not a COPY's line
 * of the staging table, nor a value in the message.
 */

/** The fields of a PostgreSQL error that name the schema, not the data. */
const SAFE_FIELDS = ['code', 'severity', 'constraint', 'schema', 'table', 'column', 'dataType', 'routine'] as const;

type SafeField = (typeof SAFE_FIELDS)[number];

/** SQLSTATE classes (the code's first two characters), for a message that says what kind of refusal it was. */
const CLASSES: Record<string, string> = {
  '08': 'connection exception',
  '0A': 'feature not supported',
  '21': 'cardinality violation',
  '22': 'data exception',
  '23': 'integrity constraint violation',
  '25': 'invalid transaction state',
  '28': 'invalid authorization',
  '40': 'transaction rollback',
  '42': 'syntax error or access rule violation',
  '53': 'insufficient resources',
  '54': 'program limit exceeded',
  '55': 'object not in prerequisite state',
  '57': 'operator intervention',
  '58': 'system error',
  P0: 'raised by a function or trigger',
  XX: 'internal error',
};

/**
 * Our own triggers' refusals begin with their reason's name (`period_closed: period … is closed`,
 * migration 005): that name is kept, the rest of the text (its values) is not. Named here, not
 * matched by shape: knex puts its statement, values and all, before the message (`<sql> - <message>`).
 */
const OWN_REASON = /(?:^| - )(period_closed|invalid_period_transition):/;

type PgErrorLike = Error & Partial<Record<SafeField, string>> & { code: string; severity: string };

/** node-postgres's DatabaseError, recognised by its shape (under jest its class need not be this realm's). */
function isPgError(value: unknown): value is PgErrorLike {
  const e = value as { code?: unknown; severity?: unknown } | null;
  return typeof e === 'object' && e !== null && typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && typeof e.severity === 'string';
}

/** A PostgreSQL error with everything that may quote data left out. */
export class ScrubbedDatabaseError extends Error {
  readonly code!: string;
  /** The SQLSTATE again: the logger redacts any key named `code` (a sign-in code's name). */
  readonly sqlState: string;
  readonly severity?: string;
  readonly constraint?: string;
  readonly schema?: string;
  readonly table?: string;
  readonly column?: string;
  readonly dataType?: string;
  readonly routine?: string;
  /** The class Objection wrapped it in (UniqueViolationError…), when it did. */
  readonly wrapper?: string;
  /** The name our own trigger gave its refusal (`period_closed`), when it was one. */
  readonly reason?: string;

  constructor(source: PgErrorLike, stack: string | undefined, wrapper?: string) {
    const kind = CLASSES[source.code.slice(0, 2)];
    const reason = OWN_REASON.exec(source.message)?.[1];
    super(`database error ${source.code}${kind ? ` (${kind})` : ''}${source.constraint ? ` on constraint "${source.constraint}"` : ''}${source.table ? ` of table "${source.table}"` : ''}${reason ? ` - ${reason}` : ''}`);
    this.name = 'ScrubbedDatabaseError';
    this.sqlState = source.code;
    if (reason) this.reason = reason;
    const fields = this as unknown as Record<string, unknown>;
    for (const field of SAFE_FIELDS) if (typeof source[field] === 'string') fields[field] = source[field];
    if (wrapper) this.wrapper = wrapper;
    // The original's frames (where it was thrown), under this message: its own first lines held its message.
    const frames = (stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
    this.stack = [`${this.name}: ${this.message}`, ...frames].join('\n');
  }
}

/**
 * The error to log or report: a PostgreSQL error (bare as node-postgres throws it, with knex's
 * message, or wrapped by Objection as its `nativeError`) becomes a `ScrubbedDatabaseError`; any
 * other value is returned as it is.
 */
export function scrubDatabaseError<T>(error: T): T | ScrubbedDatabaseError {
  if (error instanceof ScrubbedDatabaseError) return error;
  if (isPgError(error)) return new ScrubbedDatabaseError(error, error.stack);
  const wrapped = error as { nativeError?: unknown; name?: unknown; stack?: unknown } | null;
  if (typeof wrapped === 'object' && wrapped !== null && isPgError(wrapped.nativeError)) {
    return new ScrubbedDatabaseError(wrapped.nativeError, typeof wrapped.stack === 'string' ? wrapped.stack : undefined, typeof wrapped.name === 'string' ? wrapped.name : undefined);
  }
  return error;
}
