/**
 * Which column gives a register row its invoice number and date when several map to them
 * (register-header.ts, supplierColumnsFirst; docs/reconciliation.md "Inputs"): a header that says
 * the number is the supplier's (Supplier Bill No, Party Bill No, Voucher Ref. No.…) outranks a
 * generic one (Bill No, Invoice No…) in either column order, the generic one filling in only where
 * the supplier's is blank; a column the user mapped comes first. Read through the real CSV and XLSX
 * readers, and matched against the portal's numbers.
 */
import * as ExcelJS from 'exceljs';
import { reconcile } from '../../../domain/recon';
import { readGstr2a } from '../../../domain/recon/gstr2a-reader';
import { readRegisterCsv, readRegisterXlsx } from '../../../domain/recon/register-reader';
import type { RegisterReadResult } from '../../../domain/recon/register-sink';
import { CLIENT } from './builders';

const GSTIN = '27AAPFU0939F1ZV';

/** A Busy register with the three number columns in the order given; each row's values by column name. */
function busy(order: readonly string[], rows: ReadonlyArray<Record<string, string>>): string {
  const base: Record<string, string> = { Date: '05-06-2024', Account: 'Gamma Traders', GSTIN, 'Taxable Amount': '1000', IGST: '180' };
  const head = ['Date', ...order, 'Account', 'GSTIN', 'Taxable Amount', 'IGST'];
  return [head.join(','), ...rows.map((r) => head.map((h) => ({ ...base, ...r })[h] ?? '').join(','))].join('\n');
}

const ROWS = [
  { 'Vch/Bill No': 'P-1', 'Bill No': 'OWN-1', 'Supplier Bill No': 'B-45' },
  // The supplier's column blank: the plain Bill No fills in.
  { 'Vch/Bill No': 'P-2', 'Bill No': 'B-46', 'Supplier Bill No': '' },
  { 'Vch/Bill No': 'P-3', 'Bill No': '', 'Supplier Bill No': 'B-47' },
];
const EXPECTED = [['B-45', 'P-1'], ['B-46', 'P-2'], ['B-47', 'P-3']];

const numbers = (r: RegisterReadResult) => r.rows.map((d) => [d.invoiceNumberRaw, d.voucherNumber]);
const fields = (r: RegisterReadResult) => Object.fromEntries(r.mapping[0]!.columns.map((c) => [c.header, c.field]));

describe("a column that names the supplier's number outranks a generic one", () => {
  it.each([
    ['Vch/Bill No, Bill No, Supplier Bill No', ['Vch/Bill No', 'Bill No', 'Supplier Bill No']],
    ['Bill No, Vch/Bill No, Supplier Bill No', ['Bill No', 'Vch/Bill No', 'Supplier Bill No']],
    ['Supplier Bill No, Bill No, Vch/Bill No', ['Supplier Bill No', 'Bill No', 'Vch/Bill No']],
  ] as const)("Busy's %s: Supplier Bill No is the invoice number, Bill No only where it is blank, Vch/Bill No the voucher number, no warning", async (_, order) => {
    const r = await readRegisterCsv(Buffer.from(busy(order, ROWS)));
    expect({ errors: r.errors, warnings: r.warnings.map((w) => w.code), numbers: numbers(r), fields: fields(r) }).toEqual({
      errors: [], warnings: [], numbers: EXPECTED,
      fields: expect.objectContaining({ 'Vch/Bill No': 'voucherNumber', 'Bill No': 'invoiceNumber', 'Supplier Bill No': 'invoiceNumber' }),
    });
  });

  it('reads an XLSX register the same way as its CSV', async () => {
    const order = ['Vch/Bill No', 'Bill No', 'Supplier Bill No'];
    const csv = busy(order, ROWS);
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('Register').addRows(csv.split('\n').map((line) => line.split(',')));
    const xlsx = Buffer.from(await workbook.xlsx.writeBuffer());
    const [fromCsv, fromXlsx] = [await readRegisterCsv(Buffer.from(csv)), await readRegisterXlsx(xlsx)];
    expect({ numbers: numbers(fromXlsx), errors: fromXlsx.errors }).toEqual({ numbers: numbers(fromCsv), errors: [] });
  });

  it('matches the portal on the supplier\'s numbers (with the plain Bill No first, every row would miss)', async () => {
    const r = await readRegisterCsv(Buffer.from(busy(['Vch/Bill No', 'Bill No', 'Supplier Bill No'], [{ 'Vch/Bill No': 'P-1', 'Bill No': 'OWN-1', 'Supplier Bill No': 'B-45' }])));
    const inv = { inum: 'B-45', idt: '05-06-2024', val: 1180, pos: '27', rchrg: 'N', itms: [{ itm_det: { txval: 1000, iamt: 180 } }] };
    const portal = await readGstr2a(JSON.stringify({ gstin: CLIENT, fp: '062024', b2b: [{ ctin: GSTIN, inv: [inv] }] }));
    expect(portal.errors).toEqual([]);
    expect(reconcile(r.rows, portal.documents).results.map((x) => [x.books?.invoiceNumberRaw, x.portal?.numberRaw, x.category])).toEqual([['B-45', 'B-45', 'exact_match']]);
  });

  it('ranks generic ERP headers the same way, and the dates with the numbers', async () => {
    const head = 'Invoice No,Invoice Date,Party Name,GSTIN,Party Invoice No,Party Invoice Date,Taxable Value,IGST';
    const r = await readRegisterCsv(Buffer.from([head,
      `OWN-9,01-06-2024,Gamma,${GSTIN},S-1,03-06-2024,100,18`,
      `OWN-10,02-06-2024,Gamma,${GSTIN},,,200,36`].join('\n')));
    expect({ errors: r.errors, rows: r.rows.map((d) => [d.invoiceNumberRaw, d.invoiceDate]) }).toEqual({
      errors: [], rows: [['S-1', '2024-06-03'], ['OWN-10', '2024-06-02']],
    });
    const tally = await readRegisterCsv(Buffer.from(['Date,Bill No,Voucher Ref. No.,Particulars,GSTIN/UIN,Value,IGST', `05-06-2024,OWN-1,T-1,Gamma,${GSTIN},100,18`].join('\n')));
    expect({ errors: tally.errors, numbers: tally.rows.map((d) => d.invoiceNumberRaw) }).toEqual({ errors: [], numbers: ['T-1'] });
  });

  it('keeps the order of a single column, of generic columns alone, and puts a column the user mapped first', async () => {
    const generic = await readRegisterCsv(Buffer.from(['Date,Bill No,Invoice No,Party Name,GSTIN,Taxable Value,IGST', `05-06-2024,A-1,B-1,Gamma,${GSTIN},100,18`].join('\n')));
    expect({ errors: generic.errors, numbers: generic.rows.map((d) => d.invoiceNumberRaw) }).toEqual({ errors: [], numbers: ['A-1'] });
    const mapped = await readRegisterCsv(Buffer.from(busy(['Vch/Bill No', 'Bill No', 'Supplier Bill No'], ROWS)), { columnMap: { 'Bill No': 'invoiceNumber' } });
    expect(numbers(mapped)).toEqual([['OWN-1', 'P-1'], ['B-46', 'P-2'], ['B-47', 'P-3']]);
  });
});

