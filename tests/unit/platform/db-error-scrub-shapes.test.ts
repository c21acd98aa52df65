/**
 * The shapes a database error travels in, built around node-postgres's own DatabaseError class (no
 * database here: the real failing statements are in tests/integration/platform/db-error-scrub.test.ts):
 * under another error's `cause`, among an AggregateError's `errors`, in another property; and the
 * refusals' names, the messages kept for their code, the stack's frames.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseError } from 'pg';
import pino from 'pino';
import { OWN_REFUSAL_REASONS, ScrubbedDatabaseError, scrubDatabaseError } from '../../../db/scrub-db-error';
import { captureLogger } from '../../harness/logs';

const GSTIN = '27AAPFU0939F1ZV';

/** A PostgreSQL error as node-postgres builds it from the server's fields. */
function pgError(code: string, message: string, fields: Partial<DatabaseError> = {}): DatabaseError {
  const error = new DatabaseError(message, message.length, 'error');
  Object.assign(error, { severity: 'ERROR', code, ...fields });
  return error;
}

const duplicate = () => pgError('23505', `duplicate key value violates unique constraint "clients_gstin_key"`, { detail: `Key (gstin)=(${GSTIN}) already exists.`, constraint: 'clients_gstin_key', table: 'clients' });

/** A value PostgreSQL quotes in its message (and so in the stack node-postgres gives the error). */
const quoting = () => pgError('22P02', `invalid input syntax for type uuid: "${GSTIN}"`);

/** Everything pino would write for the error: its serializer walks causes, aggregated errors and properties. */
function logged(error: unknown): string {
  const logs = captureLogger('debug');
  logs.logger.error({ err: error }, 'failed');
  return logs.text();
}

