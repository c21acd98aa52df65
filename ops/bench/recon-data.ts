/**
 * Seeded synthetic data for the reconciliation benchmark (and for anyone who needs a realistic
 * books/2B pair): N books rows and about N portal documents with the noise real files carry —
 * invoice-number formatting variants, rounding, shifted dates, documents missing on either side,
 * credit/debit notes, amendments, duplicates, RCM, itcavl = N. Deterministic for a given seed.
 */
import { gstinCheckCharacter } from '../../domain/gstin';
import type { BooksRow, DocType, PortalDoc } from '../../domain/recon/types';
import { serialTypo } from '../../domain/recon/warm-up';

/** mulberry32: tiny, fast, good enough for test data; never for anything secret. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ReconDataOptions {
  n: number;
  seed?: number;
  /** 2B period `YYYY-MM` (documents are dated in it or just before). */
  period?: string;
  recipientGstin?: string;
}

export interface ReconData {
  recipientGstin: string;
  period: string;
  books: BooksRow[];
  portal: PortalDoc[];
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('');
const STATES = ['27', '29', '07', '33', '24', '09', '36', '19'];
const PREFIXES = ['INV', 'MS', 'TRI', 'SI', '', 'GST', 'BILL', 'AB'];

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

function addDays(iso: string, days: number): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export function generateReconData(opts: ReconDataOptions): ReconData {
  const rnd = prng(opts.seed ?? 42);
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(arr: readonly T[]): T => arr[Math.floor(rnd() * arr.length)]!;
  const period = opts.period ?? '2024-06';
  const recipient = opts.recipientGstin ?? '27ABCDE1234F1ZW';
  const recipientState = recipient.slice(0, 2);
  const fyStart = Number(period.slice(5, 7)) >= 4 ? Number(period.slice(0, 4)) : Number(period.slice(0, 4)) - 1;
  const fyToken = `${String(fyStart).slice(2)}-${String(fyStart + 1).slice(2)}`;

  // Suppliers: about one per 40 documents, some sharing a PAN (branches in other states).
  const supplierCount = Math.max(5, Math.floor(opts.n / 40));
  const suppliers: Array<{ gstin: string; name: string; prefix: string; serial: number }> = [];
  for (let s = 0; s < supplierCount; s += 1) {
    let pan: string;
    const prev = suppliers[s - 1];
    if (prev && rnd() < 0.05) pan = prev.gstin.slice(2, 12);
    else {
      pan = '';
      for (let k = 0; k < 3; k += 1) pan += pick(LETTERS);
      pan += pick(['C', 'F', 'P', 'H']) + pick(LETTERS) + pad(int(0, 9999), 4) + pick(LETTERS);
    }
    const first14 = `${pick(STATES)}${pan}${int(1, 3)}Z`;
    suppliers.push({ gstin: first14 + gstinCheckCharacter(first14), name: `Supplier ${s} Pvt Ltd`, prefix: pick(PREFIXES), serial: int(1, 500) });
  }

  const books: BooksRow[] = [];
  const portal: PortalDoc[] = [];
  const y = Number(period.slice(0, 4));
  const m = Number(period.slice(5, 7));
  const prevPeriod = m === 1 ? `${y - 1}-12` : `${y}-${pad(m - 1, 2)}`;
  let b = 0;
  let p = 0;

  const bookNumber = (portalNumber: string, prefix: string, serial: number): string => {
    const r = rnd();
    if (r < 0.6) return portalNumber;
    if (r < 0.7) return portalNumber.toLowerCase().replace(/\//g, ' / ');
    if (r < 0.8) return `${prefix}${serial}`; // FY part and zeros dropped
    if (r < 0.86) return String(serial); // serial only
    if (r < 0.9) return `${prefix}-${fyStart}-${String(fyStart + 1).slice(2)}-${pad(serial, 4)}`;
    if (r < 0.93) return `${prefix}/${fyToken}/${pad(serial + (rnd() < 0.5 ? 0 : 0), 6)}`;
    if (r < 0.95) return serialTypo(prefix, serial, int);
    if (r < 0.97) return '';
    return `${portalNumber}.`;
  };

  while (books.length < opts.n || portal.length < opts.n) {
    const sup = pick(suppliers);
    sup.serial += 1;
    const serial = sup.serial;
    const rk = rnd();
    const docType: DocType = rk < 0.08 ? 'credit_note' : rk < 0.1 ? 'debit_note' : 'invoice';
    const portalNumber = docType === 'invoice'
      ? `${sup.prefix}${sup.prefix ? '/' : ''}${fyToken}/${pad(serial, 6)}`
      : `${docType === 'credit_note' ? 'CN' : 'DN'}/${fyToken}/${pad(serial, 4)}`;
    const inPeriod = rnd() < 0.85;
    const date = inPeriod ? `${period}-${pad(int(1, 28), 2)}` : `${prevPeriod}-${pad(int(1, 28), 2)}`;
    const taxable = int(1_000_00, 5_00_000_00);
    const rate = pick([5, 12, 18, 18, 18, 28]);
    const tax = Math.round((taxable * rate) / 100);
    const intra = sup.gstin.slice(0, 2) === recipientState;
    const heads = intra ? { igst: 0, cgst: Math.floor(tax / 2), sgst: tax - Math.floor(tax / 2) } : { igst: tax, cgst: 0, sgst: 0 };
    const rcm = rnd() < 0.005;
    const kind = rnd();
    const portalOnly = kind < 0.04;
    const booksOnly = kind >= 0.04 && kind < 0.08;
    const amend = kind >= 0.08 && kind < 0.09 && docType === 'invoice';

    if (!booksOnly && portal.length < opts.n) {
      p += 1;
      const doc: PortalDoc = {
        ref: `${period}:${docType === 'invoice' ? 'b2b' : 'cdnr'}:${p}`,
        section: docType === 'invoice' ? 'b2b' : 'cdnr',
        period,
        supplierGstin: sup.gstin,
        supplierName: sup.name.toUpperCase(),
        supplierPeriod: date.slice(0, 7),
        supplierFilingDate: `${period}-11`,
        docType,
        numberRaw: portalNumber,
        date,
        invoiceValue: taxable + tax,
        taxableValue: taxable,
        ...heads,
        cess: 0,
        placeOfSupply: recipientState,
        reverseCharge: rcm,
        itcAvailable: rnd() >= 0.01,
        diffPercent: 1,
        supplyType: 'R',
      };
      if (!doc.itcAvailable) doc.itcUnavailableReason = pick(['P', 'C']);
      if (amend) {
        // The original sits in the previous 2B; this amendment corrects the taxable value.
        portal.push({ ...doc, ref: `${prevPeriod}:b2b:${p}o`, period: prevPeriod, date });
        const changed = rnd() < 0.5;
        const newTaxable = changed ? taxable - 1000_00 : taxable;
        const newTax = Math.round((newTaxable * rate) / 100);
        Object.assign(doc, {
          ref: `${period}:b2ba:${p}`, section: 'b2ba', original: { number: portalNumber, date },
          numberRaw: rnd() < 0.3 ? `${portalNumber}A` : portalNumber, taxableValue: newTaxable, invoiceValue: newTaxable + newTax,
          ...(intra ? { cgst: Math.floor(newTax / 2), sgst: newTax - Math.floor(newTax / 2) } : { igst: newTax }),
        });
      }
      portal.push(doc);
    }
    if (!portalOnly && books.length < opts.n) {
      const noise = rnd();
      const roundDelta = noise < 0.1 ? int(-100, 100) : noise < 0.12 ? int(1000, 50000) : 0;
      const shift = rnd() < 0.1 ? int(-5, 5) : rnd() < 0.01 ? 15 : 0;
      const copies = rnd() < 0.01 ? 2 : 1;
      for (let c = 0; c < copies && books.length < opts.n; c += 1) {
        b += 1;
        const row: BooksRow = {
          rowRef: `pr.csv:${b + 6}`,
          supplierGstin: rnd() < 0.003 ? sup.gstin.slice(0, 14) + (sup.gstin.endsWith('A') ? 'B' : 'A') : sup.gstin,
          supplierName: sup.name,
          docType,
          invoiceNumberRaw: bookNumber(portalNumber, sup.prefix, serial),
          invoiceDate: addDays(date, shift),
          voucherNumber: String(b),
          voucherDate: addDays(date, shift + int(0, 3)),
          taxableValue: taxable + roundDelta,
          ...heads,
          cess: 0,
          invoiceValue: taxable + tax,
          placeOfSupply: recipientState,
          reverseCharge: rcm,
        };
        books.push(row);
      }
    }
  }
  // A few out-of-scope books rows (unregistered suppliers): realistic and cheap.
  for (let k = 0; k < Math.floor(opts.n / 200) && books.length > 0; k += 1) {
    const i = int(0, books.length - 1);
    books[i] = { ...books[i]!, supplierGstin: '', reverseCharge: true };
  }
  return { recipientGstin: recipient, period, books, portal };
}

export { toGstr2aJson, toGstr2bJson, toRegisterCsv } from '../../domain/recon/sample-files';
