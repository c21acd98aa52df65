/**
 * Supplier chases on the real stack (api, worker, Temporal, PostgreSQL, Mailpit): from a completed
 * reconciliation, a letter to one supplier's address on the client's behalf, with that supplier's
 * statement attached and no checklist link; a later GSTR-2B import that shows some of its documents
 * marks those received, the next letter lists only the rest, and the import that shows the rest
 * completes the chase (its workflow ends, nothing more is sent). Refusals: a bad or missing address,
 * two suppliers, a GSTIN not in the run, a supplier whose documents a later 2B already shows,
 * another firm's run.
 */
import type { BooksRow, PortalDoc } from '../../../domain/recon';
import { toGstr2bJson } from '../../../ops/bench/recon-data';
import { call, login } from '../../harness/api';
import { createTestFirm } from '../../harness/factories';
import { caughtAttachments, caughtHeaders, caughtMessage, caughtTo, waitForCaught } from '../../harness/mail';
import { importFile, reconData } from '../recon/recon-helpers';
import { clientEmail, eventually, inDays, startStack, TEST_POLICY, type Stack } from './helpers';

jest.setTimeout(240_000);

const PERIOD = '2024-06';
const CHASED = ['missing_in_2b', 'mismatch'];

type Result = { id: string; category: string; supplierGstin: string; userStatus?: string; books: { invoiceNumber: string } | null };
type Item = { id: string; status: string; reason: string | null; resultId: string; category: string; supplierGstin: string; description: string };

