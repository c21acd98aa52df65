/**
 * Files in the shapes users upload, written from documents: a Tally-style purchase register CSV,
 * the portal's GSTR-2B and GSTR-2A JSON. The parser threads' warm-up reads such files made from
 * synthetic documents (api/imports/parser-warm-up.ts), and the benchmark and tests read them made
 * from their generated data (ops/bench/recon-data.ts); one writer for both, so what the warm-up
 * compiles the readers for is what the benchmark measures.
 */
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
