/**
 * GSTR-2B documents (docs/reconciliation.md, "Inputs"): one invoice, note, ISD document or bill of
 * entry of a supplier entry into a canonical PortalDoc — amounts in paise (item lines summed;
 * docs/reconciliation.md, "Inputs"), ISO dates, the document type, ITC availability, amendment
 * originals — or errors that name the section, supplier index, document index and field. The reader
 * (gstr2b-reader.ts) owns the issue lists.
 */
import { parseJsonAmount } from './amounts';
import { portalFieldLabel } from './labels';
import { fieldText, isObj, issueAt, type Obj, PortalDocument, type PortalMemo } from './portal-json';
import type { DocType, Issue, PortalDoc, PortalSection } from './types';

/** Amended sections: their documents carry the original's number and date. */
const AMENDED: ReadonlySet<string> = new Set(['b2ba', 'ecoma', 'cdnra', 'isda']);

/** What reading a document reports to: the reader's issue lists and its documents. */
export interface DocumentSink {
  error(issue: Issue): void;
  warn(issue: Issue): void;
  /** One warning per code, with a count. */
  countWarn(code: string, message: string): void;
  /** Errors recorded so far, listed or dropped (a document with new errors is not kept). */
  issueCount(): number;
  /** Keeps a document read, with where it sits in the file (section, supplier index, document index). */
  add(doc: PortalDoc, where: string, index: number, j: number | undefined, rejected: boolean): void;
  /** Dates and places of supply, read once per distinct value. */
  readonly memo: PortalMemo;
}

