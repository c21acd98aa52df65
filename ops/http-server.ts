/**
 * The api's HTTP server and its connection timeouts: one source for the api service
 * (ops/services.ts) and for the benches that serve the same app in their own process, so a bench
 * measures the server users get (docs/security-limits.md, "Requests and database connections").
 */
import http from 'node:http';

/** How long past the api's longest request deadline the HTTP server still waits for a request's bytes. */
const SERVER_TIMEOUT_MARGIN_MS = 30_000;
/** A request's headers, from its first byte (Node's default; Node does not count a connection's idle time here). */
const HEADERS_TIMEOUT_MS = 60_000;
/**
 * How long an idle keep-alive connection stays open. Whoever reuses a connection must be the one to
 * close it when idle: a proxy or client that sends a request just as the server closes the
 * connection gets a reset (a 502 from a proxy, `fetch failed` / ECONNRESET from Node's fetch), and
 * neither may resend a POST or PUT it does not know was unread. Node's 5 s is shorter than what
 * proxies keep idle upstream connections (Caddy, in front of the api in the compose file, 2 min;
 * nginx and AWS's load balancer 60 s), so the api waits longer than all of them.
 */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 130_000;

export type ServerTimeouts = {
  /** The api's deadlines (api/app.ts `requestLimits`): the server waits for bytes past the longer. */
  requestTimeoutMs: number;
  uploadTimeoutMs: number;
  keepAliveTimeoutMs: number;
};

export function apiServerOptions(timeouts: ServerTimeouts): http.ServerOptions {
  // Node ends a request still arriving after `requestTimeout` (300 s by default) with a bare 408:
  // the api's own deadlines must answer first, in the error shape, so the server waits a little
  // past the longest (an upload's).
  const requestTimeout = Math.max(timeouts.uploadTimeoutMs, timeouts.requestTimeoutMs) + SERVER_TIMEOUT_MARGIN_MS;
  return {
    requestTimeout,
    // Node refuses headers allowed longer than the whole request (short deadlines configured).
    headersTimeout: Math.min(HEADERS_TIMEOUT_MS, requestTimeout),
    keepAliveTimeout: timeouts.keepAliveTimeoutMs,
  };
}

/** Per server made here, its responses not yet done (for a stop: `endKeepAlive`). */
const unfinished = new WeakMap<http.Server, Set<http.ServerResponse>>();
/** The servers being stopped: their responses from now on close their connections. */
const stopping = new WeakSet<http.Server>();

export function createApiServer(handler: http.RequestListener, timeouts: ServerTimeouts): http.Server {
  const server = http.createServer(apiServerOptions(timeouts), handler);
  const open = new Set<http.ServerResponse>();
  unfinished.set(server, open);
  // Before the app's handler, which may answer at once.
  server.prependListener('request', (_req, res) => {
    if (stopping.has(server)) res.shouldKeepAlive = false;
    open.add(res);
    res.once('close', () => open.delete(res));
  });
  return server;
}

/**
 * For a stop: every response not yet begun says `Connection: close` and Node closes its connection
 * once it is sent, so a proxy or client never sends another request on a connection the stop is
 * about to close (it would get a reset). Returns the responses whose headers had already gone out
 * advertising keep-alive (their connections are the caller's to close once idle), or null for a
 * server not made by `createApiServer`, whose responses this cannot see.
 */
export function endKeepAlive(server: http.Server): http.ServerResponse[] | null {
  const open = unfinished.get(server);
  if (!open) return null;
  stopping.add(server);
  const advertised: http.ServerResponse[] = [];
  for (const res of open) {
    if (res.headersSent) advertised.push(res);
    else res.shouldKeepAlive = false;
  }
  return advertised;
}
