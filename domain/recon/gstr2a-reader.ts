/**
 * GSTR-2A JSON reader (docs/reconciliation.md, "Inputs"). 2A is for early warning and annual work,
 * never the basis of the claim: documents come back as canonical PortalDocs (ITC availability is
 * not stated in 2A, so `itcAvailable` is true and callers should not sum them as "ITC as per 2B"),
 * plus per-supplier filing signals (GSTR-1 / GSTR-3B filed, registration cancelled) that the
 * matcher turns into flags. Streams like the 2B reader: one supplier entry is parsed at a time.
 */
import { parseJsonAmount } from './amounts';
import { mmyyyyFromPeriod, parseDate, periodFromMmyyyy, periodFromMonthName } from './dates';
import { type JsonScanHandlers, scanErrorCode } from './json-stream';
import { portalFieldLabel } from './labels';
import type { SupplierSignal } from './match/options';
import { checkGstin, cleanGstin, parseYesNo } from './normalise';
import { DocumentRefs, fieldText, isObj, issueAt, longTextIssue, type Obj, periodIssue, PortalDocument, PortalMemo, type PortalSource, recipientIssue, scanPortal } from './portal-json';
import type { DocType, Issue, PortalDoc, PortalSection } from './types';

export interface Gstr2aReadResult {
  ok: boolean;
  header: { gstin: string; period: string };
  documents: PortalDoc[];
  /** By supplier GSTIN: filing status seen in 2A, plus the latest GSTR-1 filing date/period. */
  supplierSignals: Record<string, SupplierSignal & { lastGstr1FiledOn?: string; lastGstr1Period?: string }>;
  /** TDS/TCS credits are not documents: counted only. */
  creditEntries: number;
  warnings: Issue[];
  errors: Issue[];
}

/** 2A section → (2B-equivalent section, list key). */
const SECTIONS: Readonly<Record<string, { section: PortalSection; list: string }>> = {
  b2b: { section: 'b2b', list: 'inv' },
  b2ba: { section: 'b2ba', list: 'inv' },
  cdn: { section: 'cdnr', list: 'nt' },
  cdna: { section: 'cdnra', list: 'nt' },
  isd: { section: 'isd', list: 'doclist' },
  impgsez: { section: 'impgsez', list: 'boe' },
};

/** A field as trimmed text (2A pads some numbers and names). */
function str(o: Obj, f: string): string {
  return fieldText(o, f).trim();
}

/** A document's heads in paise, summed over its item lines. */
class ItemSums {
  tx = 0;
  ig = 0;
  cg = 0;
  sg = 0;
  cs = 0;
}

class Reader2a {
  readonly documents: PortalDoc[] = [];
  readonly warnings: Issue[] = [];
  readonly errors: Issue[] = [];
  readonly signals: Gstr2aReadResult['supplierSignals'] = {};
  gstin = '';
  period = '';
  fatal = false;
  sawRoot = false;
  credits = 0;
  private readonly memo = new PortalMemo();
  private readonly sums = new ItemSums();
  /** Refs: `2A:period:`, then section, supplier index, document index. */
  private readonly refs = new DocumentRefs((period) => `2A:${period}:`);

  constructor(private readonly expected: { gstin?: string; period?: string }) {}

  error(i: Issue): void {
    if (i.fatal) this.fatal = true;
    if (this.errors.length < 1000) this.errors.push(i);
  }

  header(field: string, v: unknown): void {
    if (field === 'gstin') {
      this.gstin = typeof v === 'string' ? cleanGstin(v) : '';
      const issue = recipientIssue('2A', this.gstin, this.expected.gstin);
      if (issue) this.error(issue);
    } else if (field === 'fp') {
      const p = periodFromMmyyyy(String(v ?? ''));
      if (p) this.period = p;
      const issue = periodIssue('2A', field, v, p, this.expected.period);
      if (issue) this.error(issue);
    }
  }

  /** An amount in paise (its magnitude; blank is 0), or null when it is not one (the error reported). */
  private money(o: Obj, f: string, section: string, index: number, j: number | undefined): number | null {
    const v = o[f];
    if (v === undefined || v === null || v === '') return 0;
    const a = parseJsonAmount(v);
    if (!a.ok) {
      this.error({ ...issueAt(section, index, j), code: 'invalid_amount', field: f, message: `${portalFieldLabel(f)}: ${a.reason}` });
      return null;
    }
    return Math.abs(a.paise);
  }

  private date(o: Obj, f: string, section: string, index: number, j: number | undefined): string | null {
    const d = this.memo.date(o[f]);
    if (!d.ok) {
      this.error({ ...issueAt(section, index, j), code: o[f] === undefined ? 'missing_field' : 'invalid_date', field: f, message: `${portalFieldLabel(f)}: ${d.reason}` });
      return null;
    }
    return d.iso;
  }

