/**
 * The API's errors: a status, a stable snake_case code the clients and tests rely on, a human
 * sentence, and optional details. One middleware turns them (and everything else) into the
 * `{"error": {code, message, details}}` envelope of docs/api.md.
 */
import { BEFORE_GST_RULE } from '../domain/periods';
import { fieldSentence, invalidSentence } from './validation-sentence';

export type RefusalAudit = { action: string; entityType: string; entityId?: string | null; after?: unknown };

export class ApiError extends Error {
  /** A refusal worth recording: written to the audit trail after the request's transaction rolled back. */
  audit?: RefusalAudit;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  withAudit(audit: RefusalAudit): this {
    this.audit = audit;
    return this;
  }
}

/**
 * 400 invalid_input. Without a message of its own, the message is `details.fields` in a sentence
 * ("cursor is not one this list gave.") so a refusal never says only that something was wrong.
 */
export const invalidInput = (details: Record<string, unknown>, message?: string) =>
  new ApiError(400, 'invalid_input', message ?? fieldsSentence(details.fields), details);

/**
 * 400 `invalid_input` from rules written to follow each field's name ("until must be in the
 * future."): the message reads them after the names, and `details.fields` gives each as a sentence
 * of its own ("Must be in the future."), as the form shows it beside the field.
 */
export const invalidRules = (rules: Record<string, string>, message?: string) =>
  invalidInput({ fields: Object.fromEntries(Object.entries(rules).map(([field, rule]) => [field, fieldSentence(rule)])) }, message ?? invalidSentence(rules));

function fieldsSentence(fields: unknown): string {
  const sentence = fields && typeof fields === 'object' ? invalidSentence(fields as Record<string, unknown>) : '.';
  return sentence === '.' ? 'The request is not valid.' : sentence;
}
/**
 * 400 `invalid_input` on `period` for a month before GST (July 2017, domain/periods.ts `beforeGst`):
 * no GST period at all, an input error answered before any state is looked at. `missing` names what
 * does not exist for it (a return or register to import, a period to close).
 */
export const beforeGstPeriod = (period: string, missing: string) =>
  invalidRules({ period: BEFORE_GST_RULE }, `${period} is before GST began (July 2017): there is no ${missing}.`);
export const unauthenticated = (code = 'unauthenticated', message = 'Sign in first.') => new ApiError(401, code, message);
export const forbidden = (code = 'forbidden', message = 'You may not do this.') => new ApiError(403, code, message);
export const notFound = (message = 'Not found.') => new ApiError(404, 'not_found', message);
export const conflict = (code = 'conflict', message = 'The request conflicts with the current state.', details?: Record<string, unknown>) =>
  new ApiError(409, code, message, details);
export const tooLarge = (message = 'The request is too large.') => new ApiError(413, 'too_large', message);
export const unprocessable = (code: string, message: string, details?: Record<string, unknown>) => new ApiError(422, code, message, details);
export const rateLimited = (retryAfterSeconds: number) =>
  new ApiError(429, 'rate_limited', 'Too many attempts; try again later.', { retryAfterSeconds }, { 'Retry-After': String(retryAfterSeconds) });

/** The service cannot take this request now (no database connection in time, a limit reached); retrying later works. */
export const unavailable = (message = 'The service is busy; try again in a few seconds.', retryAfterSeconds = 5) =>
  new ApiError(503, 'unavailable', message, { retryAfterSeconds }, { 'Retry-After': String(retryAfterSeconds) });
/**
 * The client closed the connection before its answer (the 499 some proxies log): nobody reads this
 * answer and nothing failed on our side, so it is no server error. The status is for the access
 * log line and the metrics only.
 */
export const clientClosedRequest = () => new ApiError(499, 'client_closed_request', 'The client closed the connection before the answer.');
/** The request did not finish within its deadline; nothing it started was kept. */
export const requestTimedOut = (seconds: number) =>
  new ApiError(503, 'request_timeout', `The request did not finish within ${seconds} seconds and was rolled back; try again.`, { limitSeconds: seconds }, { 'Retry-After': '5' });

/** PostgreSQL refused a duplicate (23505), however the ORM wrapped it. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { name?: string; code?: string; nativeError?: { code?: string } };
  return e.name === 'UniqueViolationError' || e.code === '23505' || e.nativeError?.code === '23505';
}
