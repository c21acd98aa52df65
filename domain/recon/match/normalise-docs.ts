/**
 * Phase 1, normalising: books rows and portal documents into the columns (keys interned, amounts in
 * the money record, books flags and out-of-scope rows (docs/reconciliation.md, "Special
 * documents"), IMS-rejected documents set aside), FY slots relative to the run's earliest FY, and
 * one warning per invalid GSTIN.
 */
import { dayOfIso, fyStartYear } from '../dates';
import { billOfEntryKey, canonicalOnly, checkGstin, cleanKey } from '../normalise';
import type { BooksRow, DocType, PortalDoc } from '../types';
import {
  C_OUT_OF_SCOPE, CG, CS, DOC_TYPE_CODE, EXCLUDED, F_DATE_FALLBACK, F_DERIVED, F_INVALID_GSTIN, F_NOT_ELIGIBLE,
  IG, M_DAY, M_FY, M_PACK, MONEY_STRIDE, PACK_AVAIL, PACK_ID_BITS, SG, T_BOE, TX,
} from './codes';
import { cleanPort, cmpDoc, cmpStr, dayOf, type Docs, fyOf, putAmount, taxOf } from './docs';
import type { Interner } from './interning';
import type { Run } from './run-state';

/**
 * Day number, FY start year (and the day again in the money record) of document i, straight
 * from `YYYY-MM-DD` character codes (hot path); anything else through dayOfIso/fyStartYear.
 */
function setDate(s: Docs, i: number, iso: string): void {
  const y = (iso.charCodeAt(0) - 48) * 1000 + (iso.charCodeAt(1) - 48) * 100 + (iso.charCodeAt(2) - 48) * 10 + (iso.charCodeAt(3) - 48);
  const m = (iso.charCodeAt(5) - 48) * 10 + (iso.charCodeAt(6) - 48);
  const d = (iso.charCodeAt(8) - 48) * 10 + (iso.charCodeAt(9) - 48);
  let day: number;
  let fy: number;
  if (!(y > 1000 && m >= 1 && m <= 12 && d >= 1 && d <= 31) || iso.length < 10) {
    day = dayOfIso(iso);
    fy = fyStartYear(iso);
  } else {
    // days-from-civil (H. Hinnant), exact for the proleptic Gregorian calendar.
    const yy = m <= 2 ? y - 1 : y;
    const era = Math.floor(yy / 400);
    const yoe = yy - era * 400;
    const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
    const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
    day = era * 146097 + doe - 719468;
    fy = m >= 4 ? y : y - 1;
  }
  putAmount(s, i * MONEY_STRIDE + M_FY, fy);
  putAmount(s, i * MONEY_STRIDE + M_DAY, day);
}

/** Fill document i's fields (shared by both sides). */
function initDoc(s: Docs, i: number, ref: string, docType: DocType, gstinRaw: string, numberRaw: string, iso: string,
  pos: string | undefined, rcm: boolean, boe: string | undefined, portCode: string | undefined, it: Interner): void {
  const g = it.gstin(gstinRaw ?? '');
  const block = g >> 1;
  const isBoe = docType === 'bill_of_entry';
  const clean = isBoe ? billOfEntryKey(boe || numberRaw) : cleanKey(numberRaw);
  s.ref[i] = ref;
  s.gstinId[i] = block;
  if ((g & 1) === 1) s.flags[i] = F_INVALID_GSTIN;
  s.type[i] = DOC_TYPE_CODE[docType];
  s.cleanId[i] = clean === '' ? -1 : it.key(clean);
  const m = i * MONEY_STRIDE;
  if (iso) setDate(s, i, iso);
  s.rcm[i] = rcm ? 1 : 0;
  // (Below 2^29: the packed slot is never WIDE, so it is written and read as it is.)
  s.money[m + M_PACK] = s.type[i]! + (rcm ? 8 : 0) + 32 * (it.posId(pos ?? '') + (PACK_ID_BITS + 1) * it.portId(cleanPort(portCode)));
}

function setMoney(s: Docs, m: number, a: { taxableValue: number; igst: number; cgst: number; sgst: number; cess: number }): void {
  putAmount(s, m + TX, a.taxableValue);
  putAmount(s, m + IG, a.igst);
  putAmount(s, m + CG, a.cgst);
  putAmount(s, m + SG, a.sgst);
  putAmount(s, m + CS, a.cess);
}

/**
 * Books rows into the columns, with the books flags and out-of-scope rows (docs/reconciliation.md,
 * "Special documents").
 */
