/**
 * Stopping the api's HTTP server (ops/services.ts `closeHttpServer`) with a request still running:
 * its answer says `Connection: close` (a proxy must not send another request on a connection the
 * stop closes) and its connection is closed once it is sent, so the stop ends then, not after the
 * server's keep-alive time (ops/http-server.ts, 130 s) or the stop's grace. An answer whose headers
 * went out before the stop still has its connection closed once done. The server is built as the
 * api's is, with short deadlines (their headers limit then follows the request limit; Node refuses more).
 */
import http from 'node:http';
import { DEFAULT_KEEP_ALIVE_TIMEOUT_MS, createApiServer } from '../../../ops/http-server';
import { closeHttpServer } from '../../../ops/services';

// Far below the keep-alive time and the grace: a stop that waited for either fails here.
jest.setTimeout(60_000);

it('ends a stop once the running request is answered, telling the client and closing its connection', async () => {
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
    // The request is answered in full, saying the connection closes; the stop ends with it.
    expect(await response).toEqual({ status: 200, connection: 'close' });
    await stopped;
    expect(server.listening).toBe(false);
    expect({ headersTimeout: server.headersTimeout, requestTimeout: server.requestTimeout, keepAliveTimeout: server.keepAliveTimeout }).toEqual({ headersTimeout: 50_000, requestTimeout: 50_000, keepAliveTimeout: DEFAULT_KEEP_ALIVE_TIMEOUT_MS });
  } finally {
    agent.destroy();
    server.closeAllConnections();
  }
});

it('ends a stop once an answer begun before it is done, closing the connection it advertised as kept', async () => {
  let finish: () => void = () => undefined;
  let begun: () => void = () => undefined;
  const headersOut = new Promise<void>((resolve) => (begun = resolve));
  const server = createApiServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first part ');
    finish = () => res.end('last part');
    begun();
  }, { requestTimeoutMs: 5_000, uploadTimeoutMs: 20_000, keepAliveTimeoutMs: DEFAULT_KEEP_ALIVE_TIMEOUT_MS });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const agent = new http.Agent({ keepAlive: true });
  try {
    const port = (server.address() as { port: number }).port;
    let headersReceived: () => void = () => undefined;
    const received = new Promise<void>((resolve) => (headersReceived = resolve));
    const response = new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, agent }, (res) => {
        headersReceived();
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
      }).on('error', reject);
    });
    await headersOut;
    await received;
    const stopped = closeHttpServer(server, 10 * 60_000);
    finish();
    expect(await response).toEqual({ status: 200, connection: 'keep-alive', body: 'first part last part' });
    await stopped;
    expect(server.listening).toBe(false);
  } finally {
    agent.destroy();
    server.closeAllConnections();
  }
});
