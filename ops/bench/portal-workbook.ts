/**
 * Writes the portal's GSTR-2B (or GSTR-2A) Excel download from the same data as its JSON, to the
 * layout docs/reconciliation.md ("Inputs") describes: a Read me sheet with the title block (return
 * name, financial year, tax period, GSTIN), summary sheets, and per section a data sheet with a
 * title, a two-row header (group headings merged over their columns, single headings merged over
 * both rows) and one row per tax-rate line, with state names, Yes/No, `Jun'24` periods and real
 * dates. Tests build both files from one JSON object and compare what the API makes of them; the
 * portal Excel benchmark (portal-xlsx.bench.ts) reads what it writes. Kept beside the benchmark's
 * other generators (recon-data.ts) so that tests import from ops/bench, never the reverse.
 */
import * as ExcelJS from 'exceljs';
import { STATE_CODES } from '../../domain/gstin';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A column: its heading, the group heading above it (if any), and its value for a row. */
type Column = { heading: string; group?: string; value: (supplier: Obj, doc: Obj, item: Obj) => unknown };

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** `05-06-2024` → a UTC Date (as Excel date cells come back). */
export function excelDate(ddmmyyyy: unknown): Date | null {
  if (typeof ddmmyyyy !== 'string' || !ddmmyyyy) return null;
  const [d, m, y] = ddmmyyyy.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d));
}
const yesNo = (v: unknown) => (v === 'Y' ? 'Yes' : v === 'N' ? 'No' : v);
const monthYear = (mmyyyy: unknown) => (typeof mmyyyy === 'string' && mmyyyy.length === 6 ? `${MONTHS[Number(mmyyyy.slice(0, 2)) - 1]}'${mmyyyy.slice(4)}` : null);
const stateName = (code: unknown) => (typeof code === 'string' ? (STATE_CODES as Record<string, string>)[code] ?? code : null);
const reason = (rsn: unknown) => (rsn === 'P' ? 'POS and supplier state are same but recipient state is different' : rsn === 'C' ? 'Return filed post annual cut-off' : rsn ?? null);
const head = (f: string) => (_s: Obj, doc: Obj, item: Obj) => item[f] ?? doc[f] ?? null;

const TAIL: Column[] = [
  { heading: 'Place of supply', value: (_s, d) => stateName(d.pos) },
  { heading: 'Supply Attract Reverse Charge', value: (_s, d) => yesNo(d.rev) },
  { heading: 'Rate (%)', value: (_s, _d, i) => i.rt ?? null },
  { heading: 'Taxable Value (₹)', value: head('txval') },
  { heading: 'Integrated Tax (₹)', group: 'Tax Amount', value: head('igst') },
  { heading: 'Central Tax (₹)', group: 'Tax Amount', value: head('cgst') },
  { heading: 'State/UT Tax (₹)', group: 'Tax Amount', value: head('sgst') },
  { heading: 'Cess (₹)', group: 'Tax Amount', value: head('cess') },
  { heading: 'GSTR-1/IFF/GSTR-5 Period', value: (s) => monthYear(s.supprd) },
  { heading: 'GSTR-1/IFF/GSTR-5 Filing Date', value: (s) => excelDate(s.supfildt) },
  { heading: 'ITC Availability', value: (_s, d) => yesNo(d.itcavl) },
  { heading: 'Reason', value: (_s, d) => reason(d.rsn) },
  { heading: 'Applicable % of Tax Rate', value: (_s, d) => (d.diffprcnt === undefined ? null : d.diffprcnt * 100) },
  { heading: 'Source', value: (_s, d) => d.srctyp ?? null },
  { heading: 'IRN', value: (_s, d) => d.irn ?? null },
  { heading: 'IRN Date', value: (_s, d) => excelDate(d.irngendate) },
];
const SUPPLIER: Column[] = [
  { heading: 'GSTIN of supplier', value: (s) => s.ctin },
  { heading: 'Trade/Legal name', value: (s) => s.trdnm ?? '' },
];
const invoiceType = (t: unknown) => (t === 'R' ? 'Regular' : t === 'SEZWP' ? 'SEZ supplies with payment of tax' : t === 'SEZWOP' ? 'SEZ supplies without payment of tax' : t === 'DE' ? 'Deemed Export' : t);
const INVOICE: Column[] = [
  { heading: 'Invoice number', group: 'Invoice Details', value: (_s, d) => d.inum },
  { heading: 'Invoice type', group: 'Invoice Details', value: (_s, d) => invoiceType(d.typ) },
  { heading: 'Invoice Date', group: 'Invoice Details', value: (_s, d) => excelDate(d.dt) },
  { heading: 'Invoice Value (₹)', group: 'Invoice Details', value: (_s, d) => d.val },
];
const NOTE: Column[] = [
  { heading: 'Note number', group: 'Credit note/Debit note details', value: (_s, d) => d.ntnum },
  { heading: 'Note type', group: 'Credit note/Debit note details', value: (_s, d) => (d.typ === 'C' ? 'Credit Note' : 'Debit Note') },
  { heading: 'Note Supply type', group: 'Credit note/Debit note details', value: (_s, d) => invoiceType(d.suptyp) },
  { heading: 'Note date', group: 'Credit note/Debit note details', value: (_s, d) => excelDate(d.dt) },
  { heading: 'Note Value (₹)', group: 'Credit note/Debit note details', value: (_s, d) => d.val },
];
const BILL_OF_ENTRY: Column[] = [
  { heading: 'Icegate Reference Date', value: (_s, d) => excelDate(d.refdt) },
  { heading: 'Port Code', group: 'Bill of entry details', value: (_s, d) => d.portcode },
  { heading: 'Bill of Entry Number', group: 'Bill of entry details', value: (_s, d) => String(d.boenum) },
  { heading: 'Bill of Entry Date', group: 'Bill of entry details', value: (_s, d) => excelDate(d.boedt) },
  { heading: 'Taxable Value (₹)', group: 'Bill of entry details', value: head('txval') },
  { heading: 'Integrated Tax (₹)', group: 'Amount of tax (₹)', value: head('igst') },
  { heading: 'Cess (₹)', group: 'Amount of tax (₹)', value: head('cess') },
  { heading: 'Amended (Yes)', value: (_s, d) => yesNo(d.isamd) },
];
const revised = (cols: Column[]) => cols.map((c) => ({ ...c, group: 'Revised Details' }));

