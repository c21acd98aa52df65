/**
 * GSTR-2B documents (docs/reconciliation.md, "Inputs"): one invoice, note, ISD document or bill of
 * entry of a supplier entry into a canonical PortalDoc — amounts in paise (item lines summed;
 * docs/reconciliation.md, "Inputs"), ISO dates, the document type, ITC availability, amendment
 * originals — or errors that name the section, supplier index, document index and field. The reader
 * (gstr2b-reader.ts) owns the issue lists.
 */
import { parseAmount } from './amounts';
import { parseDate } from './dates';
import { parsePlaceOfSupply } from './normalise';
import { fieldText, isObj, type Obj } from './portal-json';
import type { DocType, Issue, PortalDoc, PortalSection } from './types';

/** Amended sections: their documents carry the original's number and date. */
const AMENDED: ReadonlySet<string> = new Set(['b2ba', 'ecoma', 'cdnra', 'isda']);

const HEAD_FIELDS = ['txval', 'igst', 'cgst', 'sgst', 'cess'] as const;

/** What reading a document reports to: the reader's issue lists and its documents. */
export interface DocumentSink {
  error(issue: Issue): void;
  warn(issue: Issue): void;
  /** One warning per code, with a count. */
  countWarn(code: string, message: string): void;
  /** Errors recorded so far, listed or dropped (a document with new errors is not kept). */
  issueCount(): number;
  add(doc: PortalDoc, refTail: string, rejected: boolean): void;
}

function money(r: DocumentSink, obj: Obj, field: string, ctx: Issue): number | null {
  const v = obj[field];
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'string') r.countWarn('amount_as_text', 'amounts given as text were parsed as numbers');
  const a = parseAmount(v);
  if (!a.ok) {
    r.error({ ...ctx, code: 'invalid_amount', field, message: `${field}: ${a.reason}` });
    return NaN;
  }
  if (a.paise < 0) {
    // docs/reconciliation.md, "Inputs": portal amounts are positive; the sign comes from the
    // document type.
    r.countWarn('negative_amount', 'negative portal amounts were read as magnitudes');
    return -a.paise;
  }
  return a.paise;
}

function heads(r: DocumentSink, obj: Obj, ctx: Issue): { tx: number; ig: number; cg: number; sg: number; cs: number; present: boolean } | null {
  const vals = HEAD_FIELDS.map((f) => money(r, obj, f, ctx));
  if (vals.some((v) => Number.isNaN(v))) return null;
  return { tx: vals[0] ?? 0, ig: vals[1] ?? 0, cg: vals[2] ?? 0, sg: vals[3] ?? 0, cs: vals[4] ?? 0, present: vals.some((v) => v !== null) };
}

function dateOf(r: DocumentSink, obj: Obj, field: string, ctx: Issue, required: boolean): string | null | undefined {
  const v = obj[field];
  if (v === undefined || v === null || v === '') {
    if (required) r.error({ ...ctx, code: 'missing_field', field, message: `${field} missing` });
    return required ? null : undefined;
  }
  const d = parseDate(v);
  if (!d.ok) {
    r.error({ ...ctx, code: 'invalid_date', field, message: `${field}: ${d.reason}` });
    return null;
  }
  return d.iso;
}


