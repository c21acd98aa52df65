/**
 * The API's errors: a status, a stable snake_case code the clients and tests rely on, a human
 * sentence, and optional details. One middleware turns them (and everything else) into the
 * `{"error": {code, message, details}}` envelope of docs/api.md.
 */
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

export const invalidInput = (details: Record<string, unknown>, message = 'The request is not valid.') =>
  new ApiError(400, 'invalid_input', message, details);
export const unauthenticated = (code = 'unauthenticated', message = 'Sign in first.') => new ApiError(401, code, message);
export const forbidden = (code = 'forbidden', message = 'You may not do this.') => new ApiError(403, code, message);
export const notFound = (message = 'Not found.') => new ApiError(404, 'not_found', message);
export const conflict = (code = 'conflict', message = 'The request conflicts with the current state.', details?: Record<string, unknown>) =>
  new ApiError(409, code, message, details);
export const tooLarge = (message = 'The request is too large.') => new ApiError(413, 'too_large', message);
export const unprocessable = (code: string, message: string, details?: Record<string, unknown>) => new ApiError(422, code, message, details);
export const rateLimited = (retryAfterSeconds: number) =>
  new ApiError(429, 'rate_limited', 'Too many attempts; try again later.', { retryAfterSeconds }, { 'Retry-After': String(retryAfterSeconds) });

/** PostgreSQL refused a duplicate (23505), however the ORM wrapped it. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { name?: string; code?: string; nativeError?: { code?: string } };
  return e.name === 'UniqueViolationError' || e.code === '23505' || e.nativeError?.code === '23505';
}
