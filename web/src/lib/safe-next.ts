/**
 * Where sign-in sends a person afterwards: only a path inside the app. A `next` that a browser
 * would read as another site (`//host`, or `/\host`, which browsers treat as `//host`), a
 * backslash anywhere, a control character, or the sign-in page itself lands on `/`.
 */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//')) return '/';
  // eslint-disable-next-line no-control-regex -- control characters are what is refused here
  if (/[\\\u0000-\u001f\u007f]/.test(next)) return '/';
  if (next === '/sign-in' || next.startsWith('/sign-in/') || next.startsWith('/sign-in?') || next.startsWith('/sign-in#')) return '/';
  return next;
}
