/**
 * PostgreSQL's errors quote the data they refused: `detail` ("Key (gstin)=(…) already exists",
 * "Failing row contains (…)"), `where` (a COPY's line: `COPY …, line 3, column row: "{…}"`), and
 * often the message itself (`invalid input syntax for type integer: "…"`), which knex also
 * prefixes with its statement (without its bindings: with pg they travel as $n parameters, so only a
 * raw statement with values written into its text carries them). Logged (pino's error serializer
 * writes every property of an error, and its causes' messages and stacks) or thrown out of an
 * activity (its message, stack and cause chain go into the workflow's history, which no codec
 * seals), such an error would carry a row's text: a GSTIN, an amount, a secret. So every error passes here before it is logged (ops/logger.ts) or becomes an activity's
 * failure (ops/worker.ts). What is kept is what says which rule refused: the SQLSTATE, and the
 * constraint, table, column and type names (the schema's words, never the data's). PostgreSQL
 * itself leaves the row out of `detail` for a table under row-level security, but not a COPY's line
 * of the staging table, nor a value in the message.
 */

import { types } from 'node:util';

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
 * The names our own triggers give their refusals (db/migrations: `RAISE EXCEPTION 'period_closed: …'`;
 * the audit table's `audit_events is append-only (…)`). A refusal's name is kept, the rest of its
 * text (its values) is not. Named here, not matched by shape: knex puts its statement before the
 * message (`<sql> - <message>`), and a raw statement may hold anything.
 */
export const OWN_REFUSAL_REASONS = [
  'period_closed',
  'invalid_period_transition',
  'retention_below_minimum',
  'retention_marker_left',
  'codec_operator_access',
  'record_signin_event',
  'trigger_misplaced',
  'audit_events is append-only',
] as const;

// The names hold letters, underscores, spaces and a hyphen: nothing a regular expression reads specially.
const OWN_REASON = new RegExp(`(?:^| - )(${OWN_REFUSAL_REASONS.join('|')})(?::| \\(|$)`);

/**
 * SQLSTATEs whose own text names only the schema or the situation, never a value: permission
 * denied / row-level security (42501), no such relation (42P01) or column (42703: an identifier as
 * the statement wrote it), serialization failure (40001), deadlock (40P01; its processes and queries
 * are in `detail`, dropped), lock not available (55P03), statement cancelled (57014). Their message
 * is kept for the operator, without knex's statement before it, unless a PL/pgSQL RAISE produced it
 * (our own triggers raise 42501 with values in their text).
 */
const PLAIN_MESSAGE_CODES = new Set(['42501', '42P01', '42703', '40001', '40P01', '55P03', '57014']);

/** PostgreSQL's own message, without knex's `<sql> - ` before it, when its code's text quotes no value. */
function plainMessage(source: PgErrorLike): string | undefined {
  if (!PLAIN_MESSAGE_CODES.has(source.code) || source.routine === 'exec_stmt_raise') return undefined;
  const message = messageOf(source);
  const at = message.lastIndexOf(' - ');
  return at === -1 ? message : message.slice(at + 3);
}

/**
 * An error's message, or '' when it has none that is text: the shape check asks only for a code and
 * a severity (`{ code, severity }` as a cause, a `message: 42`), and this runs in the logger and the
 * worker's interceptor, where a TypeError would stand in for the real failure.
 */
function messageOf(source: { message?: unknown }): string {
  return typeof source.message === 'string' ? source.message : '';
}

/**
 * A line of a stack that is a frame: `    at f (file:1:2)`, `    at file:1:2`, `    at f (native)`,
 * `    at Array.map (<anonymous>)`, `    at async Promise.all (index 0)`. Not a line of a message that
 * merely begins with "at" (a statement's `  at time zone …`).
 */
const FRAME = /^ {4}at (?:.* \((?:[^()]*:\d+:\d+|native|<anonymous>|index \d+)\)|[^\s()]+:\d+:\d+|<anonymous>)$/;

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
    const reason = OWN_REASON.exec(messageOf(source))?.[1];
    const plain = plainMessage(source);
    super(`database error ${source.code}${kind ? ` (${kind})` : ''}${source.constraint ? ` on constraint "${source.constraint}"` : ''}${source.table ? ` of table "${source.table}"` : ''}${reason ? ` - ${reason}` : ''}${plain ? `: ${plain}` : ''}`);
    this.name = 'ScrubbedDatabaseError';
    this.sqlState = source.code;
    if (reason) this.reason = reason;
    const fields = this as unknown as Record<string, unknown>;
    for (const field of SAFE_FIELDS) if (typeof source[field] === 'string') fields[field] = source[field];
    if (wrapper) this.wrapper = wrapper;
    // The original's frames (where it was thrown), under this message: its own first lines held its message.
    const frames = (typeof stack === 'string' ? stack : '').split('\n').filter((line) => FRAME.test(line));
    this.stack = [`${this.name}: ${this.message}`, ...frames].join('\n');
  }
}