  /** Adds one item line's heads to `this.sums` (each read, so every bad amount is reported); false when one is not an amount. */
  private addItem(det: Obj, section: string, index: number, j: number): boolean {
    const tx = this.money(det, 'txval', section, index, j);
    const ig = this.money(det, 'iamt', section, index, j);
    const cg = this.money(det, 'camt', section, index, j);
    const sg = this.money(det, 'samt', section, index, j);
    const cs = this.money(det, 'csamt', section, index, j);
    if (tx === null || ig === null || cg === null || sg === null || cs === null) return false;
    const sums = this.sums;
    sums.tx += tx; sums.ig += ig; sums.cg += cg; sums.sg += sg; sums.cs += cs;
    return true;
  }

  entry(name: string, index: number, entry: unknown): void {
    if (name === 'tds' || name === 'tcs') {
      this.credits += 1;
      return;
    }
    if (name === 'impg') {
      if (isObj(entry)) this.boe('impg', index, undefined, entry, '', '');
      return;
    }
    const spec = SECTIONS[name];
    if (!spec) {
      this.warnings.push({ code: 'unknown_section', section: name, index, message: `section ${name} is not understood; skipped` });
      return;
    }
    if (!isObj(entry)) {
      this.error({ code: 'invalid_entry', section: name, index, message: 'supplier entry is not an object' });
      return;
    }
    const ctin = cleanGstin(str(entry, name === 'impgsez' ? 'sgstin' : 'ctin'));
    if (ctin === '') {
      this.error({ code: 'missing_field', section: name, index, field: 'ctin', message: 'supplier GSTIN missing' });
      return;
    }
    if (checkGstin(ctin).problem) this.warnings.push({ code: 'invalid_supplier_gstin', section: name, index, message: `supplier GSTIN ${ctin} fails validation; documents kept` });
    const sig = (this.signals[ctin] ??= {});
    const cfs = parseYesNo(entry.cfs);
    if (cfs !== null) sig.gstr1Filed = sig.gstr1Filed === false ? false : cfs;
    const cfs3b = parseYesNo(entry.cfs3b);
    if (cfs3b !== null) sig.gstr3bFiled = sig.gstr3bFiled === false ? false : cfs3b;
    const cancel = str(entry, 'dtcancel');
    if (cancel) {
      const d = parseDate(cancel);
      if (d.ok) sig.cancelledOn = d.iso;
    }
    const filed = str(entry, 'fldtr1');
    if (filed) {
      const d = parseDate(filed);
      if (d.ok && (!sig.lastGstr1FiledOn || d.iso > sig.lastGstr1FiledOn)) sig.lastGstr1FiledOn = d.iso;
    }
    const fp = periodFromMonthName(str(entry, 'flprdr1'));
    if (fp && (!sig.lastGstr1Period || fp > sig.lastGstr1Period)) sig.lastGstr1Period = fp;
    const name2 = str(entry, name === 'impgsez' ? 'tdname' : 'trdnm');
    const list = entry[spec.list];
    if (!Array.isArray(list)) return;
    for (let j = 0; j < list.length; j += 1) {
      const raw: unknown = list[j];
      if (!isObj(raw)) continue;
      if (name === 'impgsez') this.boe('impgsez', index, j, raw, ctin, name2);
      else this.doc(name, spec.section, index, j, raw, ctin, name2);
    }
  }

  private doc(name: string, section: PortalSection, index: number, j: number, o: Obj, ctin: string, trdnm: string): void {
    const before = this.errors.length;
    const isNote = name === 'cdn' || name === 'cdna';
    const isIsd = name === 'isd';
    const number = str(o, isNote ? 'nt_num' : isIsd ? 'docnum' : 'inum');
    if (!number) this.error({ ...issueAt(name, index, j), code: 'missing_field', field: isNote ? 'nt_num' : 'inum', message: 'document number missing' });
    const date = this.date(o, isNote ? 'nt_dt' : isIsd ? 'docdt' : 'idt', name, index, j);
    let docType: DocType = 'invoice';
    if (isNote) {
      const t = str(o, 'ntty').toUpperCase();
      docType = t === 'C' ? 'credit_note' : t === 'D' ? 'debit_note' : 'invoice';
      if (docType === 'invoice') this.error({ ...issueAt(name, index, j), code: 'invalid_field', field: 'ntty', message: 'note type is neither C nor D' });
    } else if (isIsd) {
      docType = str(o, 'isd_docty').toUpperCase() === 'ISDC' || str(o, 'doctyp').toUpperCase() === 'ISDC' ? 'isd_credit_note' : 'isd_invoice';
    }
    // Item lines: itms[].itm_det {txval, iamt, camt, samt, csamt}; ISD and some exports are flat.
    // Lines are summed until one has an amount that is not one.
    const sums = this.sums;
    sums.tx = 0; sums.ig = 0; sums.cg = 0; sums.sg = 0; sums.cs = 0;
    const itms = o.itms;
    if (Array.isArray(itms)) {
      for (const it of itms) {
        const det = isObj(it) && isObj(it.itm_det) ? it.itm_det : isObj(it) ? it : {};
        if (!this.addItem(det, name, index, j)) break;
      }
    } else {
      this.addItem(o, name, index, j);
    }
    const val = this.money(o, 'val', name, index, j);
    if (this.errors.length > before || !date) return;
    const doc: PortalDoc = new PortalDocument(section, ctin, trdnm, docType, number, date, val ?? 0, sums.tx, sums.ig, sums.cg, sums.sg, sums.cs,
      str(o, 'rchrg').toUpperCase() === 'Y', true, typeof o.diff_percent === 'number' ? o.diff_percent : 1);
    const pos = this.memo.place(o.pos);
    if (pos) doc.placeOfSupply = pos;
    const typ = str(o, 'inv_typ');
    if (typ) doc.supplyType = typ;
    if (name === 'b2ba' || name === 'cdna') {
      const oNum = str(o, isNote ? 'ont_num' : 'oinum');
      const oDate = oNum ? this.memo.date(o[isNote ? 'ont_dt' : 'oidt']) : null;
      if (oDate && oDate.ok) doc.original = { number: oNum, date: oDate.iso };
    }
    this.add(doc, name, index, j);
  }

