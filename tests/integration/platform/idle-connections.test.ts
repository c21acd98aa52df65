/**
 * Idle keep-alive connections (ops/http-server.ts, docs/security-limits.md "Idle connections"): the
 * real api service keeps an idle connection open longer than whoever reuses it, so a request sent on
 * it is read and answered, never reset. Two such clients, each past Node's default (5 s):
 * - one whose process stalls between two requests: the recon bench, where fetch and the api share
 *   an event loop and generating the files blocked it, lost its upload to `fetch failed` (read
 *   ECONNRESET); a client on a loaded machine is the same. Here the stall is a blocked thread.
 * - one that idles as a proxy does (Caddy keeps its upstream connections 2 minutes, ignoring the
 *   Keep-Alive hint): on Node's default the api closes the connection under it. The test idles a
 *   few seconds past Node's default, not a proxy's whole idle time; the rest rests on the
 *   keep-alive time the api advertises (checked) and keeps (ops/http-server.ts).
 */
import http from 'node:http';
import net from 'node:net';
import { testSecuritySettings } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { harnessValue } from '../../harness/harness-env';
import { captureLogger } from '../../harness/logs';
import { generateReconData, toRegisterCsv } from '../../../ops/bench/recon-data';
import { loadConfig } from '../../../ops/config';
import { DEFAULT_KEEP_ALIVE_TIMEOUT_MS } from '../../../ops/http-server';
import { freePort } from '../../../ops/ports';
import { startApi } from '../../../ops/services';

jest.setTimeout(180_000);

/** Past Node's default keep-alive (and the second Node 20 adds to it before closing), far below the api's. */
const IDLE_MS = nodeDefaultKeepAliveMs() + 3_000;

function nodeDefaultKeepAliveMs(): number {
  const probe = http.createServer();
  const ms = probe.keepAliveTimeout;
  probe.close(); // never listened; this stops its connection-checking timer
  return ms;
}

type Answer = { status: number; body: Record<string, unknown>; localPort: number | undefined };

/** One request on the agent's connection; which local port it went out on tells the connection. */
function send(agent: http.Agent, url: string, method: string, headers: Record<string, string>, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>, localPort: req.socket?.localPort }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The next whole response on a raw socket (Content-Length framed, as the api answers). */
function nextResponse(socket: net.Socket): Promise<{ head: string; body: string }> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const done = (error: Error | null, value?: { head: string; body: string }) => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      if (error) reject(error);
      else resolve(value!);
    };
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffered.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (buffered.length >= end + 4 + length) done(null, { head, body: buffered.subarray(end + 4, end + 4 + length).toString('utf8') });
    };
    const onEnd = () => done(new Error(`the api closed the connection instead of answering (had: ${JSON.stringify(buffered.toString('latin1'))})`));
    const onError = (error: Error) => done(error);
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onError);
  });
}

describe('idle keep-alive connections of the api service', () => {
  let db: TestDatabase;
  let firm: TestFirm;
  let api: Awaited<ReturnType<typeof startApi>> | null = null;

  beforeAll(async () => {
    db = await createTestDatabase();
    firm = await createTestFirm(db, 'Keep-alive firm');
    const config = loadConfig({ NODE_ENV: 'test', API_HOST: '127.0.0.1', PORT: String(await freePort()), DATABASE_URL: db.url, TEMPORAL_ADDRESS: harnessValue('temporalAddress') });
    api = await startApi({ config, logger: captureLogger('warn').logger, databaseUrl: db.url, temporalAddress: harnessValue('temporalAddress'), security: testSecuritySettings() });
  });
  afterAll(async () => {
    await api?.stop().catch(() => undefined);
    await db.drop();
  });

  it('answers an upload sent on a connection its client left idle through a stall past Node’s default keep-alive', async () => {
    const staff = firm.users.staff;
    const client = firm.clients[0]!;
    const file = Buffer.from(toRegisterCsv(generateReconData({ n: 20, seed: 11, period: '2024-06', recipientGstin: client.gstin })));
    // One connection, reused for every request (as fetch's pool reuses an idle one).
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const signIn = await send(agent, `${api!.url}/api/auth/login`, 'POST', { 'content-type': 'application/json' }, Buffer.from(JSON.stringify({ email: staff.email, password: staff.password })));
      expect(signIn.status).toBe(200);
      const created = await send(agent, `${api!.url}/api/clients/${client.id}/imports`, 'POST', { 'content-type': 'application/json', authorization: `Bearer ${String(signIn.body.token)}` }, Buffer.from(JSON.stringify({ kind: 'purchase_register', period: '2024-06', filename: 'register.csv', contentType: 'text/csv', size: file.length })));
      expect(created.status).toBe(201);
      // The connection is back in the agent's pool, idle, before the stall.
      while (Object.keys(agent.freeSockets).length === 0) await new Promise((resolve) => setImmediate(resolve));
      // The process stalls (the bench generating its files): neither the api nor the client runs.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, IDLE_MS);
      const uploaded = await send(agent, String(created.body.uploadUrl), 'PUT', { 'content-type': 'text/csv' }, file).catch((error: NodeJS.ErrnoException) => ({ error: `${error.code ?? ''} ${error.message}` }));
      expect(uploaded).toMatchObject({ status: 200, body: { importId: created.body.importId, status: 'validated', rows: 20 } });
      // On the connection left idle, not a new one: what the test is about.
      expect((uploaded as Answer).localPort).toBe(created.localPort);
    } finally {
      agent.destroy();
    }
  });

  it('keeps an idle connection open past Node’s default keep-alive, answers on it, and advertises its longer keep-alive', async () => {
    const socket = net.connect(Number(new URL(api!.url).port), '127.0.0.1');
    try {
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      let endedAfterMs: number | null = null;
      socket.write(`GET /healthz HTTP/1.1\r\nHost: ${new URL(api!.url).host}\r\n\r\n`);
      const first = await nextResponse(socket);
      const idleFrom = Date.now();
      socket.once('end', () => (endedAfterMs = Date.now() - idleFrom));
      expect(first.head).toMatch(/^HTTP\/1\.1 200/);
      await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
      expect({ endedAfterMs }).toEqual({ endedAfterMs: null });
      const staff = firm.users.staff;
      const body = JSON.stringify({ email: staff.email, password: 'not the password' });
      socket.write(`POST /api/auth/login HTTP/1.1\r\nHost: ${new URL(api!.url).host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      const second = await nextResponse(socket);
      expect({ status: second.head.split('\r\n')[0], body: JSON.parse(second.body) as unknown }).toMatchObject({ status: 'HTTP/1.1 401 Unauthorized', body: { error: { code: 'invalid_credentials' } } });
      // The hint a client that reads it (Node's fetch) keeps the connection by.
      expect(first.head).toMatch(new RegExp(`\\r\\nkeep-alive: timeout=${DEFAULT_KEEP_ALIVE_TIMEOUT_MS / 1000}\\b`, 'i'));
    } finally {
      socket.destroy();
    }
  });
});
