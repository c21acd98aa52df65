/**
 * The XLSX sheet reader (domain/recon/xlsx-workbook.ts) against exceljs's streaming reader, which
 * the register reader used before (ops/bench/register-xlsx-exceljs.ts): on workbooks written by
 * exceljs (both its writers; shared and inline strings, numbers, dates with date formats, 1904
 * workbooks, booleans, errors, formulas with and without cached values, rich text, hyperlinks,
 * empty cells and rows, several sheets) and on crafted sheet XML (entities, CDATA, whitespace,
 * inline rich text, phonetic runs, types exceljs reads oddly), every sheet's name, order, row
 * numbers and cells must be the same, read in chunks of any size; and the register read of each
 * must be the same whole result. Refusals (not a ZIP, a corrupt ZIP, bad cell references, caps)
 * must stay refusals, with the same codes.
 *
 * One difference is deliberate: in a 1904 workbook the cells (date serials) are the same, but the
 * register reader now counts them from 1904, so its dates are the ones typed, where exceljs's reader
 * read them as 1900 serials, 1,462 days early (tests/unit/recon/register-xlsx-1904.test.ts).
 */
import { PassThrough, Readable } from 'node:stream';
import * as ExcelJS from 'exceljs';
import { readRegisterXlsx } from '../../../domain/recon/register-xlsx';
import type { Cell } from '../../../domain/recon/register-sink';
import { xlsxSheets } from '../../../domain/recon/xlsx-workbook';
import { dayOfIso, isoFromDay } from '../../../domain/recon/dates';
import { prng } from '../../../ops/bench/recon-data';
import { retainedHeap } from '../../harness/retained-heap';
import { exceljsSheets, readRegisterXlsxWithExceljs } from '../../../ops/bench/register-xlsx-exceljs';
import { workbookParts, zipOf, type ZipPart } from '../../security/zip-writer';

type Sheets = Array<{ name: string; rows: Array<{ number: number; cells: Cell[] }> }>;

function pieces(buf: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) parts.push(buf.subarray(i, i + size));
  return Readable.from(parts);
}

async function collect(sheets: AsyncIterable<{ name: string; rows: AsyncIterable<unknown> }>): Promise<Sheets> {
  const out: Sheets = [];
  for await (const sheet of sheets) {
    const rows: Sheets[number]['rows'] = [];
    for await (const item of sheet.rows) {
      for (const row of (Array.isArray(item) ? item : [item]) as Sheets[number]['rows']) rows.push({ number: row.number, cells: row.cells });
    }
    out.push({ name: sheet.name, rows });
  }
  return out;
}

/** Cells compared as JSON, with NaN and Dates spelled out (JSON would make both null or a string). */
function shown(s: Sheets): string {
  return JSON.stringify(s, (_k, v: unknown) => (typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v));
}

async function expectSameSheets(xlsx: Buffer, chunk = 65_536): Promise<Sheets> {
  const before = await collect(exceljsSheets(pieces(xlsx, 65_536)));
  const now = await collect(xlsxSheets(pieces(xlsx, chunk)));
  // The first sheet or row that differs, so that a failure shows it rather than the whole workbook.
  expect(now.map((s) => [s.name, s.rows.length])).toEqual(before.map((s) => [s.name, s.rows.length]));
  before.forEach((sheet, k) => {
    const i = sheet.rows.findIndex((row, j) => shown([{ name: '', rows: [row] }]) !== shown([{ name: '', rows: [now[k]!.rows[j]!] }]));
    if (i >= 0) expect({ sheet: sheet.name, row: shown([{ name: '', rows: [now[k]!.rows[i]!] }]) }).toEqual({ sheet: sheet.name, row: shown([{ name: '', rows: [sheet.rows[i]!] }]) });
  });
  return now;
}

async function written(wb: ExcelJS.Workbook): Promise<Buffer> {
  return Buffer.from(await wb.xlsx.writeBuffer());
}