/** How deep under an error (its cause's cause…) a database error is still looked for. */
const MAX_DEPTH = 8;

/** A database error itself (bare, with knex's message, or as Objection's `nativeError`), scrubbed; else undefined. */
function scrubOne(value: unknown): ScrubbedDatabaseError | undefined {
  if (value instanceof ScrubbedDatabaseError) return undefined;
  if (isPgError(value)) return new ScrubbedDatabaseError(value, value.stack);
  const wrapped = value as { nativeError?: unknown; name?: unknown; stack?: unknown } | null;
  if (typeof wrapped === 'object' && wrapped !== null && isPgError(wrapped.nativeError)) {
    return new ScrubbedDatabaseError(wrapped.nativeError, typeof wrapped.stack === 'string' ? wrapped.stack : undefined, typeof wrapped.name === 'string' ? wrapped.name : undefined);
  }
  return undefined;
}

/** An error of any realm (jest runs tests in their own; node-postgres's errors come from Node's). */
function isError(value: unknown): value is Error {
  return value instanceof Error || types.isNativeError(value);
}

/** The values under an error that may be errors: each own property's (`cause`, `nativeError`…) and an `errors` array's items. */
function childrenOf(error: Error): unknown[] {
  const values: unknown[] = [];
  for (const key of Reflect.ownKeys(error)) {
    const descriptor = Object.getOwnPropertyDescriptor(error, key);
    if (!descriptor || !('value' in descriptor)) continue;
    if (Array.isArray(descriptor.value)) values.push(...(descriptor.value as unknown[]));
    else values.push(descriptor.value);
  }
  return values;
}

/** Whether a database error sits under this error within MAX_DEPTH (a cycle is cut where it closes on its own path). */
function holdsDatabaseError(value: unknown, depth: number, path: Set<unknown>): boolean {
  if (scrubOne(value)) return true;
  if (!isError(value) || depth >= MAX_DEPTH || path.has(value)) return false;
  path.add(value);
  const found = childrenOf(value).some((child) => holdsDatabaseError(child, depth + 1, path));
  path.delete(value);
  return found;
}

/**
 * A text a wrapper may have copied from a database error into its own (`new Error(`could not save:
 * ${error.message}`)`, knex's statement and message, its detail), with what stands in its place: the
 * scrubbed error's message.
 */
type Quoted = { text: string; scrubbed: string };

/** Texts shorter than this are not looked for in a wrapper's (a short word would be replaced wherever it appears). */
const MIN_QUOTED = 8;

