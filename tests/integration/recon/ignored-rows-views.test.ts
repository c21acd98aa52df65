/**
 * One rule for a reviewer's ignored rows in every view of a run, on the real stack (API,
 * PostgreSQL, Temporal server, real worker, SMTP catcher): after a row is ignored, the run's page,
 * the runs list, the firm-wide view and the exports (CSV, XLSX, JSON) show the same ITC at risk
 * (in total and per tax head), the same amount set aside and the same counts, the ignored row left
 * out (the JSON export's items too, each set-aside item's ITC at risk under `itc.setAside`); a row a live follow-up still lists stays counted everywhere until that follow-up ends.
 */
import * as ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { call } from '../../harness/api';
import { CATEGORIES, CATEGORY_SIDES } from '../../../domain/recon';
import { CATEGORY_LABELS } from '../../../domain/recon/labels';
import { importFile, reconData } from './recon-helpers';
import { eventually, inDays, startStack, TEST_POLICY, type Stack } from '../follow-ups/helpers';

jest.setTimeout(180_000);

const PERIOD = '2024-06';
const HEADS = ['igst', 'cgst', 'sgst', 'cess'] as const;
type Heads = Record<(typeof HEADS)[number] | 'total', number>;
type Result = { id: string; category: string; supplierGstin: string; userStatus: string | null; itc: { atRisk: number } };
type Summary = { counts: Record<string, number>; countsSetAside: Record<string, number>; itcAtRisk: number; itcSetAside: number; itc: Record<string, Heads> };

const paise = (rupees: number) => Math.round(rupees * 100);