async function streamed(fill: (wb: ExcelJS.stream.xlsx.WorkbookWriter) => void, useSharedStrings: boolean): Promise<Buffer> {
  const out = new PassThrough();
  const parts: Buffer[] = [];
  out.on('data', (b: Buffer) => parts.push(b));
  const done = new Promise((resolve) => out.on('end', resolve));
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings, useStyles: true });
  fill(wb);
  await wb.commit();
  await done;
  return Buffer.concat(parts);
}

const NAMES = ['Acme Traders', 'Kumar & Sons <Pvt>', '"Quoted" Co', "O'Brien", '  padded  ', '', 'line\nbreak', 'tab\there', 'x&amp;y', '=HYPERLINK("x")', 'शर्मा ट्रेडर्स', '€ 5'];

/** One cell value of every kind exceljs writes, drawn at random. */
function value(rnd: () => number): ExcelJS.CellValue {
  const r = rnd();
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  if (r < 0.2) return pick(NAMES);
  if (r < 0.35) return Math.round(rnd() * 1e9) / 100;
  if (r < 0.4) return -Math.round(rnd() * 1e5);
  if (r < 0.5) return new Date(Date.UTC(2020 + Math.floor(rnd() * 6), Math.floor(rnd() * 12), 1 + Math.floor(rnd() * 28)));
  if (r < 0.55) return rnd() < 0.5;
  if (r < 0.6) return null;
  if (r < 0.65) return { formula: 'A1*2', result: Math.round(rnd() * 1000) };
  if (r < 0.68) return { formula: 'B1&"x"', result: pick(NAMES) } as ExcelJS.CellFormulaValue;
  if (r < 0.7) return { formula: 'C1' } as ExcelJS.CellFormulaValue;
  if (r < 0.73) return { richText: [{ text: pick(NAMES) }, { font: { bold: true }, text: pick(NAMES) }] };
  if (r < 0.75) return { error: '#N/A' } as ExcelJS.CellErrorValue;
  if (r < 0.77) return { text: 'link', hyperlink: 'https://example.com/?a=1&b=2' };
  if (r < 0.8) return '';
  return `INV/${Math.floor(rnd() * 100000)}`;
}

function fillSheet(add: (values: ExcelJS.CellValue[]) => ExcelJS.Row, rnd: () => number, rows: number): void {
  add(['Date', 'Particulars', 'Voucher No.', 'Supplier Invoice No', 'GSTIN/UIN', 'Value', 'IGST', 'CGST', 'SGST']);
  for (let i = 0; i < rows; i += 1) {
    if (rnd() < 0.05) {
      add([]);
      continue;
    }
    const cells = Array.from({ length: 1 + Math.floor(rnd() * 14) }, () => value(rnd));
    const row = add(cells);
    if (rnd() < 0.3) row.getCell(1).numFmt = 'dd-mm-yyyy';
    if (rnd() < 0.1) row.getCell(2).numFmt = '0.00';
  }
}