describe('database errors under other errors', () => {
  it('as the cause of an error: the copy keeps the outer message and scrubs the cause; the original is untouched', () => {
    const inner = quoting();
    const outer = new Error('could not save the client', { cause: inner });
    // pino's own serializer does write a cause's text (else this test proves nothing).
    expect(JSON.stringify(pino.stdSerializers.err(outer))).toContain(GSTIN);

    const scrubbed = scrubDatabaseError(outer) as Error & { cause: unknown };
    expect(scrubbed).not.toBe(outer);
    expect(outer.cause).toBe(inner);
    expect({ message: scrubbed.message, isError: scrubbed instanceof Error, causeIsScrubbed: scrubbed.cause instanceof ScrubbedDatabaseError }).toEqual({ message: 'could not save the client', isError: true, causeIsScrubbed: true });
    expect(scrubbed.cause).toMatchObject({ sqlState: '22P02' });
    const text = logged(outer);
    expect({ gstin: text.includes(GSTIN), sqlState: text.includes('database error 22P02') }).toEqual({ gstin: false, sqlState: true });
  });

  it('among an AggregateError\'s errors', () => {
    const other = new Error('unrelated');
    const aggregate = new AggregateError([other, duplicate()], 'two writes failed');
    expect(JSON.stringify(pino.stdSerializers.err(aggregate))).toContain(GSTIN);

    const scrubbed = scrubDatabaseError(aggregate) as AggregateError;
    expect(scrubbed).toBeInstanceOf(AggregateError);
    expect(scrubbed.errors[0]).toBe(other);
    expect(scrubbed.errors[1]).toBeInstanceOf(ScrubbedDatabaseError);
    expect(aggregate.errors[1]).toBeInstanceOf(DatabaseError);
    expect(logged(aggregate).includes(GSTIN)).toBe(false);
  });

  it('in another property of an error, two levels down, and in a cycle', () => {
    const middle = Object.assign(new Error('middle'), { query: duplicate() });
    const outer = Object.assign(new Error('outer'), { failure: middle });
    expect(JSON.stringify(pino.stdSerializers.err(outer))).toContain(GSTIN);
    (middle as Error & { back?: unknown }).back = outer;
    const scrubbed = scrubDatabaseError(outer) as Error & { failure: Error & { query: unknown; back: unknown } };
    expect(scrubbed.failure.query).toBeInstanceOf(ScrubbedDatabaseError);
    // The cycle closes on the copy, so nothing leads back to the original's database error.
    expect(scrubbed.failure.back).toBe(scrubbed);
    expect(JSON.stringify(scrubbed, (_key, value: unknown) => (value === scrubbed && _key !== '' ? '[cycle]' : value)).includes(GSTIN)).toBe(false);
    expect(logged(outer).includes(GSTIN)).toBe(false);
  });

  it("a wrapper that wrote the database error's text into its own message: the copy's message and stack no longer quote it", () => {
    const knexed = pgError('22P02', `select * from clients where id = $1 - invalid input syntax for type uuid: "${GSTIN}"`);
    const server = `invalid input syntax for type uuid: "${GSTIN}"`;
    const wrappers = [
      new Error(`could not read the client: ${knexed.message}`, { cause: knexed }),
      // Only the server's part of knex's message, or the detail, copied.
      new Error(`could not read the client (${server})`, { cause: knexed }),
      new Error(`could not save: ${duplicate().detail}`, { cause: duplicate() }),
      // Two levels down, under a wrapper that quotes nothing itself.
      new Error('the step failed', { cause: new Error(`could not read the client: ${server}`, { cause: knexed }) }),
    ];
    // pino's own serializer writes the wrapper's message and stack as they are (else this test proves nothing).
    for (const wrapper of wrappers) expect(JSON.stringify(pino.stdSerializers.err(wrapper.cause as Error)) + wrapper.message + wrapper.stack).toContain(GSTIN);

    const scrubbed = wrappers.map((w) => scrubDatabaseError(w) as Error & { cause: Error });
    expect(scrubbed.map((e) => e.message)).toEqual([
      'could not read the client: database error 22P02 (data exception)',
      'could not read the client (database error 22P02 (data exception))',
      'could not save: database error 23505 (integrity constraint violation) on constraint "clients_gstin_key" of table "clients"',
      'the step failed',
    ]);
    expect(scrubbed[3]!.cause.message).toBe('could not read the client: database error 22P02 (data exception)');
    expect(scrubbed[0]!.stack).toMatch(/^Error: could not read the client: database error 22P02 \(data exception\)\n {4}at /);
    // The originals are untouched.
    expect(wrappers[0]!.message).toContain(GSTIN);
    const leaked = wrappers.map((w) => logged(w)).filter((text) => text.includes(GSTIN));
    expect(leaked).toEqual([]);
  });

  it("a sibling that quotes a database error it does not hold, beside it in an AggregateError's errors", () => {
    const error = quoting();
    const aggregate = new AggregateError([new Error(`retry failed: ${error.message}`), error], 'both attempts failed');
    const scrubbed = scrubDatabaseError(aggregate) as AggregateError;
    expect((scrubbed.errors as Error[]).map((e) => e.message)).toEqual(['retry failed: database error 22P02 (data exception)', 'database error 22P02 (data exception)']);
    expect(logged(aggregate).includes(GSTIN)).toBe(false);
  });

  it('an error without a database error under it is returned as it is', () => {
    const plain = new Error('outer', { cause: new Error('inner') });
    const cyclic = Object.assign(new Error('self'), { self: null as unknown });
    cyclic.self = cyclic;
    expect([scrubDatabaseError(plain) === plain, scrubDatabaseError(cyclic) === cyclic, scrubDatabaseError('text')]).toEqual([true, true, 'text']);
  });
});