export function readDocument(r: DocumentSink, where: string, section: string, kind: 'inv' | 'nt' | 'isd', index: number, j: number, raw: unknown,
  ctin: string, name: string, supPeriod: string | undefined, filed: string | undefined, rejected: boolean): void {
  const ctx: Issue = { code: '', message: '', section: where, index, docIndex: j };
  if (!isObj(raw)) {
    r.error({ ...ctx, code: 'invalid_document', message: 'document is not an object' });
    return;
  }
  const numField = kind === 'inv' ? 'inum' : kind === 'nt' ? 'ntnum' : 'docnum';
  const dateField = kind === 'isd' ? 'docdt' : 'dt';
  const number = fieldText(raw, numField).trim();
  const errorsBefore = r.issueCount();
  if (number === '') r.error({ ...ctx, code: 'missing_field', field: numField, message: `${numField} missing` });
  const date = dateOf(r, raw, dateField, ctx, true);
  let docType: DocType = 'invoice';
  if (kind === 'nt') {
    const t = fieldText(raw, 'typ').toUpperCase();
    if (t === 'C') docType = 'credit_note';
    else if (t === 'D') docType = 'debit_note';
    else r.error({ ...ctx, code: 'invalid_field', field: 'typ', message: `note type ${JSON.stringify(raw.typ)} is neither C nor D` });
  } else if (kind === 'isd') {
    const t = fieldText(raw, 'doctyp').toUpperCase();
    if (t === 'ISDI') docType = 'isd_invoice';
    else if (t === 'ISDC') docType = 'isd_credit_note';
    else r.error({ ...ctx, code: 'invalid_field', field: 'doctyp', message: `ISD document type ${JSON.stringify(raw.doctyp)} is neither ISDI nor ISDC` });
  }
  let h = heads(r, raw, ctx);
  const val = money(r, raw, 'val', ctx);
  // docs/reconciliation.md, "Inputs": sum item lines per head; invoice-level totals win when both
  // exist and disagree by > ₹1.
  const items = raw.items;
  if (Array.isArray(items) && items.length > 0 && h) {
    const sum = { tx: 0, ig: 0, cg: 0, sg: 0, cs: 0 };
    let bad = false;
    items.forEach((it, k) => {
      if (!isObj(it)) {
        bad = true;
        return;
      }
      const ih = heads(r, it, { ...ctx, field: `items[${k}]` });
      if (!ih) {
        bad = true;
        return;
      }
      sum.tx += ih.tx; sum.ig += ih.ig; sum.cg += ih.cg; sum.sg += ih.sg; sum.cs += ih.cs;
    });
    if (bad) h = null;
    else if (!h.present) h = { ...sum, present: true };
    else if (Math.abs(h.tx - sum.tx) > 100 || Math.abs(h.ig - sum.ig) > 100 || Math.abs(h.cg - sum.cg) > 100
      || Math.abs(h.sg - sum.sg) > 100 || Math.abs(h.cs - sum.cs) > 100) {
      r.warn({ ...ctx, code: 'items_totals_disagree', message: 'item lines and invoice totals differ by more than ₹1; invoice totals kept' });
    }
  }
  if (r.issueCount() > errorsBefore || !h || date === null || date === undefined || Number.isNaN(val)) return;
  const itcRaw = kind === 'isd' ? fieldText(raw, 'itcelg') : fieldText(raw, 'itcavl');
  const itcAvailable = itcRaw.toUpperCase() !== 'N' && itcRaw.toUpperCase() !== 'T';
  const posRaw = raw.pos;
  const pos = posRaw !== undefined ? parsePlaceOfSupply(posRaw) : null;
  if (posRaw !== undefined && posRaw !== '' && pos === null) {
    r.warn({ ...ctx, code: 'invalid_pos', field: 'pos', message: `place of supply ${JSON.stringify(posRaw)} not understood` });
  }
  const diff = raw.diffprcnt;
  const doc: PortalDoc = {
    ref: '',
    section: section as PortalSection,
    period: '',
    supplierGstin: ctin,
    supplierName: name,
    docType,
    numberRaw: number,
    date,
    invoiceValue: val ?? 0,
    taxableValue: h.tx,
    igst: h.ig,
    cgst: h.cg,
    sgst: h.sg,
    cess: h.cs,
    reverseCharge: fieldText(raw, 'rev').toUpperCase() === 'Y',
    itcAvailable,
    diffPercent: typeof diff === 'number' ? diff : typeof diff === 'string' && diff !== '' ? Number(diff) : 1,
  };
  if (pos) doc.placeOfSupply = pos;
  if (supPeriod) doc.supplierPeriod = supPeriod;
  if (filed) doc.supplierFilingDate = filed;
  const supplyType = kind === 'inv' ? fieldText(raw, 'typ') : kind === 'nt' ? fieldText(raw, 'suptyp') : '';
  if (supplyType) doc.supplyType = supplyType;
  if (!itcAvailable) {
    const rsn = fieldText(raw, 'rsn');
    if (rsn) doc.itcUnavailableReason = rsn;
    else if (itcRaw.toUpperCase() === 'T') doc.itcUnavailableReason = 'T';
  }
  const irn = fieldText(raw, 'irn');
  if (irn) doc.irn = irn;
  const irnDate = dateOf(r, raw, 'irngendate', ctx, false);
  if (irnDate) doc.irnDate = irnDate;
  if (AMENDED.has(section)) {
    const oNumField = kind === 'inv' ? 'oinum' : kind === 'nt' ? 'ontnum' : 'odocnum';
    const oDateField = kind === 'inv' ? 'oidt' : kind === 'nt' ? 'ontdt' : 'odocdt';
    const oNumber = fieldText(raw, oNumField).trim();
    const oDate = dateOf(r, raw, oDateField, ctx, false);
    if (oNumber === '' || !oDate) {
      r.warn({ ...ctx, code: 'amendment_without_original', field: oNumField, message: 'amendment lacks its original number or date; it cannot supersede anything' });
    } else {
      doc.original = { number: oNumber, date: oDate };
      const ot = (kind === 'nt' ? fieldText(raw, 'onttyp') : kind === 'isd' ? fieldText(raw, 'odoctyp') : '').toUpperCase();
      if (ot === 'C') doc.original.docType = 'credit_note';
      else if (ot === 'D') doc.original.docType = 'debit_note';
      else if (ot === 'ISDI') doc.original.docType = 'isd_invoice';
      else if (ot === 'ISDC') doc.original.docType = 'isd_credit_note';
    }
  }
  r.add(doc, `${where}:${index}:${j}`, rejected);
}