/** Section → sheet name and columns, in the portal's order. */
const SHEETS: Array<{ section: string; sheet: string; title: string; list: string; columns: Column[] }> = [
  { section: 'b2b', sheet: 'B2B', title: 'Taxable inward supplies received from registered persons', list: 'inv', columns: [...SUPPLIER, ...INVOICE, ...TAIL] },
  {
    section: 'b2ba', sheet: 'B2BA', title: 'Amendments to previously filed invoices by supplier', list: 'inv',
    columns: [
      { heading: 'Invoice number', group: 'Original Details', value: (_s, d) => d.oinum },
      { heading: 'Invoice Date', group: 'Original Details', value: (_s, d) => excelDate(d.oidt) },
      ...revised([...SUPPLIER, ...INVOICE]), ...TAIL,
    ],
  },
  { section: 'cdnr', sheet: 'B2B-CDNR', title: 'Debit/Credit notes (Original)', list: 'nt', columns: [...SUPPLIER, ...NOTE, ...TAIL] },
  {
    section: 'cdnra', sheet: 'B2B-CDNRA', title: 'Amendments to previously filed Credit/Debit notes by supplier', list: 'nt',
    columns: [
      { heading: 'Note type', group: 'Original Details', value: (_s, d) => (d.onttyp === 'C' ? 'Credit Note' : 'Debit Note') },
      { heading: 'Note Number', group: 'Original Details', value: (_s, d) => d.ontnum },
      { heading: 'Note date', group: 'Original Details', value: (_s, d) => excelDate(d.ontdt) },
      ...revised([...SUPPLIER, ...NOTE]), ...TAIL,
    ],
  },
  { section: 'ecom', sheet: 'ECO', title: 'Documents reported by ECO on which ECO is liable to pay tax u/s 9(5)', list: 'inv', columns: [...SUPPLIER, ...INVOICE, ...TAIL] },
  {
    section: 'isd', sheet: 'ISD', title: 'ISD Credits', list: 'doclist',
    columns: [
      { heading: 'GSTIN of ISD', value: (s) => s.ctin },
      { heading: 'Trade/Legal name of the ISD', value: (s) => s.trdnm ?? '' },
      { heading: 'ISD Document type', group: 'ISD Document details', value: (_s, d) => (d.doctyp === 'ISDC' ? 'ISD Credit note' : 'ISD Invoice') },
      { heading: 'ISD Document number', group: 'ISD Document details', value: (_s, d) => d.docnum },
      { heading: 'ISD Document date', group: 'ISD Document details', value: (_s, d) => excelDate(d.docdt) },
      { heading: 'Original Invoice Number', group: 'ISD Document details', value: (_s, d) => d.oinvnum ?? null },
      { heading: 'Original Invoice Date', group: 'ISD Document details', value: (_s, d) => excelDate(d.oinvdt) },
      { heading: 'Integrated Tax (₹)', group: 'Input tax distribution by ISD', value: head('igst') },
      { heading: 'Central Tax (₹)', group: 'Input tax distribution by ISD', value: head('cgst') },
      { heading: 'State/UT Tax (₹)', group: 'Input tax distribution by ISD', value: head('sgst') },
      { heading: 'Cess (₹)', group: 'Input tax distribution by ISD', value: head('cess') },
      { heading: 'Eligibility of ITC', value: (_s, d) => yesNo(d.itcelg) },
    ],
  },
  { section: 'impg', sheet: 'IMPG', title: 'Import of goods from overseas on bill of entry', list: '', columns: BILL_OF_ENTRY },
  { section: 'impgsez', sheet: 'IMPGSEZ', title: 'Import of goods from SEZ units / developers on bill of entry', list: 'boe', columns: [...SUPPLIER, ...BILL_OF_ENTRY] },
];

