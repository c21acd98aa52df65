/**
 * Uploads through the client's link on the real stack: a slow upload gets the upload deadline, not
 * the short one, and holds no lock on the request while its bytes arrive; one URL takes one file
 * (two at once: one stored, one 403; a replay 403); the same file twice on one item (a double
 * click) is stored once and acknowledged once; the type comes from the name, the content and the
 * browser's aliases; a client's own user reads a follow-up without the firm's workings (no
 * workflow, owner, snooze, reconciliation run, result rows or mail server ids); a token
 * that cannot be one answers 410 link_expired and counts toward the guessing limit.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { hashLinkToken } from '../../../db/follow-ups';
import { call } from '../../harness/api';
import { caughtTo } from '../../harness/mail';
import { clientEmail, createFollowUp, eventually, inDays, PDF_BYTES, startStack, uploadThroughLink, type Stack } from './helpers';
import { minimalPdf } from '../../fixtures/files/pdf';

/** The normal deadline of this stack: short, so a trickled upload outlives it in a few seconds. */
const REQUEST_TIMEOUT_MS = 6_000;

describe('uploads through the client link', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ dayMs: 12_000, limits: { requestTimeoutMs: REQUEST_TIMEOUT_MS } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const clientId = () => stack.firm.clients[0]!.id;

  /** A follow-up with a link to it (its token's hash stored, as the sender stores it). */
  async function requestWithLink(title: string, items: string[]) {
    const created = await createFollowUp(stack, clientId(), { title, dueDate: inDays(6), items: items.map((description) => ({ description, period: '2026-11' })) });
    expect(created.status).toBe(201);
    const token = randomBytes(32).toString('base64url');
    await stack.db.owner('follow_up_links').insert({ firm_id: stack.firm.id, client_id: clientId(), follow_up_id: created.body.id, token_hash: hashLinkToken(token), expires_at: new Date(Date.now() + 86_400_000) });
    return { followUp: created.body as { id: string; items: Array<{ id: string }> }, token };
  }

  async function declare(token: string, itemId: string, body: { filename: string; contentType: string; size: number }) {
    const res = await call(stack.api, 'POST', `/api/requests/${token}/items/${itemId}/uploads`, { body });
    return res;
  }

  function putUrl(uploadUrl: string): string {
    const url = new URL(uploadUrl);
    return `${stack.api.url}${url.pathname}${url.search}`;
  }

  /** PUTs `bytes` in `parts` pieces, `gapMs` apart: a slow connection. */
  function trickle(url: string, bytes: Buffer, parts: number, gapMs: number): Promise<{ status: number; body: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const u = new URL(url);
      const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: 'PUT', headers: { 'content-length': bytes.length, 'content-type': 'application/pdf' } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} }));
      });
      req.on('error', reject);
      const size = Math.ceil(bytes.length / parts);
      let sent = 0;
      const next = () => {
        if (sent >= bytes.length) return req.end();
        req.write(bytes.subarray(sent, sent + size));
        sent += size;
        setTimeout(next, gapMs);
      };
      next();
    });
  }

  it('a slow upload outlives the normal deadline, and the request is not locked while its bytes arrive', async () => {
    const { followUp, token } = await requestWithLink('Slow line', ['Purchase bills', 'Bank statement']);
    const [bills, bank] = followUp.items;
    const bytes = minimalPdf('slow upload '.repeat(200));
    const declared = await declare(token, bills!.id, { filename: 'bills.pdf', contentType: 'application/pdf', size: bytes.length });
    expect(declared.status).toBe(201);
    const started = Date.now();
    // About 2.5 times the normal deadline.
    const slow = trickle(putUrl(declared.body.uploadUrl as string), bytes, 10, REQUEST_TIMEOUT_MS / 4);
    // Meanwhile the client answers another item: that takes the request's row, which the upload does not hold.
    await new Promise((r) => setTimeout(r, REQUEST_TIMEOUT_MS / 2));
    const answer = await call(stack.api, 'POST', `/api/requests/${token}/items/${bank!.id}/not-applicable`, { body: { reason: 'no bank account' } });
    expect({ status: answer.status, stillUploading: Date.now() - started < REQUEST_TIMEOUT_MS * 2 }).toEqual({ status: 200, stillUploading: true });
    const done = await slow;
    expect(Date.now() - started).toBeGreaterThan(REQUEST_TIMEOUT_MS);
    expect(done).toMatchObject({ status: 200, body: { itemId: bills!.id, size: bytes.length, duplicate: false, outstanding: 0 } });
    const stored = await stack.db.owner('follow_up_files').where({ item_id: bills!.id, status: 'received' });
    expect(stored.map((f) => Number(f.size_bytes))).toEqual([bytes.length]);
  });

  it('one URL takes one file: two PUTs at once store one (the other 403), and a replay is 403', async () => {
    const { followUp, token } = await requestWithLink('One URL', ['Invoices', 'Other']);
    const item = followUp.items[0]!;
    const declared = await declare(token, item.id, { filename: 'bills.pdf', contentType: 'application/pdf', size: PDF_BYTES.length });
    const url = putUrl(declared.body.uploadUrl as string);
    const both = await Promise.all([0, 1].map(() => fetch(url, { method: 'PUT', body: PDF_BYTES }).then(async (r) => ({ status: r.status, code: r.ok ? null : ((await r.json()) as { error: { code: string } }).error.code }))));
    expect(both.map((r) => r.status).sort()).toEqual([200, 403]);
    expect(both.find((r) => r.status === 403)?.code).toBe('upload_url_used');
    const replay = await fetch(url, { method: 'PUT', body: PDF_BYTES });
    expect(replay.status).toBe(403);
    expect(await stack.db.owner('follow_up_files').where({ item_id: item.id, status: 'received' })).toHaveLength(1);
  });

  it('the same file twice on one item (a double click) is stored once and acknowledged once', async () => {
    const to = await clientEmail(stack, clientId());
    const { followUp, token } = await requestWithLink('Double click', ['Sales register', 'Rent agreement', 'GST challans']);
    const [sales, rent, challans] = followUp.items;
    const bytes = minimalPdf('sales register');
    const first = await uploadThroughLink(stack, token, sales!.id, bytes);
    const again = await uploadThroughLink(stack, token, sales!.id, bytes);
    expect(first.put).toMatchObject({ status: 200, body: { itemId: sales!.id, duplicate: false, outstanding: 2 } });
    expect(again.put).toMatchObject({ status: 200, body: { fileId: first.put!.body.fileId, itemId: sales!.id, duplicate: true, outstanding: 2 } });
    // Two at once (two URLs, one file): one stored.
    const twin = minimalPdf('rent agreement');
    const pair = await Promise.all([0, 1].map(() => uploadThroughLink(stack, token, rent!.id, twin)));
    expect(pair.map((p) => p.put?.status)).toEqual([200, 200]);
    expect(pair.map((p) => p.put?.body.duplicate).sort()).toEqual([false, true]);
    expect(new Set(pair.map((p) => p.put?.body.fileId)).size).toBe(1);
    // A different file on the same item is a second file.
    const other = await uploadThroughLink(stack, token, sales!.id, minimalPdf('sales register, page 2'));
    expect(other.put).toMatchObject({ status: 200, body: { duplicate: false } });
    const stored = await stack.db.owner('follow_up_files').where({ follow_up_id: followUp.id, status: 'received' });
    expect(stored.filter((f) => f.item_id === sales!.id)).toHaveLength(2);
    expect(stored.filter((f) => f.item_id === rent!.id)).toHaveLength(1);
    // The duplicates' URLs are used up, each audited as a duplicate.
    const spent = await stack.db.owner('follow_up_files').where({ follow_up_id: followUp.id, status: 'rejected' });
    expect(spent).toHaveLength(2);
    const audited = await stack.db.owner('audit_events').where({ firm_id: stack.firm.id, action: 'follow_up.upload_duplicate' }).whereIn('entity_id', spent.map((f) => f.id));
    expect(audited).toHaveLength(2);
    const staffView = await call(stack.api, 'GET', `/api/follow-ups/${followUp.id}`, { token: stack.tokens.staff });
    expect(staffView.body.items[0].files).toHaveLength(2);

    // Acknowledgements go in order: once the last upload's is sent, a duplicate's would have gone before it.
    const last = await uploadThroughLink(stack, token, challans!.id, minimalPdf('challans'));
    expect(last.put?.status).toBe(200);
    const acks = async () => stack.db.owner('outbox').where({ follow_up_id: followUp.id, template: 'acknowledgement' }).orderBy('created_at');
    await eventually('the last acknowledgement sent', async () => (await acks()).some((a) => a.status === 'sent' && (a.items_listed as string[]).includes(challans!.id)));
    const rows = await acks();
    // First file of sales, the rent agreement, the second file of sales, the challans: four, never the duplicates.
    expect(rows.map((a) => (a.items_listed as string[])[0])).toEqual([sales!.id, rent!.id, sales!.id, challans!.id]);
    const caught = (await caughtTo(to)).filter((m) => m.Subject.includes('received') && m.Subject.includes('Double click'));
    expect(caught).toHaveLength(4);
  });

  it('the same file twice on the last item: the first completes the request, the second answers duplicate and writes nothing', async () => {
    const { followUp, token } = await requestWithLink('Last item double click', ['Purchase register']);
    const item = followUp.items[0]!;
    const bytes = minimalPdf('last item');
    // Both URLs are issued before either PUT (two clicks), then the PUTs arrive one after the other.
    const urls = await Promise.all([1, 2].map(async () => {
      const res = await declare(token, item.id, { filename: 'purchases.pdf', contentType: 'application/pdf', size: bytes.length });
      expect(res.status).toBe(201);
      return putUrl(res.body.uploadUrl as string);
    }));
    const first = await fetch(urls[0]!, { method: 'PUT', body: bytes });
    const firstBody = (await first.json()) as Record<string, unknown>;
    expect({ status: first.status, body: firstBody }).toMatchObject({ status: 200, body: { duplicate: false, outstanding: 0 } });
    expect((await stack.db.owner('follow_ups').where({ id: followUp.id }).first('status')).status).toBe('completed');
    const second = await fetch(urls[1]!, { method: 'PUT', body: bytes });
    expect({ status: second.status, body: await second.json() }).toMatchObject({ status: 200, body: { fileId: firstBody.fileId, duplicate: true, outstanding: 0 } });
    // One file stored; the second URL is spent (a replay is 403).
    expect(await stack.db.owner('follow_up_files').where({ item_id: item.id, status: 'received' })).toHaveLength(1);
    expect((await stack.db.owner('follow_up_files').where({ item_id: item.id }).whereNot({ status: 'received' })).map((f: { status: string }) => f.status)).toEqual(['rejected']);
    expect((await fetch(urls[1]!, { method: 'PUT', body: bytes })).status).toBe(403);
  });

  it('decides the type from the name, the content and the browser\'s aliases, and says what it found', async () => {
    const { followUp, token } = await requestWithLink('Types', ['Register', 'Photo', 'Notes']);
    const [register, photo, notes] = followUp.items;
    // Windows with Excel labels a CSV as an Excel file.
    const csv = Buffer.from('invoice,amount\nINV-1,100\n');
    const named = await declare(token, register!.id, { filename: 'register.csv', contentType: 'application/vnd.ms-excel', size: csv.length });
    expect(named.status).toBe(201);
    const put = await fetch(putUrl(named.body.uploadUrl as string), { method: 'PUT', body: csv, headers: { 'content-type': 'application/vnd.ms-excel' } });
    expect({ status: put.status, body: await put.json() }).toMatchObject({ status: 200, body: { contentType: 'text/csv' } });
    // image/jpg, as some browsers say.
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]);
    const jpg = await declare(token, photo!.id, { filename: 'photo', contentType: 'image/jpg', size: jpeg.length });
    expect(jpg.status).toBe(201);
    expect((await fetch(putUrl(jpg.body.uploadUrl as string), { method: 'PUT', body: jpeg })).status).toBe(200);
    // A text file is refused by its name and type, in words.
    const txt = await declare(token, notes!.id, { filename: 'notes.txt', contentType: 'text/plain', size: 5 });
    expect(txt.status).toBe(415);
    expect(txt.body.error.message).toMatch(/^This is a \.txt file \(text\/plain\), which is not accepted\. Upload one of: PDF/);
    // Content that is no accepted type is named.
    const xls = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(64)]);
    const legacy = await declare(token, notes!.id, { filename: 'old.csv', contentType: 'application/vnd.ms-excel', size: xls.length });
    const refused = await fetch(putUrl(legacy.body.uploadUrl as string), { method: 'PUT', body: xls });
    const refusal = (await refused.json()) as { error: { code: string; message: string } };
    expect([refused.status, refusal.error.code]).toEqual([415, 'unsupported_type']);
    expect(refusal.error.message).toMatch(/^This file is a legacy Excel \(\.xls\)/);
  });

  it('a client\'s own user reads the follow-up without the firm\'s workings', async () => {
    const { followUp, token } = await requestWithLink('Portal view', ['Bills', 'More']);
    expect((await uploadThroughLink(stack, token, followUp.items[0]!.id, minimalPdf('portal'))).put?.status).toBe(200);
    // Once the first message went out, `sent` has an entry with the mail server's id.
    await eventually('the first message to be listed as sent', async () => (await call(stack.api, 'GET', `/api/follow-ups/${followUp.id}`, { token: stack.tokens.staff })).body.sent.length > 0);
    // The second item as a mismatch item names it (a supplier, the run's category and result row).
    await stack.db.owner('follow_up_items').where({ id: followUp.items[1]!.id }).update({ supplier_gstin: '27AAPFU0939F1ZV', category: 'mismatch', result_id: 'r-portal-view' });
    const staff = await call(stack.api, 'GET', `/api/follow-ups/${followUp.id}`, { token: stack.tokens.staff });
    expect(Object.keys(staff.body)).toEqual(expect.arrayContaining(['workflowId', 'ownerId', 'snoozedUntil', 'reconciliationRunId']));
    expect(staff.body.items[1]).toMatchObject({ supplierGstin: '27AAPFU0939F1ZV', category: 'mismatch', resultId: 'r-portal-view' });
    expect(Object.keys(staff.body.sent[0])).toEqual(expect.arrayContaining(['messageId', 'error']));
    expect(staff.body.escalations.length).toBeGreaterThan(0);
    const client = await call(stack.api, 'GET', `/api/follow-ups/${followUp.id}`, { token: stack.tokens.client });
    expect(client.status).toBe(200);
    const hidden = ['workflowId', 'ownerId', 'snoozedUntil', 'reconciliationRunId'].filter((field) => field in client.body);
    expect(hidden).toEqual([]);
    expect(client.body.items[1].supplierGstin).toBe('27AAPFU0939F1ZV');
    expect(client.body.items.map((i: Record<string, unknown>) => ['resultId', 'category'].filter((field) => field in i))).toEqual([[], []]);
    expect(client.body.escalations).toEqual([]);
    expect(JSON.stringify(client.body)).not.toMatch(/audience|reminders_unanswered|due_passed|r-portal-view/);
    expect(client.body.sent.length).toBe(staff.body.sent.length);
    for (const sent of client.body.sent as Array<Record<string, unknown>>) expect(['error', 'messageId'].filter((field) => field in sent)).toEqual([]);
    expect(client.body.items.map((i: { id: string }) => i.id)).toEqual(staff.body.items.map((i: { id: string }) => i.id));
    expect(client.body.items[0].files).toHaveLength(1);
    const list = await call(stack.api, 'GET', `/api/follow-ups?clientId=${clientId()}`, { token: stack.tokens.client });
    expect(list.status).toBe(200);
    expect(list.body.items.length).toBeGreaterThan(0);
    for (const row of list.body.items as Array<Record<string, unknown>>) {
      expect(['workflowId', 'ownerId', 'snoozedUntil', 'reconciliationRunId'].filter((field) => field in row)).toEqual([]);
    }
    const staffList = await call(stack.api, 'GET', `/api/follow-ups?clientId=${clientId()}`, { token: stack.tokens.staff });
    expect(Object.keys(staffList.body.items[0])).toEqual(expect.arrayContaining(['workflowId', 'ownerId', 'snoozedUntil', 'reconciliationRunId']));
  });

  // Last: it uses up this IP's allowance of unknown tokens.
  it('a token that cannot be one answers 410 link_expired, on every link route, and counts as a guess', async () => {
    const { followUp } = await requestWithLink('Malformed', ['Bills']);
    const item = followUp.items[0]!.id;
    for (const [method, path, body] of [
      ['GET', '/api/requests/abc', undefined],
      ['POST', `/api/requests/abc/items/${item}/uploads`, { filename: 'a.pdf', contentType: 'application/pdf', size: 10 }],
      ['POST', `/api/requests/has.dots.in.it.and.is.long.enough/items/${item}/not-applicable`, { reason: 'x' }],
      ['POST', '/api/requests/abc/items/not-an-id/not-applicable', { reason: 'x' }],
      ['POST', '/api/requests/abc/unsubscribe', undefined],
    ] as const) {
      const res = await call(stack.api, method, path, body ? { body } : {});
      expect({ path, status: res.status, code: res.body?.error?.code }).toEqual({ path, status: 410, code: 'link_expired' });
    }
    const counted = await stack.db.owner('rate_limits').where('key', 'like', 'link_fail_ip%').first();
    expect(Number(counted?.points)).toBe(5);
    let last = 0;
    for (let i = 0; i < 20 && last !== 429; i += 1) last = (await call(stack.api, 'GET', `/api/requests/x${i}`)).status;
    expect(last).toBe(429);
  });
});