export function readBillOfEntry(r: DocumentSink, where: string, section: string, index: number, j: number | undefined, raw: unknown,
  ctin: string, name: string, rejected: boolean): void {
  const ctx: Issue = { code: '', message: '', section: where, index };
  if (j !== undefined) ctx.docIndex = j;
  if (!isObj(raw)) {
    r.error({ ...ctx, code: 'invalid_document', message: 'bill of entry is not an object' });
    return;
  }
  const errorsBefore = r.issueCount();
  const boe = fieldText(raw, 'boenum').trim();
  if (boe === '') r.error({ ...ctx, code: 'missing_field', field: 'boenum', message: 'boenum missing' });
  const date = dateOf(r, raw, 'boedt', ctx, true);
  const h = heads(r, raw, ctx);
  if (r.issueCount() > errorsBefore || !h || !date) return;
  const doc: PortalDoc = {
    ref: '',
    section: section as PortalSection,
    period: '',
    supplierGstin: ctin,
    supplierName: name,
    docType: 'bill_of_entry',
    numberRaw: boe,
    date,
    invoiceValue: h.tx + h.ig + h.cs,
    taxableValue: h.tx,
    igst: h.ig,
    cgst: h.cg,
    sgst: h.sg,
    cess: h.cs,
    reverseCharge: false,
    itcAvailable: fieldText(raw, 'itcavl').toUpperCase() !== 'N',
    diffPercent: 1,
    billOfEntryNumber: boe,
  };
  const port = fieldText(raw, 'portcode').trim();
  if (port) doc.portCode = port.toUpperCase();
  if (fieldText(raw, 'isamd').toUpperCase() === 'Y') doc.original = { number: boe, date };
  r.add(doc, `${where}:${index}${j !== undefined ? `:${j}` : ''}`, rejected);
}
