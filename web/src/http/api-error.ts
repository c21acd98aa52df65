/** The API's error shape (docs/api.md) as the app holds it: its code, message and details. No DOM, so pure modules and unit tests use it. */
export type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    /** The answer's `Retry-After` header in seconds (a 429's, a 503's), as it came; null without one. */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
