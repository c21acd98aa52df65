/** Serves a Koa app on a free loopback port for the duration of a test file. */
import http from 'node:http';
import type Koa from 'koa';
import { DEFAULT_KEEP_ALIVE_TIMEOUT_MS } from '../../ops/http-server';

export type TestServer = { url: string; close(): Promise<void> };

export async function serve(app: Koa): Promise<TestServer> {
  const server = http.createServer(app.callback());
  // As the api's own server keeps them (ops/http-server.ts), not Node's 5 s: fetch reuses an idle
  // connection until a second before the server's hint, and on a loaded machine the server's timer
  // could close one a request was just written to (ECONNRESET in a test that did nothing wrong).
  server.keepAliveTimeout = DEFAULT_KEEP_ALIVE_TIMEOUT_MS;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A JSON response body, typed loosely for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function bodyOf(res: Response): Promise<any> {
  return res.json();
}