describe('ignored rows: the run page, the runs list, the firm-wide view and the exports agree', () => {
  let stack: Stack;
  let runId: string;
  let results: Result[];
  const client = () => stack.firm.clients[0]!;
  const get = async (path: string) => {
    const res = await call(stack.api, 'GET', path, { token: stack.tokens.staff });
    expect(res.status).toBe(200);
    return res.body;
  };
  const download = async (format: string) => {
    const res = await fetch(`${stack.api.url}/api/reconciliations/${runId}/export?format=${format}`, { headers: { authorization: `Bearer ${stack.tokens.staff}` } });
    expect(res.status).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  };

  /** Every view's figures for the run, in paise and counts. */
  async function views() {
    const page = (await get(`/api/reconciliations/${runId}`)).summary as Summary;
    const list = ((await get(`/api/reconciliations?clientId=${client().id}`)).items as Array<{ runId: string; summary: Summary }>).find((r) => r.runId === runId)!;
    const firmWide = ((await get(`/api/reconciliations?period=${PERIOD}`)).items as Array<{ runId: string; itcAtRisk: number; summary: Summary }>).find((r) => r.runId === runId)!;
    const suppliers = (await get(`/api/reconciliations/${runId}/suppliers?limit=500`)).items as Array<{ itcAtRisk: number; itcSetAside: number }>;

    const csv: string[][] = parse(await download('csv'), { bom: true });
    const column = (header: string) => csv[0]!.indexOf(header);
    const csvSum = (header: string) => csv.slice(1).reduce((t, r) => t + paise(Number(r[column(header)] || 0)), 0);

    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await download('xlsx')) as unknown as ArrayBuffer);
    const summaryRow = (label: string) => {
      let found: number[] | null = null;
      book.getWorksheet('Summary')!.eachRow((row) => {
        if (row.getCell(1).text === label) found = [4, 5, 6, 7, 8].map((c) => paise(Number(row.getCell(c).value ?? 0)));
      });
      return found;
    };
    // The documents by status: each "of which ignored by reviewer" line, with the status line it sits under.
    const ofWhich: Array<[string, string, number]> = [];
    let table = '';
    let status = '';
    book.getWorksheet('Summary')!.eachRow((row) => {
      const label = row.getCell(1).text;
      if (label.startsWith('As per ')) table = label;
      if (label === 'of which ignored by reviewer') ofWhich.push([table, status, Number(row.getCell(2).value)]);
      else status = label;
    });
    const sheetSum = (sheet: string, header: string) => {
      const ws = book.getWorksheet(sheet)!;
      const col = (ws.getRow(1).values as unknown[]).indexOf(header);
      let total = 0;
      ws.eachRow((row, n) => {
        if (n > 1) total += paise(Number(row.getCell(col).value ?? 0));
      });
      return total;
    };
    const json = JSON.parse((await download('json')).toString('utf8')) as {
      run: { summary: Summary }; suppliers: Array<{ itcAtRisk: number; itcSetAside: number }>; items: Array<{ itc: { atRisk: number; setAside: number } }>;
    };
    return {
      page,
      list: list.summary,
      firmWide: { itcAtRisk: paise(firmWide.itcAtRisk), summary: firmWide.summary },
      suppliers: { itcAtRisk: suppliers.reduce((t, s) => t + paise(s.itcAtRisk), 0), itcSetAside: suppliers.reduce((t, s) => t + paise(s.itcSetAside), 0) },
      csv: { itcAtRisk: csvSum('ITC at risk'), itcSetAside: csvSum('ITC set aside') },
      xlsx: {
        atRisk: summaryRow('ITC at risk'),
        setAside: summaryRow('ITC at risk set aside (ignored by reviewer)'),
        ofWhich,
        suppliers: { itcAtRisk: sheetSum('Suppliers', 'ITC at risk'), itcSetAside: sheetSum('Suppliers', 'ITC set aside') },
      },
      json: {
        summary: json.run.summary, itcAtRisk: json.suppliers.reduce((t, s) => t + paise(s.itcAtRisk), 0), itcSetAside: json.suppliers.reduce((t, s) => t + paise(s.itcSetAside), 0),
        items: { itcAtRisk: json.items.reduce((t, i) => t + paise(i.itc.atRisk), 0), itcSetAside: json.items.reduce((t, i) => t + paise(i.itc.setAside), 0) },
      },
    };
  }

  /** Asserts every view shows the run page's figures, and that those are `risk` and `aside` (paise) with these set-aside counts. */
  async function expectViewsAgree(expected: { risk: number; aside: number; asideHeads: Heads | null; countsSetAside: Record<string, number> }) {
    const v = await views();
    const heads = (h: Heads | undefined) => (h ? [...HEADS.map((k) => paise(h[k])), paise(h.total)] : null);
    expect({ itcAtRisk: paise(v.page.itcAtRisk), itcSetAside: paise(v.page.itcSetAside), countsSetAside: v.page.countsSetAside }).toEqual({ itcAtRisk: expected.risk, itcSetAside: expected.aside, countsSetAside: expected.countsSetAside });
    // The per-tax breakdown is the same figure, head by head.
    expect(paise(v.page.itc.atRisk!.total)).toBe(expected.risk);
    expect(heads(v.page.itc.setAside)).toEqual(expected.asideHeads ? heads(expected.asideHeads) : [0, 0, 0, 0, 0]);
    // The runs list, the firm-wide view and the JSON export: the run page's summary, as it is.
    expect(v.list).toEqual(v.page);
    expect(v.firmWide).toEqual({ itcAtRisk: expected.risk, summary: v.page });
    expect(v.json.summary).toEqual(v.page);
    // The supplier lines (page and exports) add up to the run's figures; so do the CSV's columns.
    expect(v.suppliers).toEqual({ itcAtRisk: expected.risk, itcSetAside: expected.aside });
    expect({ itcAtRisk: v.json.itcAtRisk, itcSetAside: v.json.itcSetAside }).toEqual({ itcAtRisk: expected.risk, itcSetAside: expected.aside });
    // The JSON export's items, as the CSV's lines: a set-aside document's ITC at risk under itc.setAside.
    expect(v.json.items).toEqual({ itcAtRisk: expected.risk, itcSetAside: expected.aside });
    expect(v.xlsx.suppliers).toEqual({ itcAtRisk: expected.risk, itcSetAside: expected.aside });
    expect(v.csv).toEqual({ itcAtRisk: expected.risk, itcSetAside: expected.aside });
    // The workbook's Summary: ITC at risk per head and in total, and what was set aside right under it.
    expect(v.xlsx.atRisk).toEqual(heads(v.page.itc.atRisk));
    expect(v.xlsx.setAside).toEqual(expected.aside === 0 ? null : heads(v.page.itc.setAside));
    // The documents by status: under each status, as many documents "of which ignored" per side as it has set aside.
    const ofWhich = (['books', 'portal'] as const).flatMap((side) => CATEGORIES
      .filter((c) => expected.countsSetAside[c] && (CATEGORY_SIDES[c] === 'both' || CATEGORY_SIDES[c] === side))
      .map((c): [string, string, number] => [side === 'books' ? 'As per purchase register (₹)' : 'As per GSTR-2B (₹)', CATEGORY_LABELS[c], expected.countsSetAside[c]!]));
    expect(v.xlsx.ofWhich).toEqual(ofWhich);
    return v;
  }

  beforeAll(async () => {
    stack = await startStack({ dayMs: 60_000 });
    const data = reconData(client().gstin, 160, 11);
    const twoB = await importFile(stack.api, stack.tokens.staff!, client().id, 'gstr2b', PERIOD, data.twoB, 'application/json');
    const register = await importFile(stack.api, stack.tokens.staff!, client().id, 'purchase_register', PERIOD, data.csv, 'text/csv');
    const started = await call(stack.api, 'POST', `/api/clients/${client().id}/reconciliations`, { token: stack.tokens.staff, body: { period: PERIOD, registerImportId: register.importId, gstr2bImportId: twoB.importId } });
    expect(started.status).toBe(202);
    runId = started.body.runId;
    await eventually('the reconciliation to complete', async () => (await get(`/api/reconciliations/${runId}`)).status === 'completed');
    const res = await get(`/api/reconciliations/${runId}/results?limit=500`);
    expect(res.nextCursor).toBeNull();
    results = res.items;
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('leaves an ignored row out of every view alike, keeps one a live follow-up lists until it ends', async () => {
    const before = (await get(`/api/reconciliations/${runId}`)).summary as Summary;
    const engineRisk = paise(before.itcAtRisk);
    expect(before.itcSetAside).toBe(0);
    await expectViewsAgree({ risk: engineRisk, aside: 0, asideHeads: null, countsSetAside: {} });

    // A mismatch with ITC at risk, listed by a client chase of its supplier (a live follow-up) …
    const listed = results.find((r) => r.category === 'mismatch' && r.itc.atRisk > 0)!;
    expect(listed).toBeDefined();
    const chase = await call(stack.api, 'POST', `/api/reconciliations/${runId}/follow-ups`, { token: stack.tokens.staff, body: { supplierGstins: [listed.supplierGstin], dueDate: inDays(10), policy: TEST_POLICY } });
    expect(chase.status).toBe(201);
    expect(chase.body.items.map((i: { resultId: string }) => i.resultId)).toContain(listed.id);
    // … and a document missing in 2B that no follow-up lists.
    const unlisted = results.find((r) => r.category === 'missing_in_2b' && r.itc.atRisk > 0 && r.supplierGstin !== listed.supplierGstin)!;
    expect(unlisted).toBeDefined();

    for (const row of [listed, unlisted]) {
      const res = await call(stack.api, 'POST', `/api/reconciliations/${runId}/actions`, { token: stack.tokens.staff, body: { action: 'ignore', resultId: row.id, note: 'not pursued' } });
      expect(res.status).toBe(200);
    }
    const headsOf = async (row: Result): Promise<Heads> => {
      // The row's own ITC at risk per head, from the database (the API shows a row's total only).
      const stored = await stack.db.owner('reconciliation_results').where({ run_id: runId }).whereRaw("row->>'id' = ?", [row.id]).first();
      const h = stored.row.itc.atRisk as Record<(typeof HEADS)[number], number>;
      return { igst: h.igst / 100, cgst: h.cgst / 100, sgst: h.sgst / 100, cess: h.cess / 100, total: (h.igst + h.cgst + h.sgst + h.cess) / 100 };
    };
    // Only the unlisted row is set aside: the mismatch stays counted (its letter still asks about it).
    const unlistedRisk = paise(unlisted.itc.atRisk);
    const v = await expectViewsAgree({ risk: engineRisk - unlistedRisk, aside: unlistedRisk, asideHeads: await headsOf(unlisted), countsSetAside: { missing_in_2b: 1 } });
    expect(v.page.counts).toEqual({ ...before.counts, missing_in_2b: before.counts.missing_in_2b! - 1 });

    // The follow-up ends: nothing lists the mismatch any more, so it is set aside too, everywhere.
    const cancelled = await call(stack.api, 'POST', `/api/follow-ups/${chase.body.id}/cancel`, { token: stack.tokens.staff, body: { note: 'settled by phone' } });
    expect(cancelled.status).toBe(200);
    const both = unlistedRisk + paise(listed.itc.atRisk);
    const [a, b] = [await headsOf(unlisted), await headsOf(listed)];
    const sum: Heads = { igst: a.igst + b.igst, cgst: a.cgst + b.cgst, sgst: a.sgst + b.sgst, cess: a.cess + b.cess, total: a.total + b.total };
    const after = await expectViewsAgree({ risk: engineRisk - both, aside: both, asideHeads: sum, countsSetAside: { missing_in_2b: 1, mismatch: 1 } });
    expect(after.page.counts).toEqual({ ...before.counts, missing_in_2b: before.counts.missing_in_2b! - 1, mismatch: before.counts.mismatch! - 1 });
  });
});