describe('what a scrubbed database error keeps', () => {
  it("names every refusal our migrations raise, and keeps only that name", () => {
    const folder = join(__dirname, '../../../db/migrations');
    const raised = new Set<string>();
    // Helpers too: the kept keys' functions are written there (helpers/key-by-triggers.ts).
    for (const file of readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
      for (const match of readFileSync(join(folder, file), 'utf8').matchAll(/RAISE EXCEPTION '([^'%]*?)(?::| \(|%)/g)) raised.add(match[1]!.trim());
    }
    expect([...raised].filter((name) => !(OWN_REFUSAL_REASONS as readonly string[]).includes(name))).toEqual([]);
    expect(raised.size).toBeGreaterThanOrEqual(7);

    const signIn = pgError('42501', `select record_signin_event($1) - record_signin_event: ${GSTIN} is not a sign-in event`, { routine: 'exec_stmt_raise' });
    const appendOnly = pgError('42501', 'audit_events is append-only (UPDATE refused)', { routine: 'exec_stmt_raise' });
    expect([scrubDatabaseError(signIn), scrubDatabaseError(appendOnly)].map((e) => e.message)).toEqual([
      'database error 42501 (syntax error or access rule violation) - record_signin_event',
      'database error 42501 (syntax error or access rule violation) - audit_events is append-only',
    ]);
  });

  it("keeps PostgreSQL's own message where its code's text quotes no value, without knex's statement", () => {
    const denied = pgError('42501', `select * from clients where gstin = '${GSTIN}' - permission denied for table clients`, { routine: 'aclcheck_error' });
    const timeout = pgError('57014', 'canceling statement due to statement timeout', { routine: 'ProcessInterrupts' });
    const badValue = pgError('22P02', `invalid input syntax for type uuid: "${GSTIN}"`);
    expect([denied, timeout, badValue].map((e) => scrubDatabaseError(e).message)).toEqual([
      'database error 42501 (syntax error or access rule violation): permission denied for table clients',
      'database error 57014 (operator intervention): canceling statement due to statement timeout',
      'database error 22P02 (data exception)',
    ]);
  });

  it("keeps the stack's frames, not a message's lines that begin with \"at\"", () => {
    const error = pgError('22P02', 'bad value');
    error.stack = [
      `error: select x`,
      `  at time zone '${GSTIN}'`,
      `    at ${GSTIN} and more`,
      '    at Parser.parseErrorMessage (/app/node_modules/pg-protocol/dist/parser.js:287:98)',
      '    at /app/db/copy-rows.ts:10:5',
      '    at Array.map (<anonymous>)',
      '    at async Promise.all (index 0)',
    ].join('\n');
    expect(scrubDatabaseError(error).stack!.split('\n')).toEqual([
      'ScrubbedDatabaseError: database error 22P02 (data exception)',
      '    at Parser.parseErrorMessage (/app/node_modules/pg-protocol/dist/parser.js:287:98)',
      '    at /app/db/copy-rows.ts:10:5',
      '    at Array.map (<anonymous>)',
      '    at async Promise.all (index 0)',
    ]);
  });
});

describe('odd shapes: a code and a severity with no text message', () => {
  it('a cause of just { code, severity } is scrubbed, not a TypeError', () => {
    const outer = new Error('w', { cause: { code: '23505', severity: 'ERROR' } });
    const scrubbed = scrubDatabaseError(outer) as Error;
    expect({ message: scrubbed.message, cause: (scrubbed.cause as Error).message }).toEqual({ message: 'w', cause: 'database error 23505 (integrity constraint violation)' });
  });

  it('a cause whose message is a number is scrubbed, not a TypeError', () => {
    const outer = new Error('w', { cause: { code: '23505', severity: 'ERROR', message: 42 } });
    expect(((scrubDatabaseError(outer) as Error).cause as Error).message).toBe('database error 23505 (integrity constraint violation)');
  });

  it('a pg-shaped error of a plain-message code with no message is scrubbed, not a TypeError', () => {
    const scrubbed = scrubDatabaseError({ code: '42501', severity: 'ERROR' });
    expect(scrubbed).toBeInstanceOf(ScrubbedDatabaseError);
    expect((scrubbed as ScrubbedDatabaseError).message).toBe('database error 42501 (syntax error or access rule violation)');
  });
});

describe('a wrapper quoting a database error: each quoted text replaced once', () => {
  it("knex's 42P01 message quoted: one scrubbed message, not one inside another", () => {
    const inner = pgError('42P01', 'select * from "nope" - relation "nope" does not exist');
    const outer = new Error(`could not read: ${inner.message}`, { cause: inner });
    expect((scrubDatabaseError(outer) as Error).message).toBe('could not read: database error 42P01 (syntax error or access rule violation): relation "nope" does not exist');
  });

  it("a message without ' - ': no text made of its tail, so nothing garbled", () => {
    const inner = pgError('42P01', 'relation "nope" does not exist');
    const outer = new Error(`could not read: ${inner.message}`, { cause: inner });
    // The plain message is what the scrubbed error keeps too: left as it is.
    expect((scrubDatabaseError(outer) as Error).message).toBe('could not read: relation "nope" does not exist');
  });

  it("a value holding ' - ': the server's whole message is replaced, none of the value left", () => {
    const server = 'invalid input syntax for type integer: "Sharma - Traders Pvt"';
    const inner = pgError('22P02', `insert into "clients" ("name") values ($1) - ${server}`);
    const outer = new Error(`could not save: ${server}`, { cause: inner });
    const message = (scrubDatabaseError(outer) as Error).message;
    expect({ message, leaks: message.includes('Sharma') || message.includes('Traders') }).toEqual({ message: 'could not save: database error 22P02 (data exception)', leaks: false });
  });
});
