/**
 * The limits of the client's link on the real stack (docs/security-limits.md, "The client's link"):
 * uploads of one link, and from one address, at once beyond their caps are refused 429 before a
 * byte is read while the held ones complete; the declared bytes of all uploads at once are capped
 * (503); an upload whose client goes, or whose deadline passes, gives its slot back so the next one
 * is accepted; a link has only so many unused upload URLs; and a 410 for a link whose request ended
 * (or that expired) costs the address nothing, while tokens that match no link still count.
 *
 * An upload is "held" by sending half its body and waiting, with the api's own count of uploads
 * being received (`app.linkUploads`) showing when it holds its slot: nothing here waits on time.
 * The requests ended from the api (cancel, complete) answer 200 whatever their workflows' first
 * messages are doing meanwhile; on a failure the answer and the api's error lines are printed.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { hashLinkToken } from '../../../db/follow-ups';
import { call, startTestApi, type TestApi } from '../../harness/api';
import { minimalPdf } from '../../fixtures/files/pdf';
import { createFollowUp, eventually, inDays, startStack, type Stack } from './helpers';

const LIMITS = { perLink: 2, perIp: 3, memoryBytes: 100 * 1024, urlsPerLink: 4 };
const MAX_FILE_BYTES = 64 * 1024;
const FAILURES_PER_IP = 3;

type Answer = { status: number; headers: http.IncomingHttpHeaders; body: { error?: { code: string; details?: Record<string, unknown> } } & Record<string, unknown> };

describe('limits of the client link', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ dayMs: 12_000, followUps: { maxFileBytes: MAX_FILE_BYTES, linkUploads: LIMITS, linkThrottle: { requestsPerIp: 10_000, failuresPerIp: FAILURES_PER_IP, windowSeconds: 900 } } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const clientId = () => stack.firm.clients[0]!.id;

  /** A follow-up with a link to it; its second item stays outstanding so uploads to the first never end it. */
  async function requestWithLink(title: string, expiresAt = new Date(Date.now() + 86_400_000)) {
    const created = await createFollowUp(stack, clientId(), { title, dueDate: inDays(6), items: [{ description: 'Purchase bills' }, { description: 'Bank statement' }] });
    expect(created.status).toBe(201);
    const token = randomBytes(32).toString('base64url');
    const [link] = await stack.db.owner('follow_up_links').insert({ firm_id: stack.firm.id, client_id: clientId(), follow_up_id: created.body.id, token_hash: hashLinkToken(token), expires_at: expiresAt }).returning('id');
    return { followUpId: created.body.id as string, itemId: created.body.items[0].id as string, token, linkId: (link as { id: string }).id };
  }

  /** Asks for an upload URL for `bytes` (through `api`, the stack's by default); answers the path of the PUT. */
  async function declare(token: string, itemId: string, bytes: Buffer, api: TestApi = stack.api) {
    const res = await call(api, 'POST', `/api/requests/${token}/items/${itemId}/uploads`, { body: { filename: 'bills.pdf', contentType: 'application/pdf', size: bytes.length } });
    return { res, path: res.status === 201 ? `${new URL(res.body.uploadUrl as string).pathname}${new URL(res.body.uploadUrl as string).search}` : '' };
  }

  function answerOf(res: http.IncomingMessage): Promise<Answer> {
    return new Promise((resolve, reject) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : {} }));
      res.on('error', reject);
    });
  }

  /** A PUT whose first half is sent now; `finish` sends the rest, `abort` drops the connection. */
  function holdUpload(api: TestApi, path: string, bytes: Buffer) {
    const u = new URL(api.url);
    let req!: http.ClientRequest;
    const answer = new Promise<Answer>((resolve, reject) => {
      req = http.request({ host: u.hostname, port: u.port, path, method: 'PUT', agent: false, headers: { 'content-length': bytes.length, 'content-type': 'application/pdf' } }, (res) => answerOf(res).then(resolve, reject));
      req.on('error', reject);
    });
    const half = Math.floor(bytes.length / 2);
    req.write(bytes.subarray(0, half));
    return {
      answer,
      finish: () => {
        req.end(bytes.subarray(half));
        return answer;
      },
      abort: () => {
        answer.catch(() => undefined);
        req.destroy();
      },
    };
  }

  /** A whole PUT at once. */
  function put(api: TestApi, path: string, bytes: Buffer): Promise<Answer> {
    const u = new URL(api.url);
    return new Promise((resolve, reject) => {
      const req = http.request({ host: u.hostname, port: u.port, path, method: 'PUT', agent: false, headers: { 'content-length': bytes.length, 'content-type': 'application/pdf' } }, (res) => answerOf(res).then(resolve, reject));
      req.on('error', reject);
      req.end(bytes);
    });
  }

  const held = (api: TestApi, linkId: string) => api.app.linkUploads.held('link', linkId);
  /** The statuses of a link's upload URLs (rows of follow_up_files), oldest first. */
  async function filesOf(linkId: string): Promise<string[]> {
    const rows = await stack.db.owner('follow_up_files').where({ link_id: linkId }).orderBy('created_at').select('status');
    return rows.map((r: { status: string }) => r.status);
  }

  it('uploads of one link beyond its cap get 429 before a byte is read, while the held ones complete', async () => {
    const { token, itemId, linkId } = await requestWithLink('Per link');
    const files = [0, 1, 2].map((i) => minimalPdf(`per link ${i}`));
    const paths = await Promise.all(files.map(async (f) => (await declare(token, itemId, f)).path));
    const first = holdUpload(stack.api, paths[0]!, files[0]!);
    const second = holdUpload(stack.api, paths[1]!, files[1]!);
    await eventually('both uploads to hold a slot of the link', () => held(stack.api, linkId) === LIMITS.perLink);
    const third = await put(stack.api, paths[2]!, files[2]!);
    // Connection: close, so the client stops sending a body nobody reads.
    expect({ status: third.status, code: third.body.error?.code, limit: third.body.error?.details?.limit, retryAfter: third.headers['retry-after'], connection: third.headers.connection }).toEqual({ status: 429, code: 'rate_limited', limit: 'uploads_per_link', retryAfter: '10', connection: 'close' });
    // Refused before its bytes were read: nothing written, the URL unused.
    expect(await filesOf(linkId)).toEqual(['awaiting_upload', 'awaiting_upload', 'awaiting_upload']);
    const done = await Promise.all([first.finish(), second.finish()]);
    expect(done.map((d) => [d.status, d.body.duplicate])).toEqual([[200, false], [200, false]]);
    expect(held(stack.api, linkId)).toBe(0);
    // The same URL again, now that the others are done.
    expect((await put(stack.api, paths[2]!, files[2]!)).status).toBe(200);
    expect(await filesOf(linkId)).toEqual(['received', 'received', 'received']);
  });

  it('uploads from one address beyond its cap get 429 over all its links', async () => {
    const a = await requestWithLink('Per address A');
    const b = await requestWithLink('Per address B');
    const files = [0, 1, 2, 3].map((i) => minimalPdf(`per address ${i}`));
    const paths = [(await declare(a.token, a.itemId, files[0]!)).path, (await declare(a.token, a.itemId, files[1]!)).path, (await declare(b.token, b.itemId, files[2]!)).path, (await declare(b.token, b.itemId, files[3]!)).path];
    const holding = [holdUpload(stack.api, paths[0]!, files[0]!), holdUpload(stack.api, paths[1]!, files[1]!), holdUpload(stack.api, paths[2]!, files[2]!)];
    await eventually('three uploads from this address to hold slots', () => held(stack.api, a.linkId) === 2 && held(stack.api, b.linkId) === 1);
    // Link B holds one of its two, but the address holds all three of its own.
    const fourth = await put(stack.api, paths[3]!, files[3]!);
    expect({ status: fourth.status, code: fourth.body.error?.code, limit: fourth.body.error?.details?.limit, retryAfter: fourth.headers['retry-after'] }).toEqual({ status: 429, code: 'rate_limited', limit: 'uploads_per_ip', retryAfter: '10' });
    expect((await Promise.all(holding.map((h) => h.finish()))).map((d) => d.status)).toEqual([200, 200, 200]);
    expect((await put(stack.api, paths[3]!, files[3]!)).status).toBe(200);
  });

  it('the declared bytes of all uploads at once are capped: 503 unavailable while the held one completes', async () => {
    const a = await requestWithLink('Memory A');
    const b = await requestWithLink('Memory B');
    // Each well under the file cap, two together over the memory cap.
    const big = [minimalPdf('a'.repeat(60 * 1024)), minimalPdf('b'.repeat(60 * 1024))];
    expect(big.every((f) => f.length < MAX_FILE_BYTES && f.length * 2 > LIMITS.memoryBytes)).toBe(true);
    const pathA = (await declare(a.token, a.itemId, big[0]!)).path;
    const pathB = (await declare(b.token, b.itemId, big[1]!)).path;
    const holding = holdUpload(stack.api, pathA, big[0]!);
    await eventually('the first large upload to hold its bytes', () => stack.api.app.linkUploads.bytesHeld() === big[0]!.length);
    const refused = await put(stack.api, pathB, big[1]!);
    expect({ status: refused.status, code: refused.body.error?.code, retryAfter: refused.headers['retry-after'], connection: refused.headers.connection }).toEqual({ status: 503, code: 'unavailable', retryAfter: '10', connection: 'close' });
    expect(await filesOf(b.linkId)).toEqual(['awaiting_upload']);
    expect((await holding.finish()).status).toBe(200);
    expect(stack.api.app.linkUploads.bytesHeld()).toBe(0);
    expect((await put(stack.api, pathB, big[1]!)).status).toBe(200);
  });

  it('an upload whose client goes gives its slot back at once: the next one is accepted, and its URL still works', async () => {
    const { token, itemId, linkId } = await requestWithLink('Client goes');
    const files = [0, 1, 2].map((i) => minimalPdf(`client goes ${i}`));
    const paths = await Promise.all(files.map(async (f) => (await declare(token, itemId, f)).path));
    const gone = holdUpload(stack.api, paths[0]!, files[0]!);
    const staying = holdUpload(stack.api, paths[1]!, files[1]!);
    await eventually('both uploads to hold a slot of the link', () => held(stack.api, linkId) === 2);
    expect((await put(stack.api, paths[2]!, files[2]!)).status).toBe(429);
    const logged = stack.api.logs.lines.length;
    gone.abort();
    await eventually('the gone upload to give its slot back', () => held(stack.api, linkId) === 1);
    // A client that went is its own choice: logged as such (499), never as a failure of ours.
    const lines = stack.api.logs.lines.slice(logged).map((l) => JSON.parse(l) as { level: number; msg: string; path?: string });
    expect(lines.filter((l) => l.msg === 'client closed request' && l.path === '/api/request-uploads')).toHaveLength(1);
    expect(lines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
    expect((await put(stack.api, paths[2]!, files[2]!)).status).toBe(200);
    // Nothing of the gone upload was stored: its URL takes the file.
    expect((await put(stack.api, paths[0]!, files[0]!)).status).toBe(200);
    expect((await staying.finish()).status).toBe(200);
    expect(await filesOf(linkId)).toEqual(['received', 'received', 'received']);
  });

  it('an upload past its deadline stops reading and gives its slot back: the next one is accepted', async () => {
    // An api of its own with a short upload deadline and one upload per link. Nothing here depends on
    // how long the checks before the bytes take: the slots' count of grants only grows, so it shows
    // the stalled upload took the slot, and then gave it back, whenever that happened.
    const shortApi = await startTestApi(stack.db, { maxSessionsPerUser: 5 }, { taskQueue: stack.taskQueue, followUps: { dayMs: 12_000, maxFileBytes: MAX_FILE_BYTES, linkUploads: { ...LIMITS, perLink: 1 } }, limits: { uploadTimeoutMs: 30_000 } });
    try {
      const { token, itemId, linkId } = await requestWithLink('Deadline');
      const files = [minimalPdf('deadline 0'), minimalPdf('deadline 1')];
      const paths = [(await declare(token, itemId, files[0]!, shortApi)).path, (await declare(token, itemId, files[1]!, shortApi)).path];
      const granted = shortApi.app.linkUploads.taken();
      const stalled = holdUpload(shortApi, paths[0]!, files[0]!);
      const timedOut = await stalled.answer;
      expect({ status: timedOut.status, code: timedOut.body.error?.code, connection: timedOut.headers.connection }).toEqual({ status: 503, code: 'request_timeout', connection: 'close' });
      await eventually('the timed-out upload to have taken the slot and given it back', () => shortApi.app.linkUploads.taken() === granted + 1 && held(shortApi, linkId) === 0 && shortApi.app.linkUploads.bytesHeld() === 0);
      expect((await put(shortApi, paths[1]!, files[1]!)).status).toBe(200);
      expect(shortApi.app.linkUploads.taken()).toBe(granted + 2);
      // The timed-out upload stored nothing; its URL is unused.
      expect(await filesOf(linkId)).toEqual(['awaiting_upload', 'received']);
    } finally {
      await shortApi.close();
    }
  });

  it('a link has only so many unused upload URLs; two asked at once for the last place get one', async () => {
    const { token, itemId, linkId } = await requestWithLink('URLs');
    const files = [0, 1, 2, 3, 4].map((i) => minimalPdf(`url ${i}`));
    const first = await Promise.all(files.slice(0, 3).map((f) => declare(token, itemId, f)));
    expect(first.map((d) => d.res.status)).toEqual([201, 201, 201]);
    const race = await Promise.all([files[3]!, files[4]!].map((f) => declare(token, itemId, f)));
    expect(race.map((r) => r.res.status).sort()).toEqual([201, 429]);
    const refused = race.find((r) => r.res.status === 429)!.res;
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect({ code: refused.body.error.code, limit: refused.body.error.details.limit, retryAfterInRange: retryAfter >= 1 && retryAfter <= 15 * 60 }).toEqual({ code: 'rate_limited', limit: 'upload_urls_per_link', retryAfterInRange: true });
    expect(await filesOf(linkId)).toEqual(Array(LIMITS.urlsPerLink).fill('awaiting_upload'));
    // A URL used is no longer unused: the link may ask for another.
    expect((await put(stack.api, first[0]!.path, files[0]!)).status).toBe(200);
    expect((await declare(token, itemId, files[4]!)).res.status).toBe(201);
  });

  // Last: it uses up this address's allowance of unknown tokens.
  it('a 410 for a link whose request ended, or that expired, does not count against the address; unknown tokens do', async () => {
    const cancelled = await requestWithLink('Cancelled');
    const completed = await requestWithLink('Completed');
    const expired = await requestWithLink('Expired', new Date(Date.now() - 60_000));
    for (const [step, id] of [['cancel', cancelled.followUpId], ['complete', completed.followUpId]] as const) {
      const logged = stack.api.logs.lines.length;
      const res = await call(stack.api, 'POST', `/api/follow-ups/${id}/${step}`, { token: stack.tokens.manager, body: {} });
      // On failure: the answer and the api's error-level lines say why.
      const errors = stack.api.logs.lines.slice(logged).filter((l) => (JSON.parse(l) as { level: number }).level >= 50);
      expect({ step, status: res.status, ...(res.status === 200 ? {} : { body: res.body, errors }) }).toEqual({ step, status: 200 });
    }
    const revoked = await stack.db.owner('follow_up_links').whereIn('id', [cancelled.linkId, completed.linkId]).whereNotNull('revoked_at');
    expect(revoked).toHaveLength(2);
    const answers: Array<[string, number, string]> = [];
    for (let i = 0; i < FAILURES_PER_IP * 2; i += 1) {
      for (const [name, link] of [['cancelled', cancelled], ['completed', completed], ['expired', expired]] as const) {
        const res = await call(stack.api, 'GET', `/api/requests/${link.token}`);
        answers.push([name, res.status, res.body?.error?.code]);
      }
    }
    expect(answers.filter(([, status, code]) => status !== 410 || code !== 'link_expired')).toEqual([]);
    const failures = async () => Number((await stack.db.owner('rate_limits').where('key', 'like', 'link_fail_ip%').first())?.points ?? 0);
    expect(await failures()).toBe(0);
    // A well-formed token that matches no link is a guess: the address is refused after FAILURES_PER_IP of them.
    const guesses: number[] = [];
    for (let i = 0; i <= FAILURES_PER_IP; i += 1) guesses.push((await call(stack.api, 'GET', `/api/requests/${randomBytes(32).toString('base64url')}`)).status);
    expect(guesses).toEqual([...Array(FAILURES_PER_IP).fill(410), 429]);
    expect(await failures()).toBe(FAILURES_PER_IP);
  });
});
