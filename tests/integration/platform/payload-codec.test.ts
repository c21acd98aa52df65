/**
 * Encrypted Temporal payloads with real PostgreSQL, a real Temporal server and a real worker: a
 * notice's workflow (input, updates carrying a user's email and a draft naming the client, activity
 * arguments and results, the query) is read raw from Temporal, through the workflow service with no
 * codec, and holds none of that plaintext and no unsealed payload, while the codec-enabled client
 * reads it. The api's codec endpoint opens the same payloads for a platform operator only,
 * answers CORS for the Temporal UI's origin only, and audits every request in the platform chain.
 * A committed sealed history replays with the tests' key and fails to replay without it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { temporal as proto } from '@temporalio/proto';
import { createPlatformOperator, revokePlatformOperator } from '../../../db/platform-operators';
import { ENCRYPTED_ENCODING, EncryptionCodec } from '../../../db/security/payload-codec';
import { generateKeySpec } from '../../../db/security/secret-box';
import type { RunningWorker } from '../../../ops/worker';
import { noticeStatusQuery } from '../../../workflows/notice-definitions';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { harnessValue } from '../../harness/harness-env';
import { HISTORY_FIXTURES, replayHistories, type History } from '../../harness/replay';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { reference, TEST_TIME_SCALE, today } from '../notices/helpers';

jest.setTimeout(90_000);

const UI_ORIGIN = 'http://127.0.0.1:8233';
const SEALED_FIXTURE = path.join(HISTORY_FIXTURES, 'sealed-notice-approved.json');
/** Words of the committed sealed fixture's draft, which must not appear in it. */
const FIXTURE_DRAFT = 'Sealed fixture reply: the difference is the advance received in September';

type WirePayload = { metadata: Record<string, string>; data: string };
const toWire = (p: Payload): WirePayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

/** Every payload of a history but its search attributes (which Temporal indexes, and hold ids only). */
function payloadsOf(node: unknown, found: Payload[] = []): Payload[] {
  if (!node || typeof node !== 'object') return found;
  if (Array.isArray(node)) {
    for (const item of node) payloadsOf(item, found);
    return found;
  }
  const record = node as Record<string, unknown>;
  if (record.metadata && typeof record.metadata === 'object' && 'data' in record) found.push(record as Payload);
  for (const [key, value] of Object.entries(record)) if (key !== 'searchAttributes' && key !== 'metadata') payloadsOf(value, found);
  return found;
}

