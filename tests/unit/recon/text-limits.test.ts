/**
 * Limits on what a document keeps (domain/recon/text-limits.ts, docs/security-limits.md "Cells and
 * texts"), on amounts, and which number column is the supplier's (register-header.ts), read through
 * the real readers.
 */
import { paiseFromNumber, parseAmount } from '../../../domain/recon/amounts';
import { reconcile } from '../../../domain/recon';
import { readGstr2a } from '../../../domain/recon/gstr2a-reader';
import { readRegisterCsv, readRegisterXlsx } from '../../../domain/recon/register-reader';
import { RegisterSink } from '../../../domain/recon/register-sink';
import { TEXT_LIMITS } from '../../../domain/recon/text-limits';
import { workbookParts, zipOf } from '../../security/zip-writer';
import { CLIENT, SUP_A } from './builders';

const GSTIN = '27AAPFU0939F1ZV';
const HEADER = ['Date', 'Particulars', 'Voucher Type', 'Voucher No.', 'Voucher Ref. No.', 'Voucher Ref. Date', 'GSTIN/UIN', 'Place of Supply', 'Port Code', 'Value', 'IGST'];
const ROW = ['05-06-2024', 'Alpha Metals', 'Purchase', 'P-1', 'B-45', '05-06-2024', GSTIN, '27', 'INNSA1', '1000', '180'];

/** The register of one row, `cells` put over the plain row's, read by the CSV reader. */
async function readOne(cells: Record<number, string>) {
  const row = ROW.map((c, i) => cells[i] ?? c);
  return readRegisterCsv(Buffer.from([HEADER.join(','), row.join(',')].join('\n')), { source: 'pr.csv' });
}