export function normaliseBooks(s: Docs, it: Interner, booksIn: readonly BooksRow[]): void {
  const nb = s.nb;
  for (let i = 0; i < nb; i += 1) {
    const r = booksIn[i]!;
    initDoc(s, i, r.rowRef, r.docType, r.supplierGstin, r.invoiceNumberRaw, r.invoiceDate, r.placeOfSupply,
      r.reverseCharge, r.billOfEntryNumber, r.portCode, it);
    setMoney(s, MONEY_STRIDE * i, r);
    s.books[i] = r;
    // Books flags and out of scope (docs/reconciliation.md, "Special documents"), while the row is
    // in cache (nothing before the duplicate check reads these bits or states).
    let f = s.flags[i]!;
    if (r.derivedAmounts) f |= F_DERIVED;
    if (r.dateFallback) f |= F_DATE_FALLBACK;
    if (r.itcEligible === false) f |= F_NOT_ELIGIBLE;
    s.flags[i] = f;
    let out = 0;
    if (r.importOfServices) out = 1;
    else if (it.gstinById[s.gstinId[i]!] === '' && s.type[i] !== T_BOE) out = 2;
    else if (taxOf(s, i) === 0) out = 3;
    if (out !== 0) {
      s.outReason[i] = out;
      s.state[i] = EXCLUDED;
      s.category[i] = C_OUT_OF_SCOPE;
    }
  }
}

/** Portal documents into the columns after the books; IMS-rejected ones are returned aside, by ref. */
export function normalisePortal(s: Docs, it: Interner, portalIn: readonly PortalDoc[]): PortalDoc[] {
  const nb = s.nb;
  const money = s.money;
  const rejected: PortalDoc[] = [];
  for (let k = 0; k < portalIn.length; k += 1) {
    const doc = portalIn[k]!;
    if (doc.rejected) {
      rejected.push(doc);
      continue;
    }
    const i = nb + s.np;
    s.np += 1;
    initDoc(s, i, doc.ref, doc.docType, doc.supplierGstin, doc.numberRaw, doc.date, doc.placeOfSupply,
      doc.reverseCharge, doc.billOfEntryNumber, doc.portCode, it);
    setMoney(s, MONEY_STRIDE * i, doc);
    if (doc.itcAvailable) money[MONEY_STRIDE * i + M_PACK] = money[MONEY_STRIDE * i + M_PACK]! + PACK_AVAIL;
    s.portal.push(doc);
    s.filing.push(doc.supplierFilingDate);
    const orig = doc.original;
    if (orig) {
      s.orig[i] = s.oFy.length;
      const odt = orig.date || doc.date;
      const oFy = fyStartYear(odt);
      s.oFy.push(oFy);
      s.oDay.push(dayOfIso(odt));
      const oClean = doc.docType === 'bill_of_entry' ? billOfEntryKey(orig.number) : cleanKey(orig.number);
      let oCleanId = -1;
      let oCanonId = -1;
      if (oClean !== '') {
        oCleanId = it.key(oClean);
        oCanonId = it.key(doc.docType === 'bill_of_entry' ? oClean : canonicalOnly(oClean, oFy, it.canonScratch));
      }
      s.oCleanId.push(oCleanId);
      s.oCanonId.push(oCanonId);
    }
  }
  rejected.sort(byRef);
  return rejected;
}

export function assignFySlots(s: Docs, end: number): void {
  // FY slots: small integers relative to the earliest FY in the run (the key packing needs < 63).
  let fyMin = Infinity;
  for (let i = 0; i < end; i += 1) if (dayOf(s, i) !== 0 && fyOf(s, i) < fyMin) fyMin = fyOf(s, i);
  // (fySlotOf computes each document's slot from the base.)
  s.fyBase[0] = Number.isFinite(fyMin) ? fyMin - 1 : 0;
}

/**
 * Invalid GSTINs: warn once per GSTIN and side, naming its first row (docs/reconciliation.md,
 * "Normalisation" / "Inputs").
 */
export function warnInvalidGstins(run: Run): void {
  const { s, it, nb, end, warnings } = run;
  const bad = new Map<string, number>();
  for (let i = 0; i < end; i += 1) {
    if ((s.flags[i]! & F_INVALID_GSTIN) === 0) continue;
    const key = `${i < nb ? 0 : 1}${it.gstinById[s.gstinId[i]!]!}`;
    const seen = bad.get(key);
    if (seen === undefined || cmpDoc(s, i, seen) < 0) bad.set(key, i);
  }
  for (const i of bad.values()) {
    const gstin = it.gstinById[s.gstinId[i]!]!;
    warnings.push({
      code: 'invalid_gstin',
      message: `${i < nb ? 'Books' : 'Portal'} supplier GSTIN ${gstin} fails validation (${checkGstin(gstin).problem}); rows kept`,
      field: 'supplierGstin',
      rowRef: s.ref[i]!,
    });
  }
}

function byRef(x: PortalDoc, y: PortalDoc): number {
  return cmpStr(x.ref, y.ref);
}