describe('encrypted Temporal payloads', () => {
  let db: TestDatabase;
  let api: TestApi;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let firm: TestFirm;
  let operatorToken: string;
  const taskQueue = uniqueTaskQueue('payload-codec');
  let workflowId: string;
  let history: History;
  let draftText: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    worker = await startTestWorker({ knex: db.app, taskQueue });
    api = await startTestApi(db, {}, { taskQueue, notices: { timeScale: TEST_TIME_SCALE }, codecEndpoint: { temporalUiUrl: `${UI_ORIGIN}/namespaces/default` } });
    firm = await createTestFirm(db, 'Codec Firm');
    operatorToken = (await createPlatformOperator(db.owner, { email: 'ops@platform.test', name: 'Ops' })).token;

    const client = firm.clients[0]!;
    draftText = process.env.UPDATE_HISTORY_FIXTURES === '1' ? FIXTURE_DRAFT : `Reply for ${client.name} (${client.gstin}): the advance received in September`;
    const staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    const manager = await login(api, firm.users.manager.email, firm.users.manager.password);
    const notice = (await call(api, 'POST', `/api/clients/${client.id}/notices`, { token: staff, body: { form: 'ASMT-10', reference: reference(), servedOn: today(), assigneeId: firm.users.staff.id } })).body;
    expect((await call(api, 'PUT', `/api/notices/${notice.id}/draft`, { token: staff, body: { text: draftText } })).status).toBe(200);
    expect((await call(api, 'POST', `/api/notices/${notice.id}/submit`, { token: staff, body: {} })).body.state).toBe('in_review');
    expect((await call(api, 'POST', `/api/notices/${notice.id}/approve`, { token: manager, body: { note: 'approved by the manager' } })).body.state).toBe('approved');
    workflowId = notice.workflowId as string;
    history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
    if (process.env.UPDATE_HISTORY_FIXTURES === '1') fs.writeFileSync(SEALED_FIXTURE, `${historyToJSON(history)}\n`);
  });
  afterAll(async () => {
    await api?.close();
    await worker?.shutdown();
    await temporal?.close();
    await db?.drop();
  });

  it('stores ciphertext only: the raw history (no codec) holds no user email, client name, GSTIN or draft, and no unsealed payload', async () => {
    const raw: proto.api.history.v1.IHistoryEvent[] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await temporal.connection.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId }, nextPageToken });
      raw.push(...(page.history?.events ?? []));
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken);
    const bytes = Buffer.from(proto.api.history.v1.History.encode({ events: raw }).finish());
    const exported = historyToJSON({ events: raw });
    const client = firm.clients[0]!;
    for (const secret of [firm.users.staff.email, firm.users.manager.email, client.name, client.gstin, draftText, 'approved by the manager']) {
      expect({ secret, inBytes: bytes.includes(Buffer.from(secret)), inExport: exported.includes(secret) }).toEqual({ secret, inBytes: false, inExport: false });
    }
    // A workflow's patch markers (patched()) are written by the SDK's core with a plain payload: the
    // patch's name and whether it is deprecated, never data of ours. Each is held to exactly that; the
    // rest of the history must be sealed.
    const isPatchMarker = (e: proto.api.history.v1.IHistoryEvent) => e.markerRecordedEventAttributes?.markerName === 'core_patch';
    const markerPayloads = payloadsOf(raw.filter(isPatchMarker));
    for (const p of markerPayloads) {
      const content = JSON.parse(Buffer.from(p.data ?? new Uint8Array()).toString()) as Record<string, unknown>;
      expect({ keys: Object.keys(content).sort(), id: content.id }).toEqual({ keys: expect.arrayContaining(['id']), id: expect.stringMatching(/^[a-z0-9-]+$/) });
      expect(Object.keys(content).every((k) => k === 'id' || k === 'deprecated')).toBe(true);
    }
    const payloads = payloadsOf(raw.filter((e) => !isPatchMarker(e)));
    const kinds = new Set(raw.map((e) => e.eventType));
    // Inputs, an update's arguments and result, activity arguments and results were all there to seal.
    expect([...kinds]).toEqual(expect.arrayContaining([
      proto.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
      proto.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
      proto.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
      proto.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
      proto.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
    ]));
    expect(payloads.length).toBeGreaterThan(5);
    const unsealed = payloads.filter((p) => Buffer.from(p.metadata?.encoding ?? new Uint8Array()).toString() !== ENCRYPTED_ENCODING);
    expect(unsealed.map((p) => Buffer.from(p.metadata?.encoding ?? new Uint8Array()).toString())).toEqual([]);
  });

  it('reads fine through the codec-enabled client, and not with another key', async () => {
    const status = await temporal.client.workflow.getHandle(workflowId).query(noticeStatusQuery);
    expect(status.state).toBe('approved');
    const accepted = history.events!.find((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'noticeStep');
    const args = accepted!.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!.input!.args!.payloads!;
    const opened = await temporal.codec.decode(args as Payload[]);
    expect(defaultPayloadConverter.fromPayload(opened[0]!)).toBe('draft');
    expect(JSON.stringify(defaultPayloadConverter.fromPayload(opened[1]!))).toContain(draftText);

    const stranger = new Client({ connection: temporal.connection, namespace: 'default', dataConverter: { payloadCodecs: [EncryptionCodec.fromSpec(generateKeySpec('test1'), 'test1')] } });
    await expect(stranger.workflow.getHandle(workflowId).query(noticeStatusQuery)).rejects.toThrow();
  });

  it('opens the same payloads through POST /codec/decode for a platform operator, and round-trips /codec/encode', async () => {
    const started = history.events!.find((e) => e.workflowExecutionStartedEventAttributes)!.workflowExecutionStartedEventAttributes!;
    const sealed = (started.input!.payloads as Payload[]).map(toWire);
    const res = await call(api, 'POST', '/codec/decode', { token: operatorToken, body: { payloads: sealed }, headers: { 'x-namespace': 'default' } });
    expect(res.status).toBe(200);
    const decoded = defaultPayloadConverter.fromPayload<{ firmId: string }>({
      metadata: Object.fromEntries(Object.entries(res.body.payloads[0].metadata as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
      data: Buffer.from(res.body.payloads[0].data as string, 'base64'),
    });
    expect(decoded.firmId).toBe(firm.id);

    const plain = toWire(defaultPayloadConverter.toPayload({ large: 'y'.repeat(2 * 1024 * 1024) }));
    const encoded = await call(api, 'POST', '/codec/encode', { token: operatorToken, body: { payloads: [plain] } });
    expect(encoded.status).toBe(200);
    expect(Buffer.from(encoded.body.payloads[0].metadata.encoding as string, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
    const back = await call(api, 'POST', '/codec/decode', { token: operatorToken, body: encoded.body });
    expect(back.body.payloads[0].data).toBe(plain.data);

    const audit = await db.owner('audit_events').whereNull('firm_id').whereIn('action', ['codec.decode', 'codec.encode']).orderBy('seq').select('action', 'actor_email', 'actor_role', 'after');
    expect(audit.slice(-3)).toEqual([
      { action: 'codec.decode', actor_email: 'ops@platform.test', actor_role: 'platform_operator', after: { payloads: 1, namespace: 'default' } },
      { action: 'codec.encode', actor_email: 'ops@platform.test', actor_role: 'platform_operator', after: { payloads: 1, namespace: '' } },
      { action: 'codec.decode', actor_email: 'ops@platform.test', actor_role: 'platform_operator', after: { payloads: 1, namespace: '' } },
    ]);
  });

  it('refuses (401, audited) without an operator token, with a firm user’s token and with a revoked token; 400 for a malformed body', async () => {
    const body = { payloads: [toWire(defaultPayloadConverter.toPayload('x'))] };
    const before = Number((await db.owner('audit_events').whereNull('firm_id').where({ action: 'codec.refused' }).count({ n: '*' }))[0]!.n);
    expect((await call(api, 'POST', '/codec/decode', { body })).status).toBe(401);
    const firmAdmin = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
    const asFirmAdmin = await call(api, 'POST', '/codec/decode', { token: firmAdmin, body });
    expect([asFirmAdmin.status, asFirmAdmin.body.error.code]).toEqual([401, 'unauthenticated']);
    const after = Number((await db.owner('audit_events').whereNull('firm_id').where({ action: 'codec.refused' }).count({ n: '*' }))[0]!.n);
    expect(after - before).toBe(2);

    const bad = await call(api, 'POST', '/codec/decode', { token: operatorToken, body: { payloads: [{ data: 'not base64!' }] } });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'invalid_input']);

    const other = await createPlatformOperator(db.owner, { email: 'leaver@platform.test', name: 'Leaver' });
    expect((await call(api, 'POST', '/codec/decode', { token: other.token, body })).status).toBe(200);
    expect(await revokePlatformOperator(db.owner, 'leaver@platform.test')).toBe(1);
    expect((await call(api, 'POST', '/codec/decode', { token: other.token, body })).status).toBe(401);
  });

  it('answers CORS for the Temporal UI origin only, and lets the UI authenticate with the sign-in cookie', async () => {
    const preflight = (origin: string) => fetch(`${api.url}/codec/decode`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' } });
    const ok = await preflight(UI_ORIGIN);
    expect([ok.status, ok.headers.get('access-control-allow-origin'), ok.headers.get('access-control-allow-credentials')]).toEqual([204, UI_ORIGIN, 'true']);
    expect(ok.headers.get('access-control-allow-headers')).toMatch(/x-namespace/i);
    const evil = await preflight('https://evil.example');
    expect([evil.status, evil.headers.get('access-control-allow-origin')]).toEqual([403, null]);
    const evilPost = await call(api, 'POST', '/codec/decode', { token: operatorToken, body: { payloads: [] }, headers: { origin: 'https://evil.example' } });
    expect(evilPost.headers.get('access-control-allow-origin')).toBeNull();

    const wrong = await fetch(`${api.url}/codec/session`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=tmo_wrong' });
    expect([wrong.status, wrong.headers.get('set-cookie')]).toEqual([401, null]);
    const signIn = await fetch(`${api.url}/codec/session`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: operatorToken }).toString() });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^taalmel_codec=.+; path=\/codec;.*httponly/i);
    const viaCookie = await call(api, 'POST', '/codec/decode', { cookie: cookie.split(';')[0], body: { payloads: [] }, headers: { origin: UI_ORIGIN } });
    expect([viaCookie.status, viaCookie.headers.get('access-control-allow-origin'), viaCookie.body]).toEqual([200, UI_ORIGIN, { payloads: [] }]);
  });

  it('replays the committed sealed history with the tests’ key, and fails to replay it without the codec', async () => {
    const text = fs.readFileSync(SEALED_FIXTURE, 'utf8');
    expect(text.includes(FIXTURE_DRAFT)).toBe(false);
    const sealed = [{ workflowId: 'sealed-notice-approved', history: historyFromJSON(JSON.parse(text)) }];
    const withKey = await replayHistories({ codePath: harnessValue('workflowBundle') }, [...sealed, { workflowId: 'fresh', history }]);
    expect(withKey.map((r) => [r.workflowId, r.error?.message ?? null])).toEqual([['sealed-notice-approved', null], ['fresh', null]]);
    const withoutKey = await replayHistories({ codePath: harnessValue('workflowBundle') }, sealed, { codec: null });
    expect(withoutKey[0]?.error).toBeDefined();
  });
});