describe('texts a register document keeps', () => {
  it.each([
    [1, 'supplierName', 'Particulars', TEXT_LIMITS.name],
    [3, 'voucherNumber', 'Voucher No.', TEXT_LIMITS.number],
    [4, 'invoiceNumber', 'Voucher Ref. No.', TEXT_LIMITS.number],
    [2, 'voucherType', 'Voucher Type', TEXT_LIMITS.code],
    [6, 'gstin', 'GSTIN/UIN', TEXT_LIMITS.code],
    [7, 'placeOfSupply', 'Place of Supply', TEXT_LIMITS.code],
    [8, 'portCode', 'Port Code', TEXT_LIMITS.code],
    [5, 'invoiceDate', 'Voucher Ref. Date', TEXT_LIMITS.code],
  ] as const)('column %i (%s): up to its limit read, one character more a row error naming row, column and field', async (col, field, column, max) => {
    const at = await readOne({ [col]: 'A'.repeat(max) });
    expect(at.errors.filter((e) => e.code === 'text_too_long')).toEqual([]);
    const over = await readOne({ [col]: 'A'.repeat(max + 1) });
    expect(over.errors).toEqual([{ code: 'text_too_long', rowRef: 'pr.csv:2', line: 2, column, field, message: `${max + 1} characters, more than the ${max} this field may have` }]);
    expect(over.rows).toEqual([]);
  });

  it('refuses a giant amount text before scanning it', async () => {
    const r = await readOne({ 9: '1'.repeat(5_000) });
    expect(r.errors).toEqual([expect.objectContaining({ code: 'invalid_amount', field: 'taxableValue', message: 'not an amount: 5000 characters, more than the 200 this field may have' })]);
  });

  it('keeps a title row and an issue message short, and reads a header cell over the name limit as no column', async () => {
    const longTitle = `Purchase Register ${'x'.repeat(5_000)}`;
    const r = await readRegisterCsv(Buffer.from([longTitle, HEADER.join(','), ROW.join(',').replace('Purchase', `Odd${'y'.repeat(3_000)}`)].join('\n')));
    expect(r.titleText[0]).toBe(longTitle.slice(0, TEXT_LIMITS.name));
    const sink = new RegisterSink({});
    // Would name a purchase ledger (an amount column) if it were read as a heading: it is not, like any unknown header.
    sink.row([...HEADER.slice(0, 9), `Purchase ${'z'.repeat(2_000)}`, 'IGST'], 1);
    sink.row([...ROW.slice(0, 9), '1000', '180'], 2);
    const read = sink.result();
    expect({ errors: read.errors, columns: read.mapping[0]!.columns.map((c) => c.column), igst: read.rows.map((d) => d.igst) }).toEqual({
      errors: [], columns: [0, 1, 2, 3, 4, 5, 6, 7, 8, 10], igst: [180_00],
    });
  });

  it('refuses a CSV record over 4 MB wherever the giant cell sits, quoted or not', async () => {
    for (const cell of ['x'.repeat(4_300_000), `"${'x,'.repeat(2_150_000)}"`]) {
      const file = [HEADER.join(','), ROW.join(','), [...ROW.slice(0, 10), '180', cell].join(',')].join('\n');
      const r = await readRegisterCsv(Buffer.from(file));
      expect({ ok: r.ok, errors: r.errors }).toEqual({ ok: false, errors: [{ code: 'record_too_long', fatal: true, line: 3, message: 'line 3 has more than 4 MB of text: no register row is that long' }] });
    }
  });

  it("refuses an XLSX inline string past Excel's 32,767 characters", async () => {
    const ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
    const sheet = `<worksheet ${ns}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>${'A'.repeat(32_768)}</t></is></c></row></sheetData></worksheet>`;
    const r = await readRegisterXlsx(zipOf(workbookParts(sheet, `<sst ${ns} count="0" uniqueCount="0"></sst>`)));
    expect(r.errors).toEqual([expect.objectContaining({ code: 'invalid_xlsx', fatal: true, message: "workbook could not be read: a cell of the workbook has 32768 characters, more than Excel's 32767" })]);
  });

  it('reads 400,000 cells that all reference one 32,767-space shared string, trimming it once', async () => {
    // A small ZIP whose cells all point at one padded string: trimmed per cell it cost ~60 s here.
    // Counted, not timed: the calls of trim on a string that long.
    const ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
    const strings = [...HEADER, ' '.repeat(32_767), ' Alpha Metals '];
    const sst = `<sst ${ns}>${strings.map((t) => `<si><t xml:space="preserve">${t}</t></si>`).join('')}</sst>`;
    const col = (i: number) => (i < 26 ? '' : String.fromCharCode(64 + Math.floor(i / 26))) + String.fromCharCode(65 + (i % 26));
    const cell = (i: number, r: number, s: number) => `<c r="${col(i)}${r}" t="s"><v>${s}</v></c>`;
    const rows = [`<row r="1">${HEADER.map((_, i) => cell(i, 1, i)).join('')}</row>`];
    const real = ROW.map((t, i) => (i === 1 ? cell(i, 2, strings.length - 1) : `<c r="${col(i)}2" t="inlineStr"><is><t>${t}</t></is></c>`)).join('');
    rows.push(`<row r="2">${real}</row>`);
    for (let r = 3; r <= 2001; r += 1) rows.push(`<row r="${r}">${Array.from({ length: 200 }, (_, i) => cell(i + HEADER.length, r, HEADER.length)).join('')}</row>`);
    const bytes = zipOf(workbookParts(`<worksheet ${ns}><sheetData>${rows.join('')}</sheetData></worksheet>`, sst));
    const trim = jest.spyOn(String.prototype, 'trim');
    let r: Awaited<ReturnType<typeof readRegisterXlsx>>;
    let long: number[];
    try {
      r = await readRegisterXlsx(bytes);
      long = (trim.mock.contexts as unknown as string[]).map((t) => t.length).filter((n) => n >= 32_767);
    } finally {
      trim.mockRestore();
    }
    expect({ ok: r.ok, rows: r.rows.map((d) => d.supplierName), blank: r.skipped.blank }).toEqual({ ok: true, rows: ['Alpha Metals'], blank: 1999 });
    expect(long).toEqual([32_767]);
  });
});

