/**
 * Stopping the api's HTTP server (ops/services.ts `closeHttpServer`) with a request still running:
 * once answered, its keep-alive connection is closed, so the stop ends then, not after the server's
 * keep-alive time (ops/http-server.ts, 130 s) or the stop's grace. The server is built as the api's
 * is, with short deadlines (their headers limit then follows the request limit; Node refuses more).
 */
import http from 'node:http';
import { DEFAULT_KEEP_ALIVE_TIMEOUT_MS, createApiServer } from '../../../ops/http-server';
import { closeHttpServer } from '../../../ops/services';

// Far below the keep-alive time and the grace: a stop that waited for either fails here.
jest.setTimeout(60_000);

it('ends a stop once the running request is answered, closing its keep-alive connection', async () => {
  let answer: () => void = () => undefined;
  let received: () => void = () => undefined;
  const arrived = new Promise<void>((resolve) => (received = resolve));
  const server = createApiServer((_req, res) => {
    answer = () => res.end('ok');
    received();
  }, { requestTimeoutMs: 5_000, uploadTimeoutMs: 20_000, keepAliveTimeoutMs: DEFAULT_KEEP_ALIVE_TIMEOUT_MS });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const agent = new http.Agent({ keepAlive: true });
  try {
    const port = (server.address() as { port: number }).port;
    const response = new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
      }).on('error', reject);
    });
    await arrived;
    const stopped = closeHttpServer(server, 10 * 60_000);
    answer();
    // The request is answered in full, then the stop ends without waiting on the idle connection.
    expect(await response).toEqual({ status: 200, connection: 'keep-alive' });
    await stopped;
    expect(server.listening).toBe(false);
    expect({ headersTimeout: server.headersTimeout, requestTimeout: server.requestTimeout, keepAliveTimeout: server.keepAliveTimeout }).toEqual({ headersTimeout: 50_000, requestTimeout: 50_000, keepAliveTimeout: DEFAULT_KEEP_ALIVE_TIMEOUT_MS });
  } finally {
    agent.destroy();
    server.closeAllConnections();
  }
});