describe('XLSX sheet reader: the same cells as exceljs', () => {
  it.each([1, 2, 3, 4, 5, 6])('workbooks written whole by exceljs, seed %i (several sheets, 1904 on even seeds)', async (seed) => {
    const rnd = prng(seed);
    const wb = new ExcelJS.Workbook();
    wb.properties.date1904 = seed % 2 === 0;
    for (let s = 0; s < 1 + (seed % 3); s += 1) {
      const ws = wb.addWorksheet(`Sheet & ${s} <${seed}>`);
      fillSheet((v) => ws.addRow(v), rnd, 150);
      if (s === 1) ws.getCell('Z300').value = 'far away';
    }
    const xlsx = await written(wb);
    const sheets = await expectSameSheets(xlsx, 1 + Math.floor(rnd() * 5_000));
    expect(sheets.length).toBe(1 + (seed % 3));
  });

  it.each([[true, 7], [false, 8], [true, 9]] as const)('workbooks from the streaming writer (shared strings %p, seed %i): sheets before the shared strings and the workbook part', async (useSharedStrings, seed) => {
    const rnd = prng(seed);
    const xlsx = await streamed((wb) => {
      for (let s = 0; s < 3; s += 1) {
        const ws = wb.addWorksheet(`S${s}`);
        fillSheet((v) => {
          const row = ws.addRow(v);
          row.commit();
          return row;
        }, rnd, 400);
        ws.commit();
      }
    }, useSharedStrings);
    const sheets = await expectSameSheets(xlsx, 4_096);
    expect(sheets.map((s) => s.name)).toEqual(['S0', 'S1', 'S2']);
  });

  it('crafted sheet XML: entities, CDATA, whitespace, inline rich text, phonetic runs and every type', async () => {
    const SST = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
    const shared = `<sst ${SST}><si><t>plain</t></si><si><t xml:space="preserve"> spaced &amp; &lt;b&gt; &#x20B9;&#8377; </t></si>`
      + '<si><r><rPr><b/></rPr><t>Rich </t></r><r><t>text</t></r></si><si><t>漢字</t><rPh sb="0" eb="2"><t>かんじ</t></rPh></si>'
      + '<si/><si><t/></si><si>\n  <t>indented</t>\n</si><si><t>a&#13;&#10;b\r\nc</t></si></sst>';
    const rows = [
      '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c><c r="F1" t="s"><v>5</v></c><c r="G1" t="s"><v>6</v></c><c r="H1" t="s"><v>7</v></c><c r="I1" t="s"><v>99</v></c></row>',
      '<row r="2"><c r="A2" t="inlineStr"><is><t>in &amp;amp; line</t></is></c><c r="B2" t="inlineStr"><is><r><t>one</t></r><r><t>two</t></r></is></c><c r="C2" t="str"><f>A1</f><v>x &amp;lt; y</v></c><c r="D2" t="b"><v>1</v></c><c r="E2" t="b"><v>0</v></c><c r="F2" t="e"><v>#DIV/0!</v></c><c r="G2" t="d"><v>2024-04-05</v></c></row>',
      '<row r="3" spans="1:9"><c r="A3"><f>SUM(B3:C3)</f><v>3.5</v></c><c r="B3" t="b"><f>TRUE()</f><v>1</v></c><c r="C3" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="D3"><f t="shared" si="0"/></c><c r="E3" s="4"/><c r="F3"><v><![CDATA[12]]></v></c><c r="G3"><v> 42 </v>\n</c><c r="H3"><!-- note --><v>7</v></c></row>',
      '<row r="4"/>', '<row r="5"></row>', '<row r="6"><c r="$B$6"><v>1e3</v></c><c r="B6"><v>2</v></c><c r="C6" t="s"><v>0</v></c><c r="C6"/></row>',
      '<row r="8"><c r="AA8" t="inlineStr"><is><t>far</t></is></c><c r="D8"><v></v></c></row>',
      '<row r="9" ht="20" customHeight="1">\n  <c r="A9" t="s">\n    <v>1</v>\n  </c>\n  <c r="B9" t=\'inlineStr\'><is><t>single quotes</t></is></c>\n</row>',
    ].join('');
    const sheet = `<worksheet ${SST}><dimension ref="A1:AA9"/><sheetViews><sheetView workbookViewId="0"/></sheetViews><sheetData>${rows}</sheetData><rowBreaks count="1"><brk id="3"/></rowBreaks></worksheet>`;
    for (const chunk of [1, 7, 64, 65_536]) {
      const sheets = await expectSameSheets(zipOf(workbookParts(sheet, shared)), chunk);
      expect(sheets[0]!.rows.length).toBe(8); // rows 1–6, 8 and 9
    }
  });

  it('the register reader reads the same whole result as before from a register workbook', async () => {
    const rnd = prng(31);
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Notes').addRow(['nothing to see']);
    const ws = wb.addWorksheet('Purchase Register');
    ws.addRow(['ACME Traders']);
    ws.addRow(['Date', 'Particulars', 'Voucher No.', 'Supplier Invoice No', 'Supplier Invoice Date', 'GSTIN/UIN', 'Value', 'IGST', 'CGST', 'SGST']);
    for (let i = 0; i < 2_000; i += 1) {
      ws.addRow([45_000 + Math.floor(rnd() * 400), rnd() < 0.1 ? { richText: [{ text: 'Rich ' }, { text: 'Name' }] } : 'Supplier', i, `INV-${i}`,
        new Date(Date.UTC(2024, 3, 1 + (i % 28))), '27ABCDE1234F1ZW', Math.round(rnd() * 1e6) / 100, { formula: 'G3*0.18', result: 18 }, rnd() < 0.5 ? '1,000.00' : null, 0]);
    }
    ws.addRow(['Grand Total', '', '', '', '', '', 3000, 540]);
    const xlsx = await written(wb);
    for (const options of [{ source: 'pr.xlsx' }, { source: 'pr.xlsx', maxRows: 500 }, { source: 'pr.xlsx', maxCells: 3_000 }]) {
      const now = await readRegisterXlsx(pieces(xlsx, 10_000), options);
      const before = await readRegisterXlsxWithExceljs(pieces(xlsx, 10_000), options);
      expect(now).toEqual(before);
    }
  });

  it('a 1904 workbook: the same cells, but the register dates are the typed ones where exceljs read them 1,462 days early', async () => {
    const rnd = prng(32);
    const wb = new ExcelJS.Workbook();
    wb.properties.date1904 = true;
    const ws = wb.addWorksheet('Purchase Register');
    ws.addRow(['Date', 'Particulars', 'Voucher No.', 'Supplier Invoice No', 'Supplier Invoice Date', 'GSTIN/UIN', 'Value', 'IGST']);
    for (let i = 0; i < 300; i += 1) {
      const typed = new Date(Date.UTC(2024, 3, 1 + Math.floor(rnd() * 360)));
      // Amounts the size of a serial must stay amounts.
      ws.addRow([typed, 'Supplier', i, `INV-${i}`, typed, '27ABCDE1234F1ZW', 40_000 + Math.floor(rnd() * 10_000), 18]).getCell(1).numFmt = 'dd-mm-yyyy';
    }
    const xlsx = await written(wb);
    await expectSameSheets(xlsx);
    const now = await readRegisterXlsx(pieces(xlsx, 10_000), { source: 'pr.xlsx' });
    const before = await readRegisterXlsxWithExceljs(pieces(xlsx, 10_000), { source: 'pr.xlsx' });
    const early = (iso: string | undefined) => (iso ? isoFromDay(dayOfIso(iso) - 1462) : iso);
    // Every document as exceljs's reader read it: the new one's with both dates moved 1,462 days back.
    expect(now.rows.map((r) => ({ ...r, invoiceDate: early(r.invoiceDate), voucherDate: early(r.voucherDate) }))).toEqual(before.rows);
    expect({ ...now, rows: [] }).toEqual({ ...before, rows: [] });
    // And the new reader's dates are the typed ones (the rows' dates fall in the written range).
    expect(now.rows.every((r) => r.invoiceDate >= '2024-04-01' && r.invoiceDate <= '2025-03-27' && r.voucherDate === r.invoiceDate)).toBe(true);
  });
});

