/** Shared pieces of the security probes: a console sign-in, a request that never sends its body, polling. */
import http from 'node:http';
import type { Knex } from 'knex';
import { eventually } from '../harness/eventually';

export async function consoleSignIn(baseUrl: string, email: string, password: string): Promise<string> {
  // A browser names the page's origin on the form's POST only if the page's referrer policy lets it
  // (under `no-referrer` it sends `Origin: null`): the Origin set by hand below is honest only while
  // the sign-in page says `same-origin` (tests/e2e/console-dashboard.test.ts signs in with Chromium).
  const page = await fetch(`${baseUrl}/admin/login`);
  if (page.headers.get('referrer-policy') !== 'same-origin') throw new Error(`the console's sign-in page sends Referrer-Policy ${page.headers.get('referrer-policy')}: a browser would post Origin: null`);
  const res = await fetch(`${baseUrl}/admin/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: baseUrl },
    body: new URLSearchParams({ email, password }).toString(),
    redirect: 'manual',
  });
  if (res.status !== 302) throw new Error(`console sign-in of ${email} answered ${res.status}: ${await res.text()}`);
  return res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

/** A request that announces a body and sends only part of it (a stalled or slow client). */
export function stalledRequest(baseUrl: string, method: string, path: string, headers: Record<string, string>): { response: Promise<number>; abort(): void } {
  const url = new URL(path, baseUrl);
  const req = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers: { ...headers, 'content-length': '1000' } });
  const response = new Promise<number>((resolve) => {
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(-1));
  });
  req.write('{"name": "a body that never ends');
  return { response, abort: () => req.destroy() };
}

/** Waits until check() holds (the harness's eventually), adding describe()'s view of the state on timeout. */
export async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 15_000, describe?: () => Promise<unknown>): Promise<void> {
  try {
    await eventually(what, check, timeoutMs);
  } catch (error) {
    throw new Error(`${(error as Error).message}; state: ${JSON.stringify(await describe?.())}`);
  }
}

/** The database backends of one application name (pg_stat_activity), as the owner sees them. */
export async function backendsOf(owner: Knex, database: string, applicationName: string): Promise<Array<{ pid: number; state: string | null; wait: string | null; query: string }>> {
  const { rows } = await owner.raw(
    `select pid, state, wait_event_type as wait, left(query, 120) as query from pg_stat_activity where datname = ? and application_name = ?`,
    [database, applicationName],
  );
  return rows;
}

/** Milliseconds a call takes. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = Date.now();
  const value = await fn();
  return { ms: Date.now() - started, value };
}
