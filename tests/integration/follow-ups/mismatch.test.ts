/**
 * Mismatch follow-ups on the real stack: a reconciliation run through the API and the worker, then
 * follow-ups naming its suppliers. Each lists one item per document the client must act on, and the
 * caught email carries each named supplier's statement holding that supplier's documents only; a
 * second request of the same client lists both requests and carries both statements. Refusals: an
 * empty or repeated list, a supplier not in the run or with nothing to chase, one already chased,
 * a run not completed, another firm's run, roles that may not chase, and an Idempotency-Key of
 * another request.
 */
import * as ExcelJS from 'exceljs';
import { call, login } from '../../harness/api';
import { createTestFirm, validGstin } from '../../harness/factories';
import { caughtAttachments, caughtMessage, waitForCaught } from '../../harness/mail';
import { importFile, reconData } from '../recon/recon-helpers';
import { clientEmail, createFollowUp, eventually, inDays, startStack, TEST_POLICY, type Stack } from './helpers';

jest.setTimeout(180_000);

const PERIOD = '2024-06';
const CHASED = ['missing_in_books', 'mismatch'];
const TO_CORRECT = ['mismatch', 'missing_in_2b', 'missing_in_books', 'probable_match'];
/** What a supplier's statement asks it to correct: an accepted probable match is agreed, not asked about. */
const toCorrect = (r: Result) => TO_CORRECT.includes(r.category) && !(r.category === 'probable_match' && r.accepted);

type Side = { invoiceNumber: string } | null;
type Result = { id: string; category: string; accepted: boolean; supplierGstin: string; supplierName: string; books: Side; portal: Side };

/** The supplier's number of a document, as its statement shows it. */
const numberOf = (r: Result) => r.portal?.invoiceNumber ?? r.books?.invoiceNumber ?? '';

async function sheetColumn(content: Buffer, sheet: string, header: string): Promise<string[]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(content as unknown as ArrayBuffer);
  const ws = workbook.getWorksheet(sheet);
  if (!ws) throw new Error(`no sheet ${sheet} in ${workbook.worksheets.map((w) => w.name).join(', ')}`);
  const values: string[] = [];
  let col = 0;
  ws.eachRow((row) => {
    if (col === 0) {
      row.eachCell((cell, n) => {
        if (cell.text === header) col = n;
      });
      return;
    }
    values.push(row.getCell(col).text);
  });
  return values;
}

async function sheetText(content: Buffer, sheet: string): Promise<string> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(content as unknown as ArrayBuffer);
  const lines: string[] = [];
  workbook.getWorksheet(sheet)?.eachRow((row) => lines.push(row.values ? JSON.stringify(row.values) : ''));
  return lines.join('\n');
}