/** 2A states no ITC availability; it shows the supplier's filing status instead. */
const FILING_2A: Column[] = [
  { heading: 'GSTR-1/5 Filing Status', value: (s) => yesNo(s.cfs ?? 'Y') },
  { heading: 'GSTR-3B Filing Status', value: (s) => yesNo(s.cfs3b ?? 'Y') },
  { heading: 'Effective date of cancellation', value: (s) => excelDate(s.dtcancel) },
];
const SHEET_2A: Record<string, string> = { 'B2B-CDNR': 'CDNR', 'B2B-CDNRA': 'CDNRA' };

function dataSheet(wb: ExcelJS.Workbook, spec2b: (typeof SHEETS)[number], entries: Obj[], form: '2A' | '2B'): void {
  const spec = form === '2B' ? spec2b : {
    ...spec2b,
    sheet: SHEET_2A[spec2b.sheet] ?? spec2b.sheet,
    columns: [...spec2b.columns.filter((c) => c.heading !== 'ITC Availability' && c.heading !== 'Reason'), ...FILING_2A],
  };
  const ws = wb.addWorksheet(spec.sheet);
  ws.addRow([`Goods and Services Tax - GSTR-${form}`]);
  ws.addRow([spec.title]);
  ws.addRow([]);
  const groupRow = ws.addRow(spec.columns.map((c) => c.group ?? c.heading));
  const headRow = ws.addRow(spec.columns.map((c) => (c.group ? c.heading : null)));
  // The portal's merges: a group heading over its columns, a single heading over both rows.
  let i = 0;
  while (i < spec.columns.length) {
    const group = spec.columns[i]!.group;
    let j = i;
    while (group && spec.columns[j + 1]?.group === group) j += 1;
    if (group) {
      if (j > i) ws.mergeCells(groupRow.number, i + 1, groupRow.number, j + 1);
    } else ws.mergeCells(groupRow.number, i + 1, headRow.number, i + 1);
    i = j + 1;
  }
  for (const supplier of entries) {
    // IMPG lists bills of entry directly; the other sections list them under a supplier.
    for (const doc of spec.list ? (supplier[spec.list] as Obj[]) ?? [] : [supplier]) {
      const lines: Obj[] = Array.isArray(doc.items) && doc.items.length > 0 ? doc.items : [{}];
      for (const item of lines) ws.addRow(spec.columns.map((c) => c.value(supplier, doc, item) ?? null));
    }
  }
}

/**
 * The portal's Excel for a 2B JSON object (`{data: {gstin, rtnprd, docdata}}`), as a Buffer;
 * `date1904` saves it in the 1904 date system, as old Mac Excel did (its date serials 1,462 smaller).
 */
export async function portalWorkbookOf(json: Obj, options: { form?: '2A' | '2B'; statePeriod?: boolean; date1904?: boolean } = {}): Promise<Buffer> {
  const form = options.form ?? '2B';
  const data = (json.data ?? json) as Obj;
  const rtnprd = String(data.rtnprd);
  const month = Number(rtnprd.slice(0, 2));
  const year = Number(rtnprd.slice(2));
  const fyStart = month >= 4 ? year : year - 1;
  const wb = new ExcelJS.Workbook();
  wb.properties.date1904 = options.date1904 === true;
  const readMe = wb.addWorksheet('Read me');
  readMe.addRow([`Goods and Services Tax - GSTR-${form}`]);
  readMe.addRow([]);
  readMe.addRow(['Financial Year', `${fyStart}-${String((fyStart + 1) % 100).padStart(2, '0')}`]);
  if (options.statePeriod !== false) readMe.addRow(['Tax Period', MONTH_NAMES[month - 1]]);
  readMe.addRow(['GSTIN', data.gstin]);
  readMe.addRow(['Legal Name', 'Recipient Traders Private Limited']);
  readMe.addRow(['Date of generation', data.gendt ?? '']);
  readMe.addRow([]);
  readMe.addRow([`This statement is generated from GSTR-1/IFF, GSTR-5 and GSTR-6 of suppliers. Unlike GSTR-${form === '2B' ? '2A' : '2B'}, …`]);
  if (form === '2B') {
    wb.addWorksheet('ITC Available').addRow(['ITC Available - Summary']);
    wb.addWorksheet('ITC not available').addRow(['ITC not available - Summary']);
  }
  const docdata = (data.docdata ?? {}) as Record<string, Obj[]>;
  // 2A has no e-commerce operator sheet.
  for (const spec of SHEETS) if (form === '2B' || spec.section !== 'ecom') dataSheet(wb, spec, docdata[spec.section] ?? [], form);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
