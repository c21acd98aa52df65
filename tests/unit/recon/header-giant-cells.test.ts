/**
 * The header search meets giant cells (docs/security-limits.md, "Cells and texts"): a register or
 * a portal workbook whose first rows hold cells of megabytes (a CSV) or of Excel's 32,767
 * characters (a workbook) reads as it did, and the search never lower-cases and rewrites
 * (normaliseHeader) a cell longer than the longest heading, HEADING_MAX. The readers' shared
 * strings are trimmed once when read, not once per cell that uses them. Nothing here is timed: the
 * calls to String.prototype.toLowerCase and trim are counted by the receiver's length.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ExcelJS from 'exceljs';
import { workbookInReadingOrder } from '../../../api/imports/workbook-order';
import { readPortalWorkbook } from '../../../domain/recon/portal-xlsx';
import { formInText, portalField } from '../../../domain/recon/portal-xlsx-layout';
import { HEADING_MAX, headingKey, mapHeader } from '../../../domain/recon/register-header';
import { readRegisterCsv, readRegisterXlsx } from '../../../domain/recon/register-reader';
import type { RegisterReadResult } from '../../../domain/recon/register-sink';
import { portalWorkbookOf } from '../../../ops/bench/portal-workbook';
import { CLIENT, SUP_A } from './builders';

const HEADER = 'Date,Particulars,Voucher Type,Voucher No.,Voucher Ref. No.,Voucher Ref. Date,GSTIN/UIN,Value,IGST';
const ROWS = [`05-06-2024,Alpha Metals,Purchase,P-1,B-45,05-06-2024,${SUP_A},1000,180`, `06-06-2024,Alpha Metals,Purchase,P-2,B-46,06-06-2024,${SUP_A},500,90`];
const MB2 = 2 * 1024 * 1024;

/** The receivers longer than HEADING_MAX of `method`'s calls while `work` runs. */
async function longReceivers<T>(method: 'toLowerCase' | 'trim', work: () => Promise<T>): Promise<{ result: T; lengths: number[] }> {
  const spy = jest.spyOn(String.prototype, method);
  try {
    const result = await work();
    const lengths = (spy.mock.contexts as unknown as string[]).map((s) => s.length).filter((n) => n > HEADING_MAX);
    return { result, lengths };
  } finally {
    spy.mockRestore();
  }
}

const outcome = (r: RegisterReadResult) => ({
  ok: r.ok, errors: r.errors.map((e) => e.code), mapping: r.mapping, skipped: r.skipped,
  docs: r.rows.map((d) => [d.voucherNumber, d.invoiceNumberRaw, d.taxableValue, d.igst]),
  titleText: r.titleText.map((t) => t.length),
});

describe('a heading longer than any heading', () => {
  it('is normalised up to HEADING_MAX characters and never past them', () => {
    const padded = (label: string, length: number) => label + '.'.repeat(length - label.length);
    expect(mapHeader(padded('Bill No', HEADING_MAX))).toBe('invoiceNumber');
    expect(mapHeader(padded('Bill No', HEADING_MAX + 1))).toBeNull();
    expect(mapHeader(padded('Bill No', MB2), { [padded('Bill No', MB2)]: 'invoiceNumber' })).toBeNull();
    expect(headingKey(padded('Tax Period', HEADING_MAX))).toBe('tax period');
    expect(headingKey(padded('Tax Period', HEADING_MAX + 1))).toBe('');
    expect(portalField(padded('Invoice number', HEADING_MAX), 'Invoice Details', 'b2b')).toEqual({ field: 'inum', level: 'doc' });
    expect(portalField(padded('Invoice number', HEADING_MAX + 1), 'Invoice Details', 'b2b')).toBeNull();
    // A group heading over the limit is no group: the column is the document's own number.
    expect(portalField('Invoice number', padded('Original Details', HEADING_MAX + 1), 'b2ba')).toEqual({ field: 'inum', level: 'doc' });
    expect(portalField('Invoice number', padded('Original Details', HEADING_MAX), 'b2ba')).toEqual({ field: 'oinum', level: 'doc' });
  });

  it("names the return in a title whatever the spaces around GSTR's dash", () => {
    expect(['GSTR-2B', 'GSTR 2A', 'gstr - 2b', 'GSTR–2A', 'GSTR   -2B', `GSTR${' '.repeat(40_000)}2A`].map(formInText)).toEqual(['2B', '2A', '2B', '2A', '2B', '2A']);
    expect([`GSTR${' '.repeat(40_000)}x`, 'GSTR-2C', 'GSTR--2B'].map(formInText)).toEqual([null, null, null]);
  });
});