describe("Busy's Vch/Bill Date", () => {
  const dated = (head: readonly string[], rows: ReadonlyArray<Record<string, string>>): Buffer => {
    const base: Record<string, string> = { 'Vch/Bill Date': '05-06-2024', 'Vch/Bill No': 'P-1', Account: 'Gamma Traders', GSTIN, Type: 'I/GST-18%', Amount: '1180' };
    return Buffer.from([head.join(','), ...rows.map((r) => head.map((h) => ({ ...base, ...r })[h] ?? '').join(','))].join('\n'));
  };
  const dates = (r: RegisterReadResult) => r.rows.map((d) => [d.invoiceNumberRaw, d.invoiceDate, d.voucherDate || null, Boolean(d.dateFallback)]);

  it('is the date of the bill when it is the only date, as Busy exports the register (no row refused)', async () => {
    const head = ['Vch/Bill Date', 'Vch/Bill No', 'Account', 'GSTIN', 'Type', 'Amount'];
    const r = await readRegisterCsv(dated(head, [{}, { 'Vch/Bill Date': '07-06-2024', 'Vch/Bill No': 'P-2' }]));
    expect({ errors: r.errors, dates: dates(r), field: fields(r)['Vch/Bill Date'] }).toEqual({
      errors: [], dates: [['P-1', '2024-06-05', null, false], ['P-2', '2024-06-07', null, false]], field: 'invoiceDate',
    });
  });

  it("is the voucher's date beside the supplier's bill number, as Vch/Bill No is the voucher number there", async () => {
    const head = ['Vch/Bill Date', 'Vch/Bill No', 'Supplier Bill No', 'Supplier Bill Date', 'Account', 'GSTIN', 'Type', 'Amount'];
    const r = await readRegisterCsv(dated(head, [
      { 'Supplier Bill No': 'B-45', 'Supplier Bill Date': '01-06-2024' },
      // No supplier's date: the voucher's date stands in, and the row says so.
      { 'Vch/Bill No': 'P-2', 'Supplier Bill No': 'B-46', 'Supplier Bill Date': '' },
    ]));
    expect({ errors: r.errors, dates: dates(r), fields: fields(r) }).toEqual({
      errors: [],
      dates: [['B-45', '2024-06-01', '2024-06-05', false], ['B-46', '2024-06-05', '2024-06-05', true]],
      fields: expect.objectContaining({ 'Vch/Bill Date': 'voucherDate', 'Vch/Bill No': 'voucherNumber', 'Supplier Bill Date': 'invoiceDate' }),
    });
  });
});
