/**
 * A document a reviewer ignores while a mismatch follow-up asks the client about it, on the real
 * stack (api, worker, Temporal, PostgreSQL, Mailpit) with compressed business days. While the
 * follow-up is live its letters still list the document and the statement attached to them keeps
 * it under To correct (a letter never asks about a document its statement leaves out), and the run
 * page's supplier list still counts its ITC at risk; a statement downloaded from the run (no
 * follow-up) leaves it out. Once the follow-up is cancelled, the supplier list leaves its tax out
 * (shown set aside), and a new follow-up for the same supplier neither lists it nor puts it on the
 * statement its letter carries (docs/reconciliation.md, "The supplier statement"; the vendor view).
 */
import * as ExcelJS from 'exceljs';
import { positionOf, type FollowUpClock } from '../../../domain/follow-ups';
import { call } from '../../harness/api';
import { caughtAttachments, caughtMessage, waitForCaught } from '../../harness/mail';
import { importFile, reconData } from '../recon/recon-helpers';
import { clientEmail, eventually, inDays, startStack, TEST_POLICY, type Stack } from './helpers';

jest.setTimeout(300_000);

const PERIOD = '2024-06';
/** A business day of 12 s: a nudge needs the next day after the first letter. */
const DAY = 12_000;
/** Short nights, and a due date far enough that no reminder of its own comes during the test. */
const POLICY = { ...TEST_POLICY, quietHours: { from: '23:00', to: '01:00' } };
const HELD_UP = 'Input tax credit held up until these are corrected';

type Side = { invoiceNumber: string } | null;
type Result = { id: string; category: string; supplierGstin: string; books: Side; portal: Side; itc: { atRisk: number } };
type Item = { id: string; resultId: string | null; description: string };
type SupplierLine = { supplierGstin: string; itcAtRisk: number; itcSetAside: number; chaseableCount: number };

const numberOf = (r: Result) => r.portal?.invoiceNumber ?? r.books?.invoiceNumber ?? '';
const paise = (rupees: number) => Math.round(rupees * 100);

/** A statement workbook as a supplier reads it: its To correct numbers (sorted) and the credit held up (paise). */
async function readStatement(content: Buffer): Promise<{ toCorrect: string[]; heldUp: number | null }> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(content as unknown as ArrayBuffer);
  const ws = book.getWorksheet('To correct');
  const toCorrect: string[] = [];
  if (ws) {
    const col = (ws.getRow(1).values as unknown[]).indexOf('Your invoice no.');
    ws.eachRow((row, n) => { if (n > 1) toCorrect.push(row.getCell(col).text); });
  }
  let heldUp: number | null = null;
  book.getWorksheet('Statement')!.eachRow((row) => { if (row.getCell(1).text === HELD_UP) heldUp = paise(Number(row.getCell(4).value)); });
  return { toCorrect: toCorrect.sort(), heldUp };
}