describe('texts a GSTR-2A document keeps', () => {
  it('leaves out a document whose number is over its limit, with an error naming the entry', async () => {
    const inv = (inum: string) => ({ inum, idt: '05-06-2024', val: 118, pos: '27', rchrg: 'N', itms: [{ itm_det: { txval: 100, iamt: 18 } }] });
    const r = await readGstr2a(JSON.stringify({ gstin: CLIENT, fp: '062024', b2b: [{ ctin: SUP_A, inv: [inv('A-1'), inv('N'.repeat(101))] }] }));
    expect(r.documents.map((d) => d.numberRaw)).toEqual(['A-1']);
    expect(r.errors).toEqual([{ code: 'text_too_long', section: 'b2b', index: 0, docIndex: 1, field: 'numberRaw', message: 'Document number: 101 characters, more than the 100 this field may have' }]);
  });
});

describe("Busy's Vch/Bill No next to the supplier's bill number", () => {
  const busy = (head: string) => [head, `P-1,Gamma Traders,${GSTIN},B-45,05-06-2024,1000,180`, `P-2,Gamma Traders,${GSTIN},B-46,06-06-2024,500,90`].join('\n');

  it("reads Supplier Bill No as the invoice number and Vch/Bill No as the voucher number", async () => {
    const r = await readRegisterCsv(Buffer.from(busy('Vch/Bill No,Party Name,GSTIN,Supplier Bill No,Supplier Bill Date,Taxable Amount,IGST')));
    expect(r.errors).toEqual([]);
    expect(r.rows.map((d) => [d.invoiceNumberRaw, d.voucherNumber])).toEqual([['B-45', 'P-1'], ['B-46', 'P-2']]);
    expect(r.mapping[0]!.columns.slice(0, 4).map((c) => c.field)).toEqual(['voucherNumber', 'supplierName', 'gstin', 'invoiceNumber']);
    // The portal carries the supplier's number: the bill matches exactly (it was an amount-only probable match on P-1).
    const inv = (inum: string, idt: string, txval: number) => ({ inum, idt, val: txval * 1.18, pos: '27', rchrg: 'N', itms: [{ itm_det: { txval, iamt: txval * 0.18 } }] });
    const portal = await readGstr2a(JSON.stringify({ gstin: CLIENT, fp: '062024', b2b: [{ ctin: GSTIN, inv: [inv('B-45', '05-06-2024', 1000), inv('B-46', '06-06-2024', 500)] }] }));
    expect(portal.errors).toEqual([]);
    expect(reconcile(r.rows, portal.documents).results.map((x) => [x.books?.invoiceNumberRaw, x.portal?.numberRaw, x.category, x.reason])).toEqual([
      ['B-45', 'B-45', 'exact_match', null], ['B-46', 'B-46', 'exact_match', null],
    ]);
  });

  it("does not take a plain Bill No (or Invoice No) beside Vch/Bill No for the supplier's number: the first filled column wins, with a warning naming both", async () => {
    for (const [head, other] of [
      ['Vch/Bill No,Party Name,GSTIN,Bill No,Bill Date,Taxable Amount,IGST', 'Bill No'],
      ['Vch/Bill No,Party Name,GSTIN,Invoice No,Invoice Date,Taxable Amount,IGST', 'Invoice No'],
    ] as const) {
      const r = await readRegisterCsv(Buffer.from(busy(head)));
      expect({ head, errors: r.errors, docs: r.rows.map((d) => [d.invoiceNumberRaw, d.voucherNumber]) }).toEqual({ head, errors: [], docs: [['P-1', undefined], ['P-2', undefined]] });
      expect(r.mapping[0]!.columns.slice(0, 4).map((c) => c.field)).toEqual(['invoiceNumber', 'supplierName', 'gstin', 'invoiceNumber']);
      expect(r.warnings.filter((w) => w.code === 'ambiguous_invoice_number_column')).toEqual([{
        code: 'ambiguous_invoice_number_column', line: 1,
        message: `both "Vch/Bill No" and "${other}" read as the invoice number: "Vch/Bill No" is taken where it is filled, else "${other}"; if "${other}" holds the supplier's bill number (the one GSTR-2B carries), map it to the invoice number and "Vch/Bill No" to the voucher number`,
      }]);
    }
    // Bill No first, or empty: never a row without its number (Busy's Bill No may be the firm's bill-by-bill reference, or blank).
    const empty = await readRegisterCsv(Buffer.from([
      'Date,Bill No,Vch/Bill No,Account,GSTIN,Taxable Amount,IGST',
      `05-06-2024,,77,Gamma Traders,${GSTIN},1000,180`,
      `06-06-2024,G-2,78,Gamma Traders,${GSTIN},500,90`,
    ].join('\n')));
    expect(empty.rows.map((d) => d.invoiceNumberRaw)).toEqual(['77', 'G-2']);
    expect(empty.warnings.find((w) => w.code === 'ambiguous_invoice_number_column')?.message).toMatch(/^both "Bill No" and "Vch\/Bill No" read as the invoice number: "Bill No" is taken where it is filled, else "Vch\/Bill No"/);
    // The user's mapping settles it: no warning.
    const mapped = await readRegisterCsv(Buffer.from(busy('Vch/Bill No,Party Name,GSTIN,Bill No,Bill Date,Taxable Amount,IGST')), { columnMap: { 'Vch/Bill No': 'voucherNumber', 'Bill No': 'invoiceNumber' } });
    expect({ docs: mapped.rows.map((d) => [d.invoiceNumberRaw, d.voucherNumber]), warnings: mapped.warnings.map((w) => w.code) }).toEqual({ docs: [['B-45', 'P-1'], ['B-46', 'P-2']], warnings: [] });
    // Supplier Bill No decides as before, and no warning (Vch/Bill No is then the voucher number).
    const supplier = await readRegisterCsv(Buffer.from(busy('Vch/Bill No,Party Name,GSTIN,Supplier Bill No,Supplier Bill Date,Taxable Amount,IGST')));
    expect(supplier.warnings.map((w) => w.code)).toEqual([]);
  });

  it("keeps Vch/Bill No as the invoice number when no column names the supplier's, or when the user mapped it so", async () => {
    const plain = await readRegisterCsv(Buffer.from(busy('Vch/Bill No,Party Name,GSTIN,Ref,Bill Date,Taxable Amount,IGST')));
    expect(plain.rows.map((d) => d.invoiceNumberRaw)).toEqual(['P-1', 'P-2']);
    const mapped = await readRegisterCsv(Buffer.from(busy('Vch/Bill No,Party Name,GSTIN,Supplier Bill No,Supplier Bill Date,Taxable Amount,IGST')), { columnMap: { 'Vch/Bill No': 'invoiceNumber' } });
    expect(mapped.rows.map((d) => d.invoiceNumberRaw)).toEqual(['P-1', 'P-2']);
    const mappedBeside = await readRegisterCsv(Buffer.from(busy('Vch/Bill No,Party Name,GSTIN,Bill No,Bill Date,Taxable Amount,IGST')), { columnMap: { 'Vch/Bill No': 'invoiceNumber' } });
    expect(mappedBeside.rows.map((d) => d.invoiceNumberRaw)).toEqual(['P-1', 'P-2']);
  });
});

describe('amount bound', () => {
  it('accepts up to ₹10 lakh crore and refuses more, as text and as a number', () => {
    expect(parseAmount('1,00,00,00,00,00,000')).toEqual({ ok: true, paise: 1e15 });
    expect(parseAmount('1,00,00,00,00,00,000.01')).toEqual({ ok: false, reason: 'amount too large' });
    expect(paiseFromNumber(1e13)).toEqual({ ok: true, paise: 1e15 });
    // Once stored as ₹1,00,00,00,00,00,000.00: past 2^53 paise the digits were lost.
    expect(paiseFromNumber(Number('99999999999999.999'))).toEqual({ ok: false, reason: 'amount too large' });
    expect(parseAmount('1,000.005')).toEqual({ ok: true, paise: 1000_01 }); // rounded to the paisa, half away from zero
  });
});
