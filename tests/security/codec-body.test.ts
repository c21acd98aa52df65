/**
 * The codec endpoint checks the operator token before it reads a byte of the body: it accepts up to
 * 16 MB of JSON, and once parsed that much before answering 401 to anyone (a 15 MB body without a
 * token took seconds). A request that never finishes its body is refused at once; an operator's
 * request still leaves exactly one audit row, with its payload count.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { createApp } from '../../api/app';
import { createSecurity } from '../../api/security';
import { createTemporalClient, type TemporalHandle } from '../../api/temporal-client';
import { createPlatformOperator } from '../../db/platform-operators';
import { call, testSecuritySettings } from '../harness/api';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { harnessValue } from '../harness/harness-env';
import { serve, type TestServer } from '../harness/http';
import { captureLogger } from '../harness/logs';
import { testPayloadCodec } from '../harness/temporal';
import { stalledRequest } from './helpers';

jest.setTimeout(60_000);

describe('codec endpoint body', () => {
  let db: TestDatabase;
  let server: TestServer;
  let temporal: TemporalHandle;

  beforeAll(async () => {
    db = await createTestDatabase();
    const logs = captureLogger('warn');
    temporal = createTemporalClient({ address: harnessValue('temporalAddress'), namespace: 'default', taskQueue: 'unused', codec: testPayloadCodec() });
    const security = createSecurity(testSecuritySettings({}), db.app, logs.logger);
    server = await serve(createApp({ logger: logs.logger, knex: db.app, temporal, security, exposeInternalErrors: false }));
  });
  afterAll(async () => {
    await server?.close();
    await temporal?.close();
    await db?.drop();
  });

  /** The status a request gets while its body is still unsent, or 'no answer' after a few seconds. */
  async function answerWithoutBody(headers: Record<string, string>): Promise<number | 'no answer'> {
    const request = stalledRequest(server.url, 'POST', '/codec/decode', { 'content-type': 'application/json', ...headers });
    const timeout = new Promise<'no answer'>((resolve) => setTimeout(() => resolve('no answer'), 5000));
    try {
      return await Promise.race([request.response, timeout]);
    } finally {
      request.abort();
    }
  }

  const refusals = async () => (await db.owner('audit_events').whereNull('firm_id').where({ action: 'codec.refused' }).orderBy('seq').select('after')).map((r: { after: unknown }) => r.after);

  it('refuses without a token, or with a wrong one, before the body arrives (audited, count unknown)', async () => {
    const before = (await refusals()).length;
    expect(await answerWithoutBody({})).toBe(401);
    expect(await answerWithoutBody({ authorization: 'Bearer tmo_not_a_real_token' })).toBe(401);
    expect((await refusals()).slice(before)).toEqual([
      { operation: 'decode', payloads: null, namespace: '' },
      { operation: 'decode', payloads: null, namespace: '' },
    ]);
  });

  it("reads an operator's body and audits the request once, with its payload count", async () => {
    const operator = await createPlatformOperator(db.owner, { email: 'ops@codec-body.test', name: 'Ops' });
    const payload = defaultPayloadConverter.toPayload('hello');
    const wire = { metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])), data: Buffer.from(payload.data!).toString('base64') };
    const res = await call(server, 'POST', '/codec/encode', { token: operator.token, body: { payloads: [wire, wire] } });
    expect(res.status).toBe(200);
    const rows = await db.owner('audit_events').whereNull('firm_id').where({ request_id: res.headers.get('x-request-id') }).select('action', 'after');
    expect(rows).toEqual([{ action: 'codec.encode', after: { payloads: 2, namespace: '' } }]);
  });
});