describe('supplier chases from a reconciliation', () => {
  let stack: Stack;
  let runId: string;
  let results: Result[];
  let books: BooksRow[];
  let clientAddress: string;
  /** The supplier the first test chased, whose documents later GSTR-2B imports then showed. */
  let firstChased = '';
  const client = () => stack.firm.clients[0]!;
  // Due well beyond the tests (a business day lasts seconds here): a slow run on a loaded machine
  // must not meet a T-1 reminder the tests do not expect (they count every letter and message).
  // 37 days: the first reminder is T-1 (day 36); the policy's 30-day interval reminder would need
  // more than 7 days left after day 30.
  const DUE_IN_DAYS = 37;
  const chase = (body: Record<string, unknown>, token = stack.tokens.staff, run = runId) =>
    call(stack.api, 'POST', `/api/reconciliations/${run}/follow-ups`, { token, body: { dueDate: inDays(DUE_IN_DAYS), policy: TEST_POLICY, recipient: 'supplier', ...body } });
  const chasedOf = (gstin: string) => results.filter((r) => r.supplierGstin === gstin && CHASED.includes(r.category) && r.books && r.userStatus !== 'ignored');

  /** The books' document behind a result, as the later GSTR-2B must show it. */
  function booksDoc(r: Result): BooksRow {
    const found = books.find((b) => b.supplierGstin === r.supplierGstin && b.invoiceNumberRaw === r.books?.invoiceNumber);
    if (!found) throw new Error(`no books row for ${r.supplierGstin} ${r.books?.invoiceNumber}`);
    return found;
  }

  /** A GSTR-2B of `period` carrying these books documents as the supplier now reports them. */
  function laterTwoB(period: string, rows: Result[]): string {
    const portal: PortalDoc[] = rows.map((r, i) => {
      const b = booksDoc(r);
      const credit = b.docType === 'credit_note';
      return {
        ref: `${period}|${i}`,
        section: credit ? 'cdnr' : 'b2b',
        period,
        supplierGstin: b.supplierGstin,
        supplierName: b.supplierName ?? 'Supplier',
        supplierFilingDate: `${period}-11`,
        docType: credit ? 'credit_note' : 'invoice',
        numberRaw: b.invoiceNumberRaw,
        date: b.invoiceDate,
        invoiceValue: b.taxableValue + b.igst + b.cgst + b.sgst + b.cess,
        taxableValue: b.taxableValue,
        igst: b.igst,
        cgst: b.cgst,
        sgst: b.sgst,
        cess: b.cess,
        placeOfSupply: b.placeOfSupply,
        reverseCharge: false,
        itcAvailable: true,
      } as PortalDoc;
    });
    return toGstr2bJson({ recipientGstin: client().gstin, period, books: [], portal });
  }

  /** The supplier with the most documents to chase (at least two, so a partial 2B can be shown). */
  function supplierToChase(): string {
    const counts = new Map<string, number>();
    for (const r of results) if (CHASED.includes(r.category) && r.books && r.supplierGstin) counts.set(r.supplierGstin, (counts.get(r.supplierGstin) ?? 0) + 1);
    const [best] = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    if (!best || best[1] < 2) throw new Error(`no supplier with two documents to chase: ${JSON.stringify([...counts])}`);
    return best[0];
  }

  beforeAll(async () => {
    stack = await startStack();
    clientAddress = await clientEmail(stack, client().id);
    const data = reconData(client().gstin, 160, 11);
    books = data.books;
    const twoB = await importFile(stack.api, stack.tokens.staff!, client().id, 'gstr2b', PERIOD, data.twoB, 'application/json');
    const register = await importFile(stack.api, stack.tokens.staff!, client().id, 'purchase_register', PERIOD, data.csv, 'text/csv');
    const started = await call(stack.api, 'POST', `/api/clients/${client().id}/reconciliations`, { token: stack.tokens.staff, body: { period: PERIOD, registerImportId: register.importId, gstr2bImportId: twoB.importId } });
    expect(started.status).toBe(202);
    runId = started.body.runId;
    await eventually('the reconciliation to complete', async () => (await call(stack.api, 'GET', `/api/reconciliations/${runId}`, { token: stack.tokens.staff })).body.status === 'completed');
    const res = await call(stack.api, 'GET', `/api/reconciliations/${runId}/results?limit=500`, { token: stack.tokens.staff });
    expect(res.body.nextCursor).toBeNull();
    results = res.body.items;
  });
  afterAll(async () => {
    await stack?.close();
  });

  /**
   * A nudge that sent a letter, waited for as a condition rather than a fixed time. On the compressed
   * clock a day lasts seconds, and the chase's workflow dates a sent letter by its planned time while
   * the outbox's one-letter-a-day rule dates it by when it was written: under load the first letter
   * can be written a day after it was planned, so a nudge the workflow accepts (202) on that day is
   * skipped by the daily rule (`status: "skipped"`) and sends nothing. Timing refusals (quiet hours,
   * already sent today) and such a skip are waited through; anything else is returned to be checked.
   */
  async function sentNudge(followUpId: string) {
    const attempt = await call(stack.api, 'POST', `/api/follow-ups/${followUpId}/nudge`, { token: stack.tokens.staff });
    if (attempt.status === 422 && ['quiet_hours', 'already_sent_today', 'first_message_pending'].includes(attempt.body.error?.code)) return false;
    if (attempt.status === 202 && attempt.body.status === 'skipped') return false;
    return attempt;
  }

  it('writes to the supplier with its statement and no link, and stops as later GSTR-2B imports show its documents', async () => {
    const gstin = supplierToChase();
    firstChased = gstin;
    const stamp = Date.now();
    const supplierAddress = `accounts-${stamp}@supplier.example`;
    const expected = chasedOf(gstin);
    // Typed as people paste it: the one email rule (domain/email.ts) stores the mailbox trimmed and in lower case.
    const created = await chase({ supplierGstins: [gstin], supplierEmail: ` Accounts-${stamp}@Supplier.EXAMPLE ` });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ recipient: 'supplier', supplierEmail: supplierAddress, reconciliationRunId: runId });
    expect((await stack.db.owner('follow_ups').where({ id: created.body.id }).first()).supplier_email).toBe(supplierAddress);
    const items = created.body.items as Item[];
    expect(items.map((i) => [i.resultId, i.category, i.supplierGstin, i.status])).toEqual(expected.map((r) => [r.id, r.category, gstin, 'outstanding']));
    for (const [i, item] of items.entries()) {
      expect(item.description).toContain(expected[i]!.books!.invoiceNumber);
      expect(item.description).toMatch(item.category === 'missing_in_2b' ? /report it in your GSTR-1/ : /amend it in your GSTR-1/);
    }

    // The letter: to the supplier, replies to the client, the statement attached, no checklist link.
    const [letter] = await waitForCaught(supplierAddress, 1);
    const message = await caughtMessage(letter!.ID);
    expect(message.Text).toContain(`on behalf of ${client().name} (GSTIN ${client().gstin})`);
    expect(message.Text).toContain('GSTR-1');
    for (const r of expected) expect(message.Text).toContain(r.books!.invoiceNumber);
    expect(message.Text).not.toMatch(/\/r\/[A-Za-z0-9_-]{20,}/);
    expect(message.HTML).not.toMatch(/\/r\/[A-Za-z0-9_-]{20,}/);
    const headers = await caughtHeaders(letter!.ID);
    expect((headers['Reply-To'] ?? []).join(' ')).toContain(clientAddress);
    expect((headers.Cc ?? []).join(' ')).toContain(clientAddress);
    expect(headers['List-Unsubscribe']).toBeUndefined();
    const filename = `reconciliation-${client().gstin}-${PERIOD}-${gstin}.xlsx`;
    expect((await caughtAttachments(letter!.ID)).map((f) => f.filename)).toEqual([filename]);
    // Nothing went to the client as a checklist of its own.
    expect(await caughtTo(clientAddress)).toEqual([]);

    // A later 2B shows the first document: that item is received, the chase goes on.
    const [first, ...rest] = expected;
    const july = await importFile(stack.api, stack.tokens.staff!, client().id, 'gstr2b', '2024-07', laterTwoB('2024-07', [first!]), 'application/json');
    expect([july.uploaded.status, july.uploaded.text]).toEqual([200, expect.any(String)]);
    const partial = await call(stack.api, 'GET', `/api/follow-ups/${created.body.id}`, { token: stack.tokens.staff });
    expect(partial.body.status).toBe('open');
    expect((partial.body.items as Item[]).map((i) => [i.resultId, i.status, i.reason])).toEqual(
      expected.map((r) => (r === first ? [r.id, 'received', 'shown in GSTR-2B 2024-07'] : [r.id, 'outstanding', null])),
    );

    // Free-text items cannot be added: only a GSTR-2B settles a supplier chase.
    const added = await call(stack.api, 'PATCH', `/api/follow-ups/${created.body.id}`, { token: stack.tokens.staff, body: { items: [{ description: 'Anything else' }] } });
    expect([added.status, added.body.error?.code]).toEqual([422, 'supplier_chase_items_fixed']);

    // The next letter (a nudge on a later day) lists only what the 2B does not show yet.
    const nudged = await eventually('a nudge letter to be sent on a later day', () => sentNudge(created.body.id), 60_000, 250);
    expect([nudged.status, nudged.body.status]).toEqual([202, 'sent']);
    const letters = await waitForCaught(supplierAddress, 2);
    const second = await caughtMessage(letters[1]!.ID);
    expect(second.Text).not.toContain(`${first!.books!.invoiceNumber} of `);
    for (const r of rest) expect(second.Text).toContain(r.books!.invoiceNumber);

    // The next 2B shows the rest: the chase completes, its workflow ends, and nothing more is sent.
    const august = await importFile(stack.api, stack.tokens.staff!, client().id, 'gstr2b', '2024-08', laterTwoB('2024-08', rest), 'application/json');
    expect([august.uploaded.status, august.uploaded.text]).toEqual([200, expect.any(String)]);
    const done = await call(stack.api, 'GET', `/api/follow-ups/${created.body.id}`, { token: stack.tokens.staff });
    expect(done.body.status).toBe('completed');
    expect((done.body.items as Item[]).filter((i) => i.status !== 'received')).toEqual([]);
    expect((done.body.items as Item[]).slice(1).map((i) => i.reason)).toEqual(rest.map(() => 'shown in GSTR-2B 2024-08'));
    expect(await stack.temporal.client.workflow.getHandle(created.body.workflowId).result()).toEqual({ state: 'completed' });
    const outbox = await stack.db.owner('outbox').where({ follow_up_id: created.body.id }).whereIn('status', ['sending', 'sent']);
    expect(outbox.map((m: { audience: string; recipient: string }) => [m.audience, m.recipient])).toEqual([
      ['supplier', supplierAddress],
      ['supplier', supplierAddress],
    ]);
    expect(await caughtTo(supplierAddress)).toHaveLength(2);
    // The items' change is audited under its own action.
    const audited = await stack.db.owner('audit_events').where({ firm_id: stack.firm.id, action: 'follow_up_item.shown_in_2b' }).count('* as n').first();
    expect(Number((audited as { n: string }).n)).toBe(expected.length);
  });

  it("keeps the client's daily message and the supplier's letters apart: neither merges into nor counts against the other", async () => {
    const counts = new Map<string, number>();
    for (const r of results) if (r.category === 'missing_in_2b' && r.books && r.supplierGstin) counts.set(r.supplierGstin, (counts.get(r.supplierGstin) ?? 0) + 1);
    const busy = new Set((await stack.db.owner('follow_up_items').where({ status: 'outstanding' }).whereNotNull('supplier_gstin').select('supplier_gstin')).map((r: { supplier_gstin: string }) => r.supplier_gstin));
    const gstin = [...counts.keys()].sort().find((g) => !busy.has(g));
    if (!gstin) throw new Error('no second supplier with documents missing in GSTR-2B');
    const stamp = Date.now();
    const supplierAddress = `gst-${stamp}@second-supplier.example`;
    const before = (await caughtTo(clientAddress)).length;

    const request = await call(stack.api, 'POST', `/api/clients/${client().id}/follow-ups`, { token: stack.tokens.staff, body: { title: 'Bank statement', items: [{ description: 'June bank statement' }], dueDate: inDays(DUE_IN_DAYS), policy: TEST_POLICY } });
    expect(request.status).toBe(201);
    // With capitals: the letters, the outbox and the supplier's one-letter-a-day lookup all use the lower-cased address.
    const created = await chase({ supplierGstins: [gstin], supplierEmail: `GST-${stamp}@Second-Supplier.Example` });
    expect(created.status).toBe(201);
    await waitForCaught(supplierAddress, 1);
    // A second client request the same day: its message lists both client requests, never the supplier chase.
    const second = await call(stack.api, 'POST', `/api/clients/${client().id}/follow-ups`, { token: stack.tokens.staff, body: { title: 'Sales invoices', items: [{ description: 'June sales register' }], dueDate: inDays(DUE_IN_DAYS), policy: TEST_POLICY } });
    expect(second.status).toBe(201);
    const toClient = await waitForCaught(clientAddress, before + 2);
    const merged = await caughtMessage(toClient[before + 1]!.ID);
    expect(merged.Text).toContain('June bank statement');
    expect(merged.Text).toContain('June sales register');
    for (const item of created.body.items as Item[]) expect(merged.Text).not.toContain(item.description);
    const row = await stack.db.owner('outbox').where({ follow_up_id: second.body.id, audience: 'client' }).first();
    expect([...row.follow_up_ids].sort()).toEqual([request.body.id, second.body.id].sort());

    // On a later day the client gets a message first; the supplier's next letter is still sent, not
    // merged into the client's message nor skipped by the client's daily rule. Each follow-up keeps
    // its own compressed clock, anchored at its own creation, so the chase's day and quiet hours run
    // a little behind the request's: its nudge may meet its own quiet hours or its own first day,
    // and only those refusals (and the daily rule's skip, see sentNudge) are waited through.
    await eventually('a nudge to the client on a later day', async () => (await call(stack.api, 'POST', `/api/follow-ups/${request.body.id}/nudge`, { token: stack.tokens.staff })).status === 202);
    const nudged = await eventually('the supplier nudge to be sent on its own later day', () => sentNudge(created.body.id), 60_000, 250);
    expect([nudged.status, nudged.body.status]).toEqual([202, 'sent']);
    await waitForCaught(supplierAddress, 2);
    const rows = await stack.db.owner('outbox').where({ follow_up_id: created.body.id }).orderBy('created_at');
    expect(rows.map((r: { audience: string; status: string; recipient: string }) => [r.audience, r.status, r.recipient])).toEqual([
      ['supplier', 'sent', supplierAddress],
      ['supplier', 'sent', supplierAddress],
    ]);
  });

  it('refuses a bad or missing address, two suppliers, a GSTIN not in the run, documents a later 2B shows, and another firm\'s run', async () => {
    const gstin = results.find((r) => r.supplierGstin)!.supplierGstin;
    const other = results.find((r) => r.supplierGstin && r.supplierGstin !== gstin)!.supplierGstin;
    const chases = async () => Number(((await stack.db.owner('follow_ups').where({ reconciliation_run_id: runId, recipient: 'supplier' }).count('* as n').first()) as { n: string }).n);
    const existing = await chases();
    const bad = await chase({ supplierGstins: [gstin], supplierEmail: 'not-an-address' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_input');
    expect(JSON.stringify(bad.body.error)).toContain('supplierEmail');
    const missing = await chase({ supplierGstins: [gstin] });
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body.error)).toContain('supplierEmail');
    const two = await chase({ supplierGstins: [gstin, other], supplierEmail: 'a@supplier.example' });
    expect(two.status).toBe(400);
    expect(JSON.stringify(two.body.error)).toContain('supplierGstins');
    const clientWithAddress = await chase({ supplierGstins: [gstin], supplierEmail: 'a@supplier.example', recipient: 'client' });
    expect(clientWithAddress.status).toBe(400);
    const unknown = await chase({ supplierGstins: ['29ZZZZZ9999Z1Z5'], supplierEmail: 'a@supplier.example' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toMatchObject({ code: 'supplier_not_in_reconciliation', details: { supplierGstins: ['29ZZZZZ9999Z1Z5'] } });

    // Every document of the first supplier is shown by a GSTR-2B stored since: there is nothing to write about.
    const shown = await chase({ supplierGstins: [firstChased], supplierEmail: 'a@supplier.example' });
    expect(shown.status).toBe(422);
    expect(shown.body.error).toMatchObject({ code: 'nothing_to_chase', details: { supplierGstins: [firstChased] } });

    const firm = await createTestFirm(stack.db);
    const foreignToken = await login(stack.api, firm.users.staff.email, firm.users.staff.password);
    const foreign = await chase({ supplierGstins: [gstin], supplierEmail: 'a@supplier.example' }, foreignToken);
    expect(foreign.status).toBe(404);
    // Nothing was written by any refusal.
    expect(await chases()).toBe(existing);
  });
});