describe('a register whose first rows hold cells of megabytes', () => {
  // Each row under the CSV reader's 4 MB a record.
  const giant = [
    'x'.repeat(MB2),
    // Would normalise to a heading ("bill no"): as a title cell it never is one.
    `"Bill No${'.'.repeat(MB2)}",Value`,
    `GSTR${' '.repeat(MB2 / 2)}x,GSTIN,${'&'.repeat(MB2 / 2)}`,
  ];

  it('reads the header below them and its rows, the title cells kept to their first HEADING_MAX characters, none normalised', async () => {
    const { result, lengths } = await longReceivers('toLowerCase', () => readRegisterCsv(Buffer.from([...giant, HEADER, ...ROWS].join('\n')), { source: 'pr.csv' }));
    expect(lengths).toEqual([]);
    expect(outcome(result)).toMatchObject({
      ok: true, errors: [], skipped: { titleRows: 3, blank: 0 },
      docs: [['P-1', 'B-45', 1000_00, 180_00], ['P-2', 'B-46', 500_00, 90_00]],
      titleText: [HEADING_MAX, HEADING_MAX, 5, HEADING_MAX, 5, HEADING_MAX],
    });
    expect(result.mapping[0]!.headerLine).toBe(4);
  });

  it('refuses a file of only such rows as having no header, as before', async () => {
    const { result, lengths } = await longReceivers('toLowerCase', () => readRegisterCsv(Buffer.from(giant.join('\n')), { source: 'pr.csv' }));
    expect(lengths).toEqual([]);
    expect(outcome(result)).toMatchObject({ ok: false, errors: ['no_header'], docs: [], skipped: { titleRows: 3 } });
  });

  it('reads a header row holding a cell of megabytes, that column being no column (as any unknown header), whether or not it would have named one, never normalising it', async () => {
    for (const cell of [`Purchase IGST${'.'.repeat(MB2)}`, `Remarks ${'r'.repeat(MB2)}`]) {
      const rows = ROWS.map((r) => `${r},999`);
      const { result, lengths } = await longReceivers('toLowerCase', () => readRegisterCsv(Buffer.from([`${HEADER},${cell}`, ...rows].join('\n')), { source: 'pr.csv' }));
      expect(lengths).toEqual([]);
      expect(outcome(result)).toMatchObject({ ok: true, errors: [], docs: [['P-1', 'B-45', 1000_00, 180_00], ['P-2', 'B-46', 500_00, 90_00]] });
      expect(result.mapping[0]!.columns.map((c) => c.column)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    }
  });

  it('reads an XLSX register whose title rows hold 32,767-character cells, none normalised', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Register');
    ws.addRow(Array.from({ length: 60 }, (_, i) => `${i % 2 ? 'Bill No' : 'Purchase IGST'}${'.'.repeat(32_767 - 13)}`));
    ws.addRow([`GSTR${' '.repeat(32_000)}x`, 'y'.repeat(32_767)]);
    ws.addRow(HEADER.split(','));
    for (const r of ROWS) ws.addRow(r.split(',').map((c, i) => (i >= 7 ? Number(c) : c)));
    const bytes = Buffer.from(await wb.xlsx.writeBuffer());
    const { result, lengths } = await longReceivers('toLowerCase', () => readRegisterXlsx(bytes, { source: 'pr.xlsx' }));
    expect(lengths).toEqual([]);
    expect(outcome(result)).toMatchObject({ ok: true, errors: [], skipped: { titleRows: 2 }, docs: [['P-1', 'B-45', 1000_00, 180_00], ['P-2', 'B-46', 500_00, 90_00]] });
  });
});

describe("the portal's Excel with giant cells in its title rows", () => {
  const twoB = {
    data: {
      gstin: CLIENT, rtnprd: '062024', version: '1.0', gendt: '14-07-2024',
      docdata: {
        b2b: [{
          ctin: SUP_A, trdnm: 'Alpha Metals', supprd: '062024', supfildt: '11-07-2024',
          inv: [
            { inum: 'INV-1', typ: 'R', dt: '05-06-2024', val: 1180, pos: '27', rev: 'N', itcavl: 'Y', txval: 1000, igst: 180 },
            { inum: 'INV-2', typ: 'R', dt: '06-06-2024', val: 590, pos: '27', rev: 'N', itcavl: 'Y', items: [{ num: 1, rt: 18, txval: 500, igst: 90 }] },
          ],
        }],
      },
    },
  };

  async function read(buf: Buffer) {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'portal-giant-')), 'upload.xlsx');
    fs.writeFileSync(file, buf);
    try {
      return await readPortalWorkbook(await workbookInReadingOrder(file));
    } finally {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  }

  /** The same workbook with `cells` put right of the title in the first row of the Read me and B2B sheets. */
  async function withTitleCells(cells: string[]): Promise<Buffer> {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await portalWorkbookOf(twoB)) as unknown as ArrayBuffer);
    for (const name of ['Read me', 'B2B']) {
      const row = wb.getWorksheet(name)!.getRow(1);
      cells.forEach((c, i) => { row.getCell(40 + i).value = c; });
      row.commit();
    }
    return Buffer.from(await wb.xlsx.writeBuffer());
  }

  it('reads the same documents, normalising none of them', async () => {
    const plain = await read(await withTitleCells([]));
    expect(plain).toMatchObject({ ok: true, form: '2B', gstin: CLIENT, period: '2024-06' });
    const giant = await withTitleCells([
      ...Array.from({ length: 40 }, (_, i) => `${i % 2 ? 'Note' : 'Tax Period'}${'.'.repeat(32_000)}`),
      `GSTR${' '.repeat(32_000)}x`,
    ]);
    const { result, lengths } = await longReceivers('toLowerCase', () => read(giant));
    expect(lengths).toEqual([]);
    expect(result).toEqual(plain);
  });

  it('trims a shared string once when it is read, not in every cell that uses it', async () => {
    const plain = await read(await withTitleCells([]));
    const padded = await withTitleCells(Array.from({ length: 200 }, () => ' '.repeat(32_000)));
    const { result, lengths } = await longReceivers('trim', () => read(padded));
    expect(result).toEqual(plain);
    // One string, trimmed once as the shared strings are read (it was trimmed once per cell: 400 times).
    expect(lengths).toEqual([32_000]);
  });
});