  private boe(name: string, index: number, j: number | undefined, o: Obj, ctin: string, trdnm: string): void {
    const before = this.errors.length;
    // 2A may carry the bill-of-entry number as a JSON number.
    const num = str(o, 'benum');
    if (!num) this.error({ ...issueAt(name, index, undefined), code: 'missing_field', field: 'benum', message: `${portalFieldLabel('benum')} missing` });
    const date = this.date(o, 'bedt', name, index, undefined);
    const tx = this.money(o, 'txval', name, index, undefined);
    const ig = this.money(o, 'iamt', name, index, undefined);
    const cs = this.money(o, 'csamt', name, index, undefined);
    if (this.errors.length > before || !date || tx === null || ig === null || cs === null) return;
    const doc: PortalDoc = new PortalDocument(name as PortalSection, ctin, trdnm, 'bill_of_entry', num, date, tx + ig + cs, tx, ig, 0, 0, cs, false, true, 1);
    doc.billOfEntryNumber = num;
    const port = str(o, 'portcd');
    if (port) doc.portCode = port.toUpperCase();
    if (str(o, 'amd').toUpperCase() === 'Y') doc.original = { number: num, date };
    this.add(doc, name, index, j);
  }

  private add(doc: PortalDoc, name: string, index: number, j: number | undefined): void {
    const long = longTextIssue(doc, name, index, j);
    if (long) {
      this.error(long);
      return;
    }
    this.refs.stamp(doc, this.period, name, index, j);
    this.documents.push(doc);
  }

  result(): Gstr2aReadResult {
    if (!this.fatal && this.sawRoot && !this.period && !this.gstin) {
      this.error({ code: 'wrong_schema', fatal: true, message: 'not a GSTR-2A file: gstin / fp not found' });
    } else if (!this.fatal && this.sawRoot && !this.period) {
      this.error({ code: 'wrong_schema', fatal: true, field: 'fp', message: 'return period (fp) missing' });
    }
    this.refs.finish(this.documents, this.period);
    const ok = !this.fatal;
    return {
      ok, header: { gstin: this.gstin, period: this.period }, documents: ok ? this.documents : [],
      supplierSignals: ok ? this.signals : {}, creditEntries: this.credits, warnings: this.warnings, errors: this.errors,
    };
  }
}

function handlers(r: Reader2a): JsonScanHandlers {
  return {
    // The only arrays walked into are sections, whose supplier entries are taken whole.
    wholeElements: () => true,
    descend(p, kind) {
      if (p.length === 0) {
        r.sawRoot = kind === 'object';
        return kind === 'object';
      }
      return p.length === 1 && kind === 'array';
    },
    value(p, v) {
      if (r.fatal) return;
      if (p.length === 0) r.error({ code: 'wrong_schema', fatal: true, message: 'not a GSTR-2A file: the JSON is not an object' });
      else if (p.length === 1) r.header(String(p[0]), v);
      else if (p.length === 2) r.entry(String(p[0]), Number(p[1]), v);
    },
  };
}

/** Stream (or parse, when given a string/Buffer) a GSTR-2A JSON. */
export async function readGstr2a(source: PortalSource, expected: { gstin?: string; period?: string } = {}): Promise<Gstr2aReadResult> {
  const r = new Reader2a(expected);
  const e = await scanPortal(handlers(r), source, () => r.fatal);
  if (e) r.error({ code: scanErrorCode(e), fatal: true, message: e.message });
  return r.result();
}

/** A 2A read from entries already in its JSON's shape (the portal's Excel, portal-xlsx.ts), like `readGstr2a`. */
export function readGstr2aEntries(
  header: { gstin: string | null; period: string },
  entries: Iterable<{ section: string; index: number; entry: unknown }>,
  expected: { gstin?: string; period?: string } = {},
): Gstr2aReadResult {
  const r = new Reader2a(expected);
  r.sawRoot = true;
  if (header.gstin !== null) r.header('gstin', header.gstin);
  r.header('fp', mmyyyyFromPeriod(header.period));
  for (const e of entries) {
    if (r.fatal) break;
    r.entry(e.section, e.index, e.entry);
  }
  return r.result();
}
