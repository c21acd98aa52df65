/**
 * Files in the shapes users upload, written from documents: a Tally-style purchase register as CSV
 * and as XLSX, the portal's GSTR-2B and GSTR-2A JSON. The parser threads' warm-up reads such files
 * made from synthetic documents (api/imports/parser-warm-up.ts), and the benchmark and tests read
 * them made from their generated data (ops/bench/recon-data.ts, register-xlsx-floor.ts); one writer
 * for each kind, so what the warm-up compiles the readers for is what the benchmark measures.
 */
import yazl from 'yazl';
import { formatPaise } from './amounts';
import type { BooksRow, PortalDoc } from './types';

/** What the files are written from: the recipient, the return period `YYYY-MM` and both sides' documents. */
export interface SampleData {
  recipientGstin: string;
  period: string;
  books: BooksRow[];
  portal: PortalDoc[];
}

function ddmmyyyy(iso: string): string {
  return `${iso.slice(8, 10)}-${iso.slice(5, 7)}-${iso.slice(0, 4)}`;
}

const rupees = (paise: number): number => paise / 100;

/** GSTR-2B JSON (the portal envelope), grouping documents per section and supplier. */
export function toGstr2bJson(data: SampleData): string {
  const sections = new Map<string, Map<string, PortalDoc[]>>();
  for (const d of data.portal) {
    if (d.period !== data.period) continue; // earlier 2Bs are other files
    let bySup = sections.get(d.section);
    if (!bySup) sections.set(d.section, (bySup = new Map()));
    const list = bySup.get(d.supplierGstin);
    if (list) list.push(d);
    else bySup.set(d.supplierGstin, [d]);
  }
  const docdata: Record<string, unknown[]> = {};
  for (const [section, bySup] of sections) {
    const notes = section === 'cdnr' || section === 'cdnra';
    docdata[section] = [...bySup].map(([ctin, docs]) => ({
      ctin,
      trdnm: docs[0]!.supplierName,
      supprd: data.period.slice(5, 7) + data.period.slice(0, 4),
      supfildt: ddmmyyyy(docs[0]!.supplierFilingDate ?? `${data.period}-11`),
      [notes ? 'nt' : 'inv']: docs.map((d) => {
        const o: Record<string, unknown> = notes
          ? { ntnum: d.numberRaw, typ: d.docType === 'credit_note' ? 'C' : 'D', suptyp: 'R' }
          : { inum: d.numberRaw, typ: 'R' };
        Object.assign(o, {
          dt: ddmmyyyy(d.date), val: rupees(d.invoiceValue), pos: d.placeOfSupply, rev: d.reverseCharge ? 'Y' : 'N',
          itcavl: d.itcAvailable ? 'Y' : 'N', diffprcnt: 1,
          txval: rupees(d.taxableValue), igst: rupees(d.igst), cgst: rupees(d.cgst), sgst: rupees(d.sgst), cess: rupees(d.cess),
        });
        if (!d.itcAvailable) o.rsn = d.itcUnavailableReason;
        if (d.original) {
          o.oinum = d.original.number;
          o.oidt = ddmmyyyy(d.original.date);
        }
        return o;
      }),
    }));
  }
  return JSON.stringify({
    chksum: 'synthetic',
    data: {
      gstin: data.recipientGstin,
      rtnprd: data.period.slice(5, 7) + data.period.slice(0, 4),
      version: '1.0',
      gendt: `14-${data.period.slice(5, 7)}-${data.period.slice(0, 4)}`,
      docdata,
    },
  });
}

/**
 * The same period's invoices and notes as a GSTR-2A JSON download (b2b and cdn sections, one item
 * each, the supplier's filing flags), for the 2A reader's throughput.
 */
export function toGstr2aJson(data: SampleData): string {
  const sections: Record<'b2b' | 'cdn', Map<string, PortalDoc[]>> = { b2b: new Map(), cdn: new Map() };
  for (const d of data.portal) {
    if (d.period !== data.period || (d.section !== 'b2b' && d.section !== 'cdnr')) continue;
    const bySup = sections[d.section === 'b2b' ? 'b2b' : 'cdn'];
    const list = bySup.get(d.supplierGstin);
    if (list) list.push(d);
    else bySup.set(d.supplierGstin, [d]);
  }
  const item = (d: PortalDoc): unknown => ({
    num: 1, itm_det: { rt: 18, txval: rupees(d.taxableValue), iamt: rupees(d.igst), camt: rupees(d.cgst), samt: rupees(d.sgst), csamt: rupees(d.cess) },
  });
  const out: Record<string, unknown> = { gstin: data.recipientGstin, fp: data.period.slice(5, 7) + data.period.slice(0, 4) };
  out.b2b = [...sections.b2b].map(([ctin, docs]) => ({
    ctin, cfs: 'Y', cfs3b: 'Y',
    inv: docs.map((d) => ({ inum: d.numberRaw, idt: ddmmyyyy(d.date), val: rupees(d.invoiceValue), pos: d.placeOfSupply, rchrg: d.reverseCharge ? 'Y' : 'N', inv_typ: 'R', itms: [item(d)] })),
  }));
  out.cdn = [...sections.cdn].map(([ctin, docs]) => ({
    ctin, cfs: 'Y', cfs3b: 'Y',
    nt: docs.map((d) => ({ ntty: d.docType === 'credit_note' ? 'C' : 'D', nt_num: d.numberRaw, nt_dt: ddmmyyyy(d.date), val: rupees(d.invoiceValue), pos: d.placeOfSupply, rchrg: d.reverseCharge ? 'Y' : 'N', itms: [item(d)] })),
  }));
  return JSON.stringify(out);
}