describe('mismatch follow-ups from a reconciliation', () => {
  let stack: Stack;
  let runId: string;
  let results: Result[];
  let to: string;
  const client = () => stack.firm.clients[0]!;
  const chase = (body: Record<string, unknown>, role = 'staff', headers: Record<string, string> = {}, run = runId) =>
    call(stack.api, 'POST', `/api/reconciliations/${run}/follow-ups`, { token: stack.tokens[role], body: { dueDate: inDays(10), policy: TEST_POLICY, ...body }, headers });
  const chasedOf = (gstin: string) => results.filter((r) => r.supplierGstin === gstin && CHASED.includes(r.category));

  /** Suppliers by how many documents they have to chase, most first. */
  function suppliersToChase(): string[] {
    const counts = new Map<string, number>();
    for (const r of results) if (CHASED.includes(r.category) && r.supplierGstin) counts.set(r.supplierGstin, (counts.get(r.supplierGstin) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([g]) => g);
  }

  beforeAll(async () => {
    // Long business days: the test's steps fall on the first one (the second request's first message on the next).
    stack = await startStack({ dayMs: 60_000 });
    to = await clientEmail(stack, client().id);
    const data = reconData(client().gstin, 160, 11);
    const twoB = await importFile(stack.api, stack.tokens.staff!, client().id, 'gstr2b', PERIOD, data.twoB, 'application/json');
    const register = await importFile(stack.api, stack.tokens.staff!, client().id, 'purchase_register', PERIOD, data.csv, 'text/csv');
    const started = await call(stack.api, 'POST', `/api/clients/${client().id}/reconciliations`, { token: stack.tokens.staff, body: { period: PERIOD, registerImportId: register.importId, gstr2bImportId: twoB.importId } });
    expect(started.status).toBe(202);
    runId = started.body.runId;
    await eventually('the reconciliation to complete', async () => {
      const res = await call(stack.api, 'GET', `/api/reconciliations/${runId}`, { token: stack.tokens.staff });
      return res.body.status === 'completed';
    });
    const res = await call(stack.api, 'GET', `/api/reconciliations/${runId}/results?limit=500`, { token: stack.tokens.staff });
    expect(res.body.nextCursor).toBeNull();
    results = res.body.items;
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('lists one item per document of the named supplier and emails the client its statement, with that supplier\'s documents only', async () => {
    const [a, b] = suppliersToChase();
    expect(b).toBeDefined();
    const key = `mismatch-${Date.now()}`;
    const created = await chase({ supplierGstins: [a] }, 'staff', { 'idempotency-key': key });
    expect(created.status).toBe(201);
    expect(created.body.reconciliationRunId).toBe(runId);
    const expected = chasedOf(a!);
    expect(created.body.items.map((i: { resultId: string; supplierGstin: string; category: string; status: string; period: string }) => [i.resultId, i.supplierGstin, i.category, i.status, i.period])).toEqual(
      expected.map((r) => [r.id, a, r.category, 'outstanding', PERIOD]),
    );
    for (const [i, item] of (created.body.items as Array<{ description: string }>).entries()) {
      const row = expected[i]!;
      expect(item.description).toContain(a);
      expect(item.description).toContain(numberOf(row));
      expect(item.description).toMatch(row.category === 'missing_in_books' ? /not in your purchase books/ : /supplier reported different details/);
    }
    expect(created.body.title).toContain(expected[0]!.supplierName);
    // A retry with the same key is the same follow-up.
    const again = await chase({ supplierGstins: [a] }, 'staff', { 'idempotency-key': key });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(created.body.id);

    const [caught] = await waitForCaught(to, 1);
    const message = await caughtMessage(caught!.ID);
    for (const row of expected) expect(message.Text).toContain(numberOf(row));
    const filename = `reconciliation-${client().gstin}-${PERIOD}-${a}.xlsx`;
    expect(message.Text).toContain(`Attached: ${filename}`);
    const files = await caughtAttachments(caught!.ID);
    expect(files.map((f) => f.filename)).toEqual([filename]);
    // The statement is that supplier's alone: every document it lists is one of its rows, and all of them are there.
    const statement = files[0]!.content;
    const ofA = results.filter((r) => r.supplierGstin === a);
    expect((await sheetColumn(statement, 'To correct', 'Your invoice no.')).sort()).toEqual(ofA.filter(toCorrect).map(numberOf).sort());
    const heading = await sheetText(statement, 'Statement');
    expect(heading).toContain(a);
    expect(heading).not.toContain(b);

    // The outbox lists every item, and the creation is audited with its run.
    const view = await call(stack.api, 'GET', `/api/follow-ups/${created.body.id}`, { token: stack.tokens.staff });
    expect(view.body.sent).toHaveLength(1);
    expect(view.body.sent[0].itemsListed.sort()).toEqual(created.body.items.map((i: { id: string }) => i.id).sort());
    const audit = await stack.db.owner('audit_events').where({ firm_id: stack.firm.id, action: 'follow_up.created', entity_id: created.body.id }).first();
    expect(audit.after).toMatchObject({ reconciliation_run_id: runId });
    expect(await stack.db.owner('audit_events').where({ firm_id: stack.firm.id, entity_type: 'follow_up_item' }).whereRaw("after->>'follow_up_id' = ?", [created.body.id]).count('* as n').first()).toEqual({ n: expected.length });

    // The supplier is being chased: a second request for it is refused, naming the first.
    const twice = await chase({ supplierGstins: [b, a] });
    expect(twice.status).toBe(409);
    expect(twice.body.error).toMatchObject({ code: 'supplier_already_chased', details: { supplierGstins: [a], followUpIds: [created.body.id] } });
  });

  it("a second request of the same client lists both requests and carries both suppliers' statements", async () => {
    const [a, b] = suppliersToChase();
    const created = await chase({ supplierGstins: [b] });
    expect(created.status).toBe(201);
    expect(created.body.items).toHaveLength(chasedOf(b!).length);
    // The client had today's message already (the first request's): one message a day, so this
    // request's first message goes at the next day's send time, and lists both requests then.
    expect(created.body.schedule[0]).toMatchObject({ kind: 'initial', status: 'planned' });
    expect(Date.parse(created.body.schedule[0].at)).toBeGreaterThan(Date.now() + 30_000);
    const caught = await waitForCaught(to, 2, 150_000);
    const second = caught[1]!;
    const message = await caughtMessage(second.ID);
    for (const row of [...chasedOf(b!), ...chasedOf(a!)]) expect(message.Text).toContain(numberOf(row));
    const files = await caughtAttachments(second.ID);
    expect(files.map((f) => f.filename)).toEqual([b, a].map((g) => `reconciliation-${client().gstin}-${PERIOD}-${g}.xlsx`));
    const ofB = results.filter((r) => r.supplierGstin === b && toCorrect(r)).map(numberOf).sort();
    expect((await sheetColumn(files[0]!.content, 'To correct', 'Your invoice no.')).sort()).toEqual(ofB);
  });

  it('refuses empty and repeated lists, unknown suppliers, suppliers with nothing to chase, runs not completed, other firms and roles that may not chase', async () => {
    // An Idempotency-Key names one request: a client's follow-up's key is refused here, and this route's key there.
    const key = `client-${Date.now()}`;
    const plain = await createFollowUp(stack, client().id, { title: 'Bank statement', dueDate: inDays(10), items: [{ description: 'Bank statement for June' }] }, 'staff', { 'idempotency-key': key });
    expect(plain.status).toBe(201);
    const reusedHere = await chase({ supplierGstins: [suppliersToChase()[2]] }, 'staff', { 'idempotency-key': key });
    expect(reusedHere.status).toBe(422);
    expect(reusedHere.body.error.code).toBe('idempotency_key_reused');
    const mismatchKey = (await stack.db.owner('follow_ups').where({ reconciliation_run_id: runId }).whereNotNull('idempotency_key').first('idempotency_key')).idempotency_key as string;
    const reusedThere = await createFollowUp(stack, client().id, { title: 'Bank statement', dueDate: inDays(10), items: [{ description: 'Bank statement for June' }] }, 'staff', { 'idempotency-key': mismatchKey });
    expect(reusedThere.status).toBe(422);
    expect(reusedThere.body.error.code).toBe('idempotency_key_reused');

    const before = await stack.db.owner('follow_ups').where({ firm_id: stack.firm.id }).count('* as n').first();
    const chasable = suppliersToChase();
    const [, , c] = chasable;

    const empty = await chase({ supplierGstins: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.error.details.fields.supplierGstins).toMatch(/at least one/);
    const repeated = await chase({ supplierGstins: [c, c!.toLowerCase()] });
    expect(repeated.status).toBe(400);
    expect(repeated.body.error.details.fields.supplierGstins).toContain(c);
    expect((await chase({ supplierGstins: [c], dueDate: undefined })).status).toBe(400);

    const stranger = validGstin('29');
    const unknown = await chase({ supplierGstins: [c, stranger] });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toMatchObject({ code: 'supplier_not_in_reconciliation', details: { supplierGstins: [stranger] } });

    // A supplier whose documents a reviewer set aside (ignored, with a reason) has nothing left to ask the client about.
    expect(chasable.length).toBeGreaterThanOrEqual(4);
    const settled = chasable.at(-1)!;
    for (const row of chasedOf(settled)) {
      const ignored = await call(stack.api, 'POST', `/api/reconciliations/${runId}/actions`, { token: stack.tokens.staff, body: { action: 'ignore', resultId: row.id, note: 'supplier closed; written off' } });
      expect(ignored.status).toBe(200);
    }
    const idle = await chase({ supplierGstins: [c, settled] });
    expect(idle.status).toBe(422);
    expect(idle.body.error).toMatchObject({ code: 'nothing_to_chase', details: { supplierGstins: [settled] } });

    // A run that has not completed.
    const done = await stack.db.owner('reconciliation_runs').where({ id: runId }).first();
    const [queued] = await stack.db
      .owner('reconciliation_runs')
      .insert({ firm_id: stack.firm.id, client_id: client().id, period: PERIOD, register_import_id: done.register_import_id, gstr2b_import_id: done.gstr2b_import_id, workflow_id: `recon-mismatch-queued-${runId}` })
      .returning('id');
    const notDone = await chase({ supplierGstins: [c] }, 'staff', {}, queued.id);
    expect(notDone.status).toBe(409);
    expect(notDone.body.error.code).toBe('reconciliation_not_completed');

    // Another firm's staff: the run does not exist for them.
    const other = await createTestFirm(stack.db);
    const otherToken = await login(stack.api, other.users.staff.email, other.users.staff.password);
    const foreign = await call(stack.api, 'POST', `/api/reconciliations/${runId}/follow-ups`, { token: otherToken, body: { supplierGstins: [c], dueDate: inDays(10) } });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('not_found');
    for (const role of ['reviewer', 'client']) expect((await chase({ supplierGstins: [c] }, role)).status).toBe(403);

    // Nothing of it was written.
    expect(await stack.db.owner('follow_ups').where({ firm_id: stack.firm.id }).count('* as n').first()).toEqual(before);
  });
});
