import { createApp } from '../../../api/app';
import { createSecurity } from '../../../api/security';
import { createTemporalClient, type TemporalHandle } from '../../../api/temporal-client';
import { createKnex } from '../../../db/knex';
import { freePort } from '../../../ops/ports';
import { createTestDatabase, TEST_APP_ROLE, type TestDatabase } from '../../harness/database';
import { harnessValue } from '../../harness/harness-env';
import { testSecuritySettings } from '../../harness/api';
import { bodyOf, serve, type TestServer } from '../../harness/http';
import { captureLogger } from '../../harness/logs';
import { eventually } from '../../harness/eventually';
import { startTestWorker, testPayloadCodec, uniqueTaskQueue } from '../../harness/temporal';
import type { RunningWorker } from '../../../ops/worker';

describe('health and the error envelope', () => {
  let db: TestDatabase;
  let temporal: TemporalHandle;
  let server: TestServer;
  let worker: RunningWorker;
  const logs = captureLogger();
  const taskQueue = uniqueTaskQueue('health');

  beforeAll(async () => {
    db = await createTestDatabase();
    // Ready means a worker polls the api's task queue too (readiness-and-metrics.test.ts shows the wait).
    worker = await startTestWorker({ knex: db.app, taskQueue });
    temporal = createTemporalClient({ address: harnessValue('temporalAddress'), namespace: 'default', taskQueue, codec: testPayloadCodec() });
    server = await serve(createApp({ logger: logs.logger, knex: db.app, temporal, security: createSecurity(testSecuritySettings(), db.app, logs.logger), exposeInternalErrors: false }));
  });
  afterAll(async () => {
    await server.close();
    await worker.shutdown();
    await temporal.close();
    await db.drop();
  });

  it('GET /healthz answers ok with a request id', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await bodyOf(res)).toEqual({ status: 'ok' });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('GET /readyz is 200 when PostgreSQL and Temporal answer and a worker polls', async () => {
    // The worker's first polls reach the server a moment after it starts.
    const res = await eventually('readyz is 200', async () => {
      const r = await fetch(`${server.url}/readyz`);
      return r.status === 200 ? r : null;
    }, 30_000, 250);
    expect(await bodyOf(res)).toEqual({ status: 'ok', checks: { postgres: 'ok', temporal: 'ok', worker: 'ok' } });
  });

  it('GET /readyz is 503 naming what is down', async () => {
    const deadPort = await freePort();
    const deadKnex = createKnex({ url: `postgres://nobody:x@127.0.0.1:${deadPort}/none`, appRole: TEST_APP_ROLE, poolMax: 1 });
    const deadTemporal = createTemporalClient({ address: `127.0.0.1:${deadPort}`, namespace: 'default', taskQueue: 'unused', codec: testPayloadCodec() });
    const down = await serve(
      createApp({ logger: logs.logger, knex: deadKnex, temporal: deadTemporal, security: createSecurity(testSecuritySettings(), deadKnex, logs.logger), exposeInternalErrors: false }),
    );
    try {
      const res = await fetch(`${down.url}/readyz`);
      expect(res.status).toBe(503);
      // With Temporal down nobody can say whether a worker polls: unknown, not named.
      expect(await bodyOf(res)).toEqual({ status: 'unavailable', checks: { postgres: 'unavailable', temporal: 'unavailable', worker: 'unknown' }, unavailable: ['postgres', 'temporal'] });
      // A fresh api not ready yet is starting, not failing: its 503 is logged at info (30), never as an error (50).
      const requestId = res.headers.get('x-request-id');
      const line = logs.lines.map((l) => JSON.parse(l)).find((l) => l.requestId === requestId && l.msg === 'request');
      expect({ path: line?.path, status: line?.status, level: line?.level }).toEqual({ path: '/readyz', status: 503, level: 30 });
    } finally {
      await down.close();
      await deadTemporal.close().catch(() => undefined);
      await deadKnex.destroy();
    }
  });

  it('answers an unknown route with the error envelope', async () => {
    const res = await fetch(`${server.url}/api/nothing-here`);
    expect(res.status).toBe(404);
    expect(await bodyOf(res)).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  });

  it('answers a malformed JSON body with 400 invalid_input', async () => {
    const res = await fetch(`${server.url}/healthz`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"broken": ' });
    expect(res.status).toBe(400);
    const body = await bodyOf(res);
    expect(body.error.code).toBe('invalid_input');
  });

  it('answers an oversized JSON body with 413 too_large', async () => {
    const res = await fetch(`${server.url}/healthz`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ blob: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(res.status).toBe(413);
    expect((await bodyOf(res)).error.code).toBe('too_large');
  });

  it('keeps a well-formed incoming request id and logs it on the request line', async () => {
    const res = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'trace-abc-12345' } });
    expect(res.headers.get('x-request-id')).toBe('trace-abc-12345');
    const line = logs.lines.map((l) => JSON.parse(l)).find((l) => l.requestId === 'trace-abc-12345');
    expect(line).toMatchObject({ msg: 'request', path: '/healthz', status: 200 });
  });
});
