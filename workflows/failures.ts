/** Failures as workflows and their callers report them. Pure: workflows, activities, the api and ops share it. */

/** The deepest message of a failure chain (ActivityFailure → ApplicationFailure → the real error). */
export function rootMessage(error: unknown): string {
  let current: unknown = error;
  let message = String(error);
  for (let depth = 0; current && depth < 10; depth += 1) {
    const { message: m, cause } = current as { message?: unknown; cause?: unknown };
    if (typeof m === 'string' && m) message = m;
    current = cause;
  }
  return message;
}