describe('a row a reviewer ignored, through a mismatch follow-up', () => {
  let stack: Stack;
  let runId: string;
  let results: Result[];
  let to: string;
  const client = () => stack.firm.clients[0]!;
  const as = (method: string, path: string, body?: unknown, role = 'staff') => call(stack.api, method, path, { token: stack.tokens[role], body });

  beforeAll(async () => {
    stack = await startStack({ dayMs: DAY });
    to = await clientEmail(stack, client().id);
    const data = reconData(client().gstin, 160, 11);
    const twoB = await importFile(stack.api, stack.tokens.staff!, client().id, 'gstr2b', PERIOD, data.twoB, 'application/json');
    const register = await importFile(stack.api, stack.tokens.staff!, client().id, 'purchase_register', PERIOD, data.csv, 'text/csv');
    const started = await as('POST', `/api/clients/${client().id}/reconciliations`, { period: PERIOD, registerImportId: register.importId, gstr2bImportId: twoB.importId });
    expect(started.status).toBe(202);
    runId = started.body.runId;
    await eventually('the reconciliation to complete', async () => (await as('GET', `/api/reconciliations/${runId}`)).body.status === 'completed');
    const res = await as('GET', `/api/reconciliations/${runId}/results?limit=500`);
    expect(res.body.nextCursor).toBeNull();
    results = res.body.items;
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('stays listed, on the statement and in the supplier\'s ITC at risk while a live follow-up lists it, and is left out once none does', async () => {
    // A document reported differently with tax at risk, of a supplier with something else to chase.
    const chased = (r: Result) => r.category === 'missing_in_books' || r.category === 'mismatch';
    const ignored = results.find((r) => r.category === 'mismatch' && r.itc.atRisk > 0 && results.some((o) => o !== r && o.supplierGstin === r.supplierGstin && chased(o)));
    if (!ignored) throw new Error('no supplier in the generated data has a mismatch with ITC at risk beside another document to chase');
    const gstin = ignored.supplierGstin;
    /** The supplier's line, and the run's ITC at risk as the run's page shows it (the sum of the lines). */
    const supplierLine = async (): Promise<{ risk: number; aside: number; chaseable: number; run: { risk: number; aside: number } }> => {
      const line = ((await as('GET', `/api/reconciliations/${runId}/suppliers?limit=500`)).body.items as SupplierLine[]).find((s) => s.supplierGstin === gstin)!;
      const summary = (await as('GET', `/api/reconciliations/${runId}`)).body.summary as { itcAtRisk: number; itcSetAside: number };
      return { risk: paise(line.itcAtRisk), aside: paise(line.itcSetAside), chaseable: line.chaseableCount, run: { risk: paise(summary.itcAtRisk), aside: paise(summary.itcSetAside) } };
    };
    const downloaded = async () => {
      const res = await fetch(`${stack.api.url}/api/reconciliations/${runId}/export?format=xlsx&supplierGstin=${gstin}`, { headers: { authorization: `Bearer ${stack.tokens.staff}` } });
      expect(res.status).toBe(200);
      return readStatement(Buffer.from(await res.arrayBuffer()));
    };
    /**
     * The n-th letter to the client, the follow-up's k-th: its text, the items its outbox row lists
     * and the statement of this supplier it carries.
     */
    const letter = async (n: number, followUpId: string, k: number) => {
      const caught = (await waitForCaught(to, n, DAY * 3))[n - 1]!;
      const message = await caughtMessage(caught.ID);
      const files = await caughtAttachments(caught.ID);
      const statement = files.find((f) => f.filename.endsWith(`-${gstin}.xlsx`));
      if (!statement) throw new Error(`letter ${n} carries no statement of ${gstin}: ${files.map((f) => f.filename).join(', ')}`);
      // The outbox row is marked sent once the server took the message: wait for it.
      const rows = await eventually(`the follow-up's letter ${k} marked sent`, async () => {
        const sent = (await stack.db.owner('outbox').where({ follow_up_id: followUpId, audience: 'client', status: 'sent' }).orderBy('created_at')) as Array<{ items_listed: string[] }>;
        return sent.length >= k ? sent : false;
      });
      return { text: message.Text, listed: rows[k - 1]!.items_listed, ...(await readStatement(statement.content)) };
    };

    const before = { line: await supplierLine(), statement: await downloaded() };
    expect(before.statement.toCorrect).toContain(numberOf(ignored));
    expect(before.line.chaseable).toBe(results.filter((r) => r.supplierGstin === gstin && chased(r)).length);

    // The follow-up: the first letter lists the document, and its statement asks about it.
    const created = await as('POST', `/api/reconciliations/${runId}/follow-ups`, { supplierGstins: [gstin], dueDate: inDays(40), policy: POLICY });
    expect(created.status).toBe(201);
    const followUpId = created.body.id as string;
    const item = (created.body.items as Item[]).find((i) => i.resultId === ignored.id);
    if (!item) throw new Error(`the follow-up does not list ${ignored.id}: ${JSON.stringify(created.body.items)}`);
    const { clock } = (await stack.db.owner('follow_ups').where({ id: followUpId }).first('clock')) as { clock: FollowUpClock };
    const dayOf = (at: number) => positionOf(clock, at).day;
    const first = await letter(1, followUpId, 1);
    expect({ listed: first.listed.includes(item.id), inText: first.text.includes(item.description), toCorrect: first.toCorrect })
      .toEqual({ listed: true, inText: true, toCorrect: before.statement.toCorrect });
    const firstDay = dayOf(Date.now());

    // The reviewer ignores it while the follow-up is live.
    expect((await as('POST', `/api/reconciliations/${runId}/actions`, { action: 'ignore', resultId: ignored.id, note: 'supplier credit note expected' })).status).toBe(200);
    const whileLive = { line: await supplierLine(), statement: await downloaded() };
    const without = [...before.statement.toCorrect];
    without.splice(without.indexOf(numberOf(ignored)), 1);
    expect(whileLive).toEqual({
      // The follow-up still asks about it: the supplier list and the run count its tax, nothing set
      // aside; a new client chase would not list it.
      line: { ...before.line, chaseable: before.line.chaseable - 1 },
      // A statement made now, for no follow-up, leaves it out, and its tax from the credit held up.
      statement: { toCorrect: without, heldUp: before.statement.heldUp! - paise(ignored.itc.atRisk) },
    });

    // The next business day a nudge sends the follow-up's second letter: it still lists the
    // document, and its statement still asks about it, with the same credit held up.
    const nudged = await eventually('a nudge answered on the next business day', async () => {
      if (dayOf(Date.now()) <= firstDay) return false;
      const attempt = await as('POST', `/api/follow-ups/${followUpId}/nudge`);
      return attempt.status === 422 && ['quiet_hours', 'already_sent_today'].includes(attempt.body.error?.code) ? false : attempt;
    }, DAY * 4, 250);
    expect([nudged.status, nudged.body.status]).toEqual([202, 'sent']);
    const second = await letter(2, followUpId, 2);
    expect({ listed: second.listed.includes(item.id), inText: second.text.includes(item.description), toCorrect: second.toCorrect, heldUp: second.heldUp })
      .toEqual({ listed: true, inText: true, toCorrect: before.statement.toCorrect, heldUp: first.heldUp });

    // No live follow-up lists it any more: the supplier list leaves its tax out, shown set aside.
    expect((await as('POST', `/api/follow-ups/${followUpId}/cancel`, {}, 'manager')).status).toBe(200);
    const itc = paise(ignored.itc.atRisk);
    expect(await supplierLine()).toEqual({
      risk: before.line.risk - itc, aside: itc, chaseable: before.line.chaseable - 1,
      run: { risk: before.line.run.risk - itc, aside: before.line.run.aside + itc },
    });

    // A new follow-up for the supplier neither lists it nor puts it on its letter's statement.
    const again = await as('POST', `/api/reconciliations/${runId}/follow-ups`, { supplierGstins: [gstin], dueDate: inDays(40), policy: POLICY });
    expect(again.status).toBe(201);
    expect((again.body.items as Item[]).filter((i) => i.resultId === ignored.id)).toEqual([]);
    const third = await letter(3, again.body.id as string, 1);
    expect({ inText: third.text.includes(item.description), toCorrect: third.toCorrect, heldUp: third.heldUp })
      .toEqual({ inText: false, toCorrect: without, heldUp: whileLive.statement.heldUp });
    expect((await as('POST', `/api/follow-ups/${again.body.id}/cancel`, {}, 'manager')).status).toBe(200);
  });
});