function csvCell(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A Tally-style purchase register CSV: title block, header, Indian-grouped amounts, Debit Note vouchers. */
export function toRegisterCsv(data: SampleData): string {
  const lines = [
    'Client Pvt Ltd', 'Purchase Register', `1-${data.period} to 30-${data.period}`, '', '',
    'Date,Particulars,Voucher Type,Voucher No.,Voucher Ref. No.,Voucher Ref. Date,GSTIN/UIN,Value,Input IGST,Input CGST,Input SGST,Gross Total',
  ];
  for (const r of data.books) {
    const neg = r.docType === 'credit_note';
    const money = (paise: number): string => csvCell(paise === 0 ? '' : neg ? `(${formatPaise(paise)})` : formatPaise(paise));
    lines.push([
      ddmmyyyy(r.voucherDate ?? r.invoiceDate), csvCell(r.supplierName ?? ''), neg ? 'Debit Note' : 'Purchase', r.voucherNumber ?? '',
      csvCell(r.invoiceNumberRaw), ddmmyyyy(r.invoiceDate), r.supplierGstin, money(r.taxableValue), money(r.igst), money(r.cgst),
      money(r.sgst), csvCell(`${formatPaise(r.invoiceValue ?? 0)} Cr`),
    ].join(','));
  }
  lines.push('Grand Total,,,,,,,,,,,');
  return lines.join('\r\n');
}

const xml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function column(i: number): string {
  return i < 26 ? String.fromCharCode(65 + i) : String.fromCharCode(64 + Math.floor(i / 26)) + String.fromCharCode(65 + (i % 26));
}

const HEADER = ['Date', 'Particulars', 'Voucher Type', 'Voucher No.', 'Supplier Invoice No.', 'Supplier Invoice Date', 'GSTIN/UIN', 'Taxable Value', 'IGST', 'CGST', 'SGST', 'Invoice Value'];

/**
 * The register as a workbook the way Excel writes one (a Tally export saved as .xlsx): texts in
 * the shared strings, amounts as numbers, dates as serials, the workbook's parts before its sheet.
 * Written by hand with yazl (a few parts of fixed XML) rather than with exceljs, which the parser
 * threads do not load.
 */
export async function toRegisterXlsx(data: SampleData): Promise<Buffer> {
  const books = data.books;
  const strings: string[] = [];
  const index = new Map<string, number>();
  const shared = (text: string): string => {
    let at = index.get(text);
    if (at === undefined) index.set(text, (at = strings.push(text) - 1));
    return `t="s"><v>${at}</v>`;
  };
  const serial = (iso: string): number => Date.parse(`${iso}T00:00:00Z`) / 86_400_000 + 25_569;
  const rows: string[] = [];
  const row = (cells: Array<string | number | null>): void => {
    const r = rows.length + 1;
    const xmlCells = cells.map((v, i) => (v === null ? '' : `<c r="${column(i)}${r}" ${typeof v === 'number' ? `><v>${v}</v>` : shared(v)}</c>`));
    rows.push(`<row r="${r}">${xmlCells.join('')}</row>`);
  };
  row(['Purchase Register']);
  row(HEADER);
  for (const b of books) {
    const sign = b.docType === 'credit_note' ? -1 : 1;
    const amount = (paise: number): number | null => (paise === 0 ? null : (sign * paise) / 100);
    row([
      serial(b.voucherDate ?? b.invoiceDate), b.supplierName ?? '', b.docType === 'credit_note' ? 'Debit Note' : 'Purchase', b.voucherNumber ?? '',
      b.invoiceNumberRaw, serial(b.invoiceDate), b.supplierGstin, amount(b.taxableValue), amount(b.igst), amount(b.cgst), amount(b.sgst), amount(b.invoiceValue ?? 0),
    ]);
  }
  const ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
  const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  const parts: Array<[string, string]> = [
    ['[Content_Types].xml', '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'],
    ['_rels/.rels', `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>`],
    ['xl/_rels/workbook.xml.rels', `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>`],
    ['xl/workbook.xml', `<?xml version="1.0" encoding="UTF-8"?><workbook ${ns} xmlns:r="${rel}"><sheets><sheet name="Purchase Register" sheetId="1" r:id="rId1"/></sheets></workbook>`],
    ['xl/sharedStrings.xml', `<?xml version="1.0" encoding="UTF-8"?><sst ${ns} count="${strings.length}" uniqueCount="${strings.length}">${strings.map((s) => `<si><t xml:space="preserve">${xml(s)}</t></si>`).join('')}</sst>`],
    ['xl/worksheets/sheet1.xml', `<?xml version="1.0" encoding="UTF-8"?><worksheet ${ns}><sheetData>${rows.join('')}</sheetData></worksheet>`],
  ];
  const zip = new yazl.ZipFile();
  for (const [name, text] of parts) zip.addBuffer(Buffer.from(text), name, { compress: true });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
