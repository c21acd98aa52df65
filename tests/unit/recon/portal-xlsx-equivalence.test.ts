/**
 * The portal Excel reader (domain/recon/portal-xlsx.ts) over the XLSX sheet reader
 * (xlsx-workbook.ts) against the same reader over exceljs's streaming reader, which it used before
 * (ops/bench/portal-xlsx-exceljs.ts): on 2B and 2A downloads written from generated returns (every
 * sheet, two-row headers, several rate lines per document, real dates), saved in the 1900 and the
 * 1904 date systems, with and without a stated period, and with rows the portal does not write
 * (totals, notes, formulas, rich text, errors, booleans, hyperlinks, blank rows), the whole result
 * (form, GSTIN, period, entries, sheets, warnings, errors) must be the same, and so must the
 * documents the 2B and 2A readers make of it; the caps stop both at the same row with the same
 * error; a file that is not a workbook, or a cut ZIP, is refused by both with the same code.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import * as ExcelJS from 'exceljs';
import { workbookInReadingOrder } from '../../../api/imports/workbook-order';
import { parseGstr2b, readGstr2bEntries } from '../../../domain/recon/gstr2b-reader';
import { readGstr2aEntries } from '../../../domain/recon/gstr2a-reader';
import { type PortalWorkbook, type PortalWorkbookOptions, readPortalWorkbook } from '../../../domain/recon/portal-xlsx';
import { as2a } from '../../../domain/recon/portal-xlsx-layout';
import { readPortalWorkbookWithExceljs } from '../../../ops/bench/portal-xlsx-exceljs';
import { generateReconData, prng, toGstr2bJson } from '../../../ops/bench/recon-data';
import { portalWorkbookOf } from '../../../ops/bench/portal-workbook';

type Obj = Record<string, unknown>;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-xlsx-eq-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Both readers on the same workbook, each handed its parts as the upload path hands them. */
async function both(buf: Buffer, options: PortalWorkbookOptions = {}): Promise<{ now: PortalWorkbook; before: PortalWorkbook }> {
  const file = path.join(dir, `wb-${Math.random().toString(36).slice(2)}.xlsx`);
  fs.writeFileSync(file, buf);
  const now = await readPortalWorkbook(await workbookInReadingOrder(file), options);
  const before = await readPortalWorkbookWithExceljs(await workbookInReadingOrder(file), options);
  return { now, before };
}

/** The whole results compared; the first entry that differs shown on its own, so that a failure names it. */
function expectSame(now: PortalWorkbook, before: PortalWorkbook): void {
  const i = before.entries.findIndex((e, k) => JSON.stringify(e) !== JSON.stringify(now.entries[k]));
  if (i >= 0) expect({ entry: i, now: now.entries[i] }).toEqual({ entry: i, now: before.entries[i] });
  expect(now).toEqual(before);
}

/** A generated return as its 2B JSON, with an ISD, an import and a note whose amounts are text. */
function twoBJson(seed: number, n: number): Obj {
  const json = JSON.parse(toGstr2bJson(generateReconData({ n, seed }))) as { data: { gstin: string; docdata: Record<string, Obj[]> } };
  const docdata = json.data.docdata;
  const ctin = (docdata.b2b![0] as { ctin: string }).ctin;
  docdata.isd = [{ ctin, trdnm: 'Group ISD', doclist: [{ doctyp: 'ISDI', docnum: 'ISD-1', docdt: '10-06-2024', igst: 500, cgst: 0, sgst: 0, cess: 0, itcelg: 'Y' }] }];
  docdata.impg = [{ refdt: '01-06-2024', portcode: 'INNSA1', boenum: '0012345', boedt: '28-05-2024', isamd: 'N', txval: 100000, igst: 18000, cess: 0 }];
  const first = (docdata.b2b![1] as { inv: Obj[] }).inv[0]!;
  first.items = [{ num: 1, rt: 18, txval: '1,000.50', igst: 180.09 }, { num: 2, rt: 5, txval: 200, igst: 10 }];
  return json;
}