function money(r: DocumentSink, obj: Obj, field: string, where: string, index: number, j: number | undefined): number | null {
  const v = obj[field];
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'string') r.countWarn('amount_as_text', 'amounts given as text were parsed as numbers');
  const a = parseJsonAmount(v);
  if (!a.ok) {
    r.error({ ...issueAt(where, index, j), code: 'invalid_amount', field, message: `${portalFieldLabel(field)}: ${a.reason}` });
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

/** The five tax heads of a document or item line, in paise; `present` when any was given. */
class Heads {
  tx = 0;
  ig = 0;
  cg = 0;
  sg = 0;
  cs = 0;
  present = false;
}

/**
 * Reads the heads of `obj` into `h` (each one, so every bad amount is reported); false when one is
 * not an amount. The readers below reuse two of these: reading is synchronous, one document at a time.
 */
function readHeads(r: DocumentSink, obj: Obj, where: string, index: number, j: number | undefined, h: Heads): boolean {
  const tx = money(r, obj, 'txval', where, index, j);
  const ig = money(r, obj, 'igst', where, index, j);
  const cg = money(r, obj, 'cgst', where, index, j);
  const sg = money(r, obj, 'sgst', where, index, j);
  const cs = money(r, obj, 'cess', where, index, j);
  if (Number.isNaN(tx) || Number.isNaN(ig) || Number.isNaN(cg) || Number.isNaN(sg) || Number.isNaN(cs)) return false;
  h.tx = tx ?? 0;
  h.ig = ig ?? 0;
  h.cg = cg ?? 0;
  h.sg = sg ?? 0;
  h.cs = cs ?? 0;
  h.present = tx !== null || ig !== null || cg !== null || sg !== null || cs !== null;
  return true;
}

const DOC_HEADS = new Heads();
const ITEM_HEADS = new Heads();

function dateOf(r: DocumentSink, obj: Obj, field: string, where: string, index: number, j: number | undefined, required: boolean): string | null | undefined {
  const v = obj[field];
  if (v === undefined || v === null || v === '') {
    if (required) r.error({ ...issueAt(where, index, j), code: 'missing_field', field, message: `${portalFieldLabel(field)} missing` });
    return required ? null : undefined;
  }
  const d = r.memo.date(v);
  if (!d.ok) {
    r.error({ ...issueAt(where, index, j), code: 'invalid_date', field, message: `${portalFieldLabel(field)}: ${d.reason}` });
    return null;
  }
  return d.iso;
}

export function readDocument(r: DocumentSink, where: string, section: string, kind: 'inv' | 'nt' | 'isd', index: number, j: number, raw: unknown,
  ctin: string, name: string, supPeriod: string | undefined, filed: string | undefined, rejected: boolean): void {
  if (!isObj(raw)) {
    r.error({ ...issueAt(where, index, j), code: 'invalid_document', message: 'document is not an object' });
    return;
  }
  const numField = kind === 'inv' ? 'inum' : kind === 'nt' ? 'ntnum' : 'docnum';
  const dateField = kind === 'isd' ? 'docdt' : 'dt';
  const number = fieldText(raw, numField).trim();
  const errorsBefore = r.issueCount();
  if (number === '') r.error({ ...issueAt(where, index, j), code: 'missing_field', field: numField, message: `${portalFieldLabel(numField)} missing` });
  const date = dateOf(r, raw, dateField, where, index, j, true);
  let docType: DocType = 'invoice';
  if (kind === 'nt') {
    const t = fieldText(raw, 'typ').toUpperCase();
    if (t === 'C') docType = 'credit_note';
    else if (t === 'D') docType = 'debit_note';
    else r.error({ ...issueAt(where, index, j), code: 'invalid_field', field: 'typ', message: `note type ${JSON.stringify(raw.typ)} is neither C nor D` });
  } else if (kind === 'isd') {
    const t = fieldText(raw, 'doctyp').toUpperCase();
    if (t === 'ISDI') docType = 'isd_invoice';
    else if (t === 'ISDC') docType = 'isd_credit_note';
    else r.error({ ...issueAt(where, index, j), code: 'invalid_field', field: 'doctyp', message: `ISD document type ${JSON.stringify(raw.doctyp)} is neither ISDI nor ISDC` });
  }
  const h = DOC_HEADS;
  let headsOk = readHeads(r, raw, where, index, j, h);
  const val = money(r, raw, 'val', where, index, j);
  // docs/reconciliation.md, "Inputs": sum item lines per head; invoice-level totals win when both
  // exist and disagree by > ₹1.
  const items = raw.items;
  if (Array.isArray(items) && items.length > 0 && headsOk) {
    let tx = 0; let ig = 0; let cg = 0; let sg = 0; let cs = 0;
    let bad = false;
    for (const it of items) {
      if (!isObj(it) || !readHeads(r, it, where, index, j, ITEM_HEADS)) {
        bad = true;
        continue;
      }
      tx += ITEM_HEADS.tx; ig += ITEM_HEADS.ig; cg += ITEM_HEADS.cg; sg += ITEM_HEADS.sg; cs += ITEM_HEADS.cs;
    }
    if (bad) headsOk = false;
    else if (!h.present) {
      h.tx = tx; h.ig = ig; h.cg = cg; h.sg = sg; h.cs = cs;
      h.present = true;
    } else if (Math.abs(h.tx - tx) > 100 || Math.abs(h.ig - ig) > 100 || Math.abs(h.cg - cg) > 100
      || Math.abs(h.sg - sg) > 100 || Math.abs(h.cs - cs) > 100) {
      r.warn({ ...issueAt(where, index, j), code: 'items_totals_disagree', message: 'item lines and invoice totals differ by more than ₹1; invoice totals kept' });
    }
  }
  if (r.issueCount() > errorsBefore || !headsOk || date === null || date === undefined || Number.isNaN(val)) return;
  const itcRaw = kind === 'isd' ? fieldText(raw, 'itcelg') : fieldText(raw, 'itcavl');
  const itcAvailable = itcRaw.toUpperCase() !== 'N' && itcRaw.toUpperCase() !== 'T';
  const posRaw = raw.pos;
  const pos = posRaw !== undefined ? r.memo.place(posRaw) : null;
  if (posRaw !== undefined && posRaw !== '' && pos === null) {
    r.warn({ ...issueAt(where, index, j), code: 'invalid_pos', field: 'pos', message: `place of supply ${JSON.stringify(posRaw)} not understood` });
  }
  const diff = raw.diffprcnt;
  const doc: PortalDoc = new PortalDocument(section as PortalSection, ctin, name, docType, number, date, val ?? 0, h.tx, h.ig, h.cg, h.sg, h.cs,
    fieldText(raw, 'rev').toUpperCase() === 'Y', itcAvailable, typeof diff === 'number' ? diff : typeof diff === 'string' && diff !== '' ? Number(diff) : 1);
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
  const irnDate = dateOf(r, raw, 'irngendate', where, index, j, false);
  if (irnDate) doc.irnDate = irnDate;
  if (AMENDED.has(section)) {
    const oNumField = kind === 'inv' ? 'oinum' : kind === 'nt' ? 'ontnum' : 'odocnum';
    const oDateField = kind === 'inv' ? 'oidt' : kind === 'nt' ? 'ontdt' : 'odocdt';
    const oNumber = fieldText(raw, oNumField).trim();
    const oDate = dateOf(r, raw, oDateField, where, index, j, false);
    if (oNumber === '' || !oDate) {
      r.warn({ ...issueAt(where, index, j), code: 'amendment_without_original', field: oNumField, message: 'amendment lacks its original number or date; it cannot supersede anything' });
    } else {
      doc.original = { number: oNumber, date: oDate };
      const ot = (kind === 'nt' ? fieldText(raw, 'onttyp') : kind === 'isd' ? fieldText(raw, 'odoctyp') : '').toUpperCase();
      if (ot === 'C') doc.original.docType = 'credit_note';
      else if (ot === 'D') doc.original.docType = 'debit_note';
      else if (ot === 'ISDI') doc.original.docType = 'isd_invoice';
      else if (ot === 'ISDC') doc.original.docType = 'isd_credit_note';
    }
  }
  r.add(doc, where, index, j, rejected);
}

export function readBillOfEntry(r: DocumentSink, where: string, section: string, index: number, j: number | undefined, raw: unknown,
  ctin: string, name: string, rejected: boolean): void {
  if (!isObj(raw)) {
    r.error({ ...issueAt(where, index, j), code: 'invalid_document', message: 'bill of entry is not an object' });
    return;
  }
  const errorsBefore = r.issueCount();
  const boe = fieldText(raw, 'boenum').trim();
  if (boe === '') r.error({ ...issueAt(where, index, j), code: 'missing_field', field: 'boenum', message: `${portalFieldLabel('boenum')} missing` });
  const date = dateOf(r, raw, 'boedt', where, index, j, true);
  const h = DOC_HEADS;
  const headsOk = readHeads(r, raw, where, index, j, h);
  if (r.issueCount() > errorsBefore || !headsOk || !date) return;
  const doc: PortalDoc = new PortalDocument(section as PortalSection, ctin, name, 'bill_of_entry', boe, date, h.tx + h.ig + h.cs, h.tx, h.ig, h.cg, h.sg, h.cs,
    false, fieldText(raw, 'itcavl').toUpperCase() !== 'N', 1);
  doc.billOfEntryNumber = boe;
  const port = fieldText(raw, 'portcode').trim();
  if (port) doc.portCode = port.toUpperCase();
  if (fieldText(raw, 'isamd').toUpperCase() === 'Y') doc.original = { number: boe, date };
  r.add(doc, where, index, j, rejected);
}