describe('XLSX sheet reader: refusals', () => {
  const SST = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
  const sheetOf = (rows: string) => `<worksheet ${SST}><sheetData>${rows}</sheetData></worksheet>`;
  const emptySst = `<sst ${SST}></sst>`;

  it.each([
    ['not a ZIP behind the ZIP signature', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(200, 7)])],
    ['a ZIP cut short', zipOf(workbookParts(sheetOf('<row r="1"><c r="A1"><v>1</v></c></row>'.repeat(2_000)), emptySst)).subarray(0, 900)],
    ['a cell without a reference', zipOf(workbookParts(sheetOf('<row r="1"><c><v>1</v></c></row>'), emptySst))],
    ['a cell reference in lower case', zipOf(workbookParts(sheetOf('<row r="1"><c r="a1"><v>1</v></c></row>'), emptySst))],
    ['a row without a number holding a cell', zipOf(workbookParts(sheetOf('<row><c r="A1"><v>1</v></c></row>'), emptySst))],
  ])('%s is refused as before (invalid_xlsx)', async (_name, xlsx) => {
    const now = await readRegisterXlsx(xlsx);
    const before = await readRegisterXlsxWithExceljs(xlsx);
    expect({ ok: before.ok, codes: before.errors.map((e) => e.code) }).toEqual({ ok: false, codes: ['invalid_xlsx'] });
    expect({ ok: now.ok, codes: now.errors.map((e) => e.code) }).toEqual({ ok: false, codes: ['invalid_xlsx'] });
    expect(now.errors[0]!.message).toMatch(/^workbook could not be read: ./);
  });

  it('a known difference: a </row> or </c> inside CDATA or a comment ends the row or the cell there (exceljs read past it)', async () => {
    const codes = async (rows: string) => (await readRegisterXlsx(zipOf(workbookParts(sheetOf(rows), emptySst)))).errors.map((e) => e.code);
    expect(await codes('<row r="1"><c r="A1"><v><![CDATA[</row>]]></v></c></row>')).toEqual(['invalid_xlsx']);
    expect(await codes('<row r="1"><c r="A1"><v><![CDATA[</c>]]></v></c></row>')).toEqual(['invalid_xlsx']);
    expect(await codes('<row r="1"><c r="A1"><!-- </c> --><v>1</v></c></row>')).toEqual(['invalid_xlsx']);
    // A comment between two cells: the cells after it are not read.
    const xlsx = zipOf(workbookParts(sheetOf('<row r="1"><c r="A1"><v>1</v></c><!-- </row> --><c r="B1"><v>2</v></c></row><row r="2"><c r="A2"><v>3</v></c></row>'), emptySst));
    expect((await collect(xlsxSheets(pieces(xlsx, 64))))[0]!.rows).toEqual([{ number: 1, cells: [1] }, { number: 2, cells: [3] }]);
    expect((await collect(exceljsSheets(pieces(xlsx, 64))))[0]!.rows).toEqual([{ number: 1, cells: [1, 2] }, { number: 2, cells: [3] }]);
  });

  it('not an XLSX at all, or empty: refused before any unzipping', async () => {
    expect((await readRegisterXlsx(Buffer.from('a,b\n1,2\n'))).errors.map((e) => e.code)).toEqual(['not_xlsx']);
    expect((await readRegisterXlsx(Buffer.alloc(0))).errors.map((e) => e.code)).toEqual(['empty_file']);
  });

  it('a sheet of more rows than allowed stops at the cap with too_many_rows, reading no further', async () => {
    const rows = Array.from({ length: 30_000 }, (_, i) => `<row r="${i + 1}"><c r="A${i + 1}"><v>${i}</v></c></row>`).join('');
    const xlsx = zipOf(workbookParts(sheetOf(rows), emptySst));
    const now = await readRegisterXlsx(xlsx, { maxRows: 100 });
    expect(now.errors.map((e) => e.code)).toContain('too_many_rows');
    expect(now).toEqual(await readRegisterXlsxWithExceljs(xlsx, { maxRows: 100 }));
  });

  it('holds a row at a time, not the sheet: a 40 MB sheet read in small pieces keeps the heap far below its size', async () => {
    const row = (i: number) => `<row r="${i}"><c r="A${i}" t="inlineStr"><is><t>${'x'.repeat(400)}</t></is></c></row>`;
    const parts: ZipPart[] = workbookParts(sheetOf(Array.from({ length: 100_000 }, (_, i) => row(i + 1)).join('')), emptySst);
    const xlsx = zipOf(parts);
    // The sheet's text is 44 MB (twice that as a JS string); what the reader holds between batches
    // may be a fraction of it. Measured after a collection every 10,000 rows: garbage not yet
    // collected is not held, and how much of it there is depends on the machine's load.
    const base = retainedHeap();
    let peak = base;
    let rows = 0;
    let nextSample = 0;
    for await (const sheet of xlsxSheets(pieces(xlsx, 16_384))) {
      for await (const batch of sheet.rows) {
        rows += batch.length;
        if (rows >= nextSample) {
          peak = Math.max(peak, retainedHeap());
          nextSample += 10_000;
        }
      }
    }
    expect({ rows, grewMb: Math.round((peak - base) / 1e6), grewByLessThan20Mb: peak - base < 20e6 }).toEqual({ rows: 100_000, grewMb: expect.any(Number) as number, grewByLessThan20Mb: true });
    // Ten full collections and 44 MB of XML: minutes, not seconds, on a loaded two-core machine.
  }, 240_000);
});