/** Every database error's quotable texts under `value` (the error itself included), longest first. */
function quotedTexts(value: unknown): Quoted[] {
  const found: Quoted[] = [];
  const walk = (v: unknown, depth: number, path: Set<unknown>): void => {
    if (isPgError(v)) {
      const scrubbed = new ScrubbedDatabaseError(v, undefined).message;
      const message = messageOf(v);
      const own = v as unknown as Record<string, unknown>;
      // Knex writes `<sql> - <server's message>`, and a value may hold ' - ' itself: every text after
      // each ' - ' may be what a wrapper quoted (the longest is matched first). None without one.
      const suffixes: string[] = [];
      for (let at = message.indexOf(' - '); at !== -1; at = message.indexOf(' - ', at + 1)) suffixes.push(message.slice(at + 3));
      for (const text of [message, ...suffixes, own.detail, own.where, own.hint]) {
        // A text the scrubbed message keeps (a plain message: `relation "nope" does not exist`) is no leak.
        if (typeof text === 'string' && text.length >= MIN_QUOTED && !scrubbed.includes(text)) found.push({ text, scrubbed });
      }
    }
    if (!isError(v) || depth >= MAX_DEPTH || path.has(v)) return;
    path.add(v);
    for (const child of childrenOf(v)) walk(child, depth + 1, path);
    path.delete(v);
  };
  walk(value, 0, new Set());
  return found.sort((a, b) => b.text.length - a.text.length);
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `text` with every quoted database text in it replaced by its scrubbed error's message, in one pass
 * (longest first): a replacement is never scanned again, so a scrubbed message that holds a shorter
 * quoted text is not replaced inside.
 */
function withoutQuoted(text: string, quoted: readonly Quoted[]): string {
  const present = quoted.filter((q) => text.includes(q.text));
  if (present.length === 0) return text;
  const scrubbedOf = new Map<string, string>();
  for (const q of present) if (!scrubbedOf.has(q.text)) scrubbedOf.set(q.text, q.scrubbed);
  const pattern = new RegExp([...scrubbedOf.keys()].map(escapeRegExp).join('|'), 'g');
  return text.replace(pattern, (match) => scrubbedOf.get(match)!);
}

/** Whether an error's own texts (message, stack, any other) hold a quoted database text. */
function quotes(error: Error, quoted: readonly Quoted[]): boolean {
  if (quoted.length === 0) return false;
  return Reflect.ownKeys(error).some((key) => {
    const value = Object.getOwnPropertyDescriptor(error, key)?.value as unknown;
    return typeof value === 'string' && quoted.some((q) => value.includes(q.text));
  });
}

/**
 * A copy of an error (same prototype, same own properties) whose database errors are scrubbed, at any
 * depth up to MAX_DEPTH, and whose own texts no longer quote them; parts without either are the
 * originals. `copies` closes cycles onto the copy.
 */
function copyScrubbed(error: Error, depth: number, copies: Map<unknown, Error>, quoted: readonly Quoted[]): Error {
  const copy = Object.create(Object.getPrototypeOf(error) as object | null) as Error;
  copies.set(error, copy);
  const replace = (value: unknown): unknown => {
    const scrubbed = scrubOne(value);
    if (scrubbed) return scrubbed;
    if (copies.has(value)) return copies.get(value);
    if (typeof value === 'string') return withoutQuoted(value, quoted);
    return isError(value) && (holdsDatabaseError(value, depth + 1, new Set()) || quotes(value, quoted)) ? copyScrubbed(value, depth + 1, copies, quoted) : value;
  };
  for (const key of Reflect.ownKeys(error)) {
    const descriptor = Object.getOwnPropertyDescriptor(error, key)!;
    if ('value' in descriptor) {
      const value: unknown = descriptor.value;
      if (Array.isArray(value)) {
        const items = value.map(replace);
        if (items.some((item, i) => item !== value[i])) descriptor.value = items;
      } else descriptor.value = replace(value);
    }
    Object.defineProperty(copy, key, descriptor);
  }
  return copy;
}

/**
 * The error to log or report: a PostgreSQL error (bare as node-postgres throws it, with knex's
 * message, or wrapped by Objection as its `nativeError`) becomes a `ScrubbedDatabaseError`. An error
 * that holds one (as its `cause`, among an AggregateError's `errors`, in another property; pino
 * writes causes' messages and stacks, Temporal sends the cause chain into the history) is copied
 * with it scrubbed, and with its own message and stack no longer quoting it (a wrapper that wrote
 * the database error's message into its own). A wrapper that quotes a database error it does not
 * hold cannot be recognised: code that wraps one keeps it as the `cause`. Any other value is
 * returned as it is.
 */
export function scrubDatabaseError<T>(error: T): T | ScrubbedDatabaseError {
  const scrubbed = scrubOne(error);
  if (scrubbed) return scrubbed;
  if (!isError(error) || !holdsDatabaseError(error, 0, new Set())) return error;
  return copyScrubbed(error, 0, new Map(), quotedTexts(error)) as T;
}