/** Rows the portal does not write, added to the data sheets: totals, notes, formulas, rich text, errors, booleans, links, blanks. */
async function withNoise(buf: Buffer, seed: number): Promise<Buffer> {
  const rnd = prng(seed);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as unknown as ArrayBuffer);
  for (const ws of wb.worksheets) {
    if (ws.rowCount < 8) continue;
    ws.addRow([]);
    ws.addRow(['Total', null, null, null, null, { formula: 'SUM(F1:F9)', result: 12345.5 }]);
    ws.addRow([{ richText: [{ text: 'Note: ' }, { font: { bold: true }, text: 'figures are provisional' }] }]);
    ws.addRow([true, { error: '#N/A' } as ExcelJS.CellErrorValue, { text: 'portal', hyperlink: 'https://example.com/?a=1&b=2' }, Math.round(rnd() * 1e6) / 100]);
    // A data-looking row with a formula for its amount and a rich-text supplier name.
    const row = ws.getRow(9);
    if (row.cellCount > 3) row.getCell(2).value = { richText: [{ text: 'Rich ' }, { text: 'Name & Co' }] };
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe('portal Excel reader: the same result over the sheet reader as over exceljs', () => {
  it.each([[1, false], [2, true], [3, false]] as const)('a generated 2B download, seed %i (1904: %p), and the documents the 2B reader makes of it', async (seed, date1904) => {
    const json = twoBJson(seed, 600);
    const { now, before } = await both(await portalWorkbookOf(json, { date1904 }));
    expect(now.ok).toBe(true);
    expect(now.entries.length).toBeGreaterThan(10);
    expectSame(now, before);
    const gstin = (json.data as { gstin: string }).gstin;
    const read = (wb: PortalWorkbook) => readGstr2bEntries({ gstin: wb.gstin, period: wb.period! }, wb.entries, { gstin, period: '2024-06' });
    const docs = read(now);
    expect(docs.ok).toBe(true);
    expect(docs).toEqual(read(before));
    // The dates of the JSON twin, in either date system.
    const dates = (d: typeof docs.documents) => [...d].sort((a, b) => a.ref.localeCompare(b.ref)).map((x) => [x.ref, x.date, x.supplierFilingDate]);
    expect(dates(docs.documents)).toEqual(dates(parseGstr2b(JSON.stringify(json), { gstin, period: '2024-06' }).documents));
  });

  it('a generated 2A download, and the documents the 2A reader makes of it', async () => {
    const json = twoBJson(4, 400);
    const { now, before } = await both(await portalWorkbookOf(json, { form: '2A' }));
    expect(now.form).toBe('2A');
    expectSame(now, before);
    const read = (wb: PortalWorkbook) => readGstr2aEntries({ gstin: wb.gstin, period: wb.period! }, wb.entries.map((e) => ({ ...as2a(e.section, e.entry), index: e.index })));
    expect(read(now).documents.length).toBeGreaterThan(100);
    expect(read(now)).toEqual(read(before));
  });

  it('rows the portal does not write, and no stated period', async () => {
    for (const seed of [5, 6]) {
      const { now, before } = await both(await withNoise(await portalWorkbookOf(twoBJson(seed, 300), { statePeriod: false }), seed));
      expect(now.period).toBeNull();
      expect(now.warnings.length).toBeGreaterThan(0);
      expectSame(now, before);
    }
  });

  it('the caps stop both at the same row, with the same error', async () => {
    const buf = await portalWorkbookOf(twoBJson(7, 300));
    for (const options of [{ maxRows: 150 }, { maxCells: 2_000 }, { maxRows: 100_000, maxCells: 1_000_000 }]) {
      const { now, before } = await both(buf, options);
      expectSame(now, before);
    }
  });

  it('refuses what is not a workbook, or a cut one, with the same code', async () => {
    const buf = await portalWorkbookOf(twoBJson(8, 200));
    for (const bytes of [Buffer.from('GSTIN,Invoice number\n'), buf.subarray(0, Math.floor(buf.length * 0.6))]) {
      const now = await readPortalWorkbook(Readable.from([bytes]));
      const before = await readPortalWorkbookWithExceljs(Readable.from([bytes]));
      expect(now.ok).toBe(false);
      expect(now.errors.map((e) => [e.code, e.fatal])).toEqual(before.errors.map((e) => [e.code, e.fatal]));
      expect(now.entries).toEqual([]);
    }
  });
});
