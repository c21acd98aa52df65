/**
 * Golden-output cases for the reconciliation engine: seeded datasets from recon-data.ts plus the
 * noise kinds the generator does not make itself (bills of entry, ISD documents, IMS-rejected
 * documents, 2A supplier signals, blocked credits, import of services, blank GSTINs and numbers,
 * odd number formats), run under several option sets, reduced to one SHA-256 per case over a
 * key-sorted JSON of everything `reconcile` returns.
 *
 * tests/unit/recon/golden-output.test.ts compares these digests with constants recorded from the
 * engine before its performance rewrite, so any behaviour change fails. Print the current digests
 * with: npx tsx ops/bench/recon-golden.ts
 */
import { createHash } from 'node:crypto';
import { reconcile, type BooksRow, type MatchOptions, type PortalDoc, type SupplierSignal } from '../../domain/recon';
import { generateReconData, prng } from './recon-data';

export interface GoldenCase {
  name: string;
  n: number;
  seed: number;
  options: Partial<MatchOptions>;
  /** Feed both sides in a shuffled order (the output must not depend on input order). */
  shuffle?: boolean;
  /** 2B period (the generator's default otherwise). */
  period?: string;
  /** Suppliers' documents dated over several FYs and across 31 March (spreadFys). */
  fySpread?: boolean;
}

export const GOLDEN_CASES: readonly GoldenCase[] = [
  { name: '2k seed 1', n: 2_000, seed: 1, options: {} },
  { name: '2k seed 2 shuffled', n: 2_000, seed: 2, options: {}, shuffle: true },
  { name: '2k seed 3 strict', n: 2_000, seed: 3, options: { amountTolerance: 0, dateWindowDays: 3, adjacentFyMatching: false, autoAcceptProbable: false } },
  { name: '2k seed 4 small cap', n: 2_000, seed: 4, options: { fuzzyBlockCap: 3, amountTolerance: 5_000, dateWindowDays: 30 } },
  { name: '20k seed 5', n: 20_000, seed: 5, options: {} },
  { name: '20k seed 6 shuffled', n: 20_000, seed: 6, options: { dateWindowDays: 20 }, shuffle: true },
  { name: '5k seed 8 across FYs', n: 5_000, seed: 8, options: {}, period: '2024-04', fySpread: true },
];

function addDays(iso: string, days: number): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Dates moved per supplier (by its PAN, so books rows with a mistyped GSTIN move too): two weeks
 * back (an April 2B's documents then straddle 31 March / 1 April), one, two or three years back,
 * or, for the other suppliers' amendments, only the original's date, into March (the original in
 * the previous FY, the amendment in this one). FY slots, the adjacent-FY rule and FY-bearing keys all see several FYs.
 */
function spreadFys(books: BooksRow[], portal: PortalDoc[]): void {
  const shiftOf = (gstin: string): number => {
    let h = 0;
    for (const ch of gstin.slice(2, 12)) h = (h * 31 + ch.charCodeAt(0)) % 7;
    return [0, -14, -14, -365, -730, -1095, 0][h]!;
  };
  for (const b of books) {
    const days = shiftOf(b.supplierGstin);
    if (days === 0) continue;
    b.invoiceDate = addDays(b.invoiceDate, days);
    if (b.voucherDate) b.voucherDate = addDays(b.voucherDate, days);
  }
  const originals = new Map(portal.filter((p) => p.ref.endsWith('o')).map((p) => [p.ref.slice(p.ref.lastIndexOf(':') + 1, -1), p]));
  for (const p of portal) {
    const days = shiftOf(p.supplierGstin);
    if (days !== 0) {
      p.date = addDays(p.date, days);
      if (p.original) p.original = { ...p.original, date: addDays(p.original.date, days) };
    } else if (p.original) {
      // Back to 22–31 March when the amendment is dated in April.
      const d = Number(p.original.date.slice(8, 10));
      p.original = { ...p.original, date: addDays(p.original.date, -d - (d % 10)) };
      const o = originals.get(p.ref.slice(p.ref.lastIndexOf(':') + 1));
      if (o) o.date = p.original.date;
    }
  }
}

/** Deterministic extra noise on top of the generator's own. */
function addNoise(books: BooksRow[], portal: PortalDoc[], seed: number): Record<string, SupplierSignal> {
  const rnd = prng(seed * 7919 + 13);
  const pick = <T>(arr: readonly T[]): T => arr[Math.floor(rnd() * arr.length)]!;
  for (let i = 0; i < books.length; i += 1) {
    const r = rnd();
    const b = books[i]!;
    if (r < 0.01) b.itcEligible = false;
    else if (r < 0.015) b.importOfServices = true;
    else if (r < 0.02) b.derivedAmounts = true;
    else if (r < 0.025) b.dateFallback = true;
    else if (r < 0.03) b.supplierGstin = ` ${b.supplierGstin.toLowerCase().slice(0, 5)} ${b.supplierGstin.slice(5)}.`;
    else if (r < 0.035) b.invoiceNumberRaw = pick(['2024', '202425', '0000', 'INV/2024-25', '24-25/0001', '  ', '-', 'Ã¼1 2']);
    else if (r < 0.04) b.placeOfSupply = pick(['29', '07', '']);
    else if (r < 0.045) b.taxableValue = 0;
    else if (r < 0.05) {
      b.igst = 0; b.cgst = 0; b.sgst = 0; b.cess = 0;
    } else if (r < 0.052) b.invoiceDate = '';
  }
  for (let i = 0; i < portal.length; i += 1) {
    const r = rnd();
    const p = portal[i]!;
    if (r < 0.01) p.rejected = true;
    else if (r < 0.015) p.placeOfSupply = pick(['29', '07']);
    else if (r < 0.02) p.reverseCharge = !p.reverseCharge;
    else if (r < 0.025) p.cess = 100;
    else if (r < 0.03) p.numberRaw = '';
  }
  // Bills of entry: books rows split over several lines, portal IMPG documents, some unmatched.
  for (let k = 0; k < Math.max(5, Math.floor(books.length / 300)); k += 1) {
    const boe = String(1_000_000 + Math.floor(rnd() * 9_000_000));
    const day = 1 + Math.floor(rnd() * 28);
    const date = `2024-06-${String(day).padStart(2, '0')}`;
    const tx = 10_000_00 + Math.floor(rnd() * 1_000_000_00);
    const ig = Math.round(tx * 0.18);
    const lines = 1 + Math.floor(rnd() * 3);
    const port = pick(['INNSA1', 'INMAA1', 'inbom4 ']);
    if (rnd() < 0.9) {
      for (let l = 0; l < lines; l += 1) {
        books.push({
          rowRef: `boe.csv:${k}:${l}`, supplierGstin: '', docType: 'bill_of_entry', invoiceNumberRaw: rnd() < 0.5 ? boe : `BE-0${boe}`,
          invoiceDate: date, taxableValue: Math.floor(tx / lines), igst: Math.floor(ig / lines), cgst: 0, sgst: 0, cess: 0,
          reverseCharge: false, billOfEntryNumber: rnd() < 0.5 ? boe : undefined, portCode: rnd() < 0.9 ? port : 'INCCU1',
        });
      }
    }
    if (rnd() < 0.9) {
      portal.push({
        ref: `2024-06:impg:${k}`, section: 'impg', period: '2024-06', supplierGstin: '', supplierName: '', docType: 'bill_of_entry',
        numberRaw: boe, date, invoiceValue: tx + ig, taxableValue: Math.floor(tx / lines) * lines, igst: Math.floor(ig / lines) * lines,
        cgst: 0, sgst: 0, cess: 0, reverseCharge: false, itcAvailable: true, diffPercent: 1, portCode: port.trim().toUpperCase(),
        billOfEntryNumber: boe,
      });
    }
  }
  // ISD documents for a handful of distributors, some only on one side.
  const isd = books.slice(0, 5).map((b) => b.supplierGstin).filter((g) => g.length === 15);
  for (let k = 0; k < Math.max(5, Math.floor(books.length / 500)); k += 1) {
    const g = pick(isd.length > 0 ? isd : ['27AAACR5055K1Z7']);
    const docType = rnd() < 0.8 ? 'isd_invoice' : 'isd_credit_note';
    const num = `ISD/${k}`;
    const tx = 0;
    const ig = 1_000_00 + Math.floor(rnd() * 100_000_00);
    const date = `2024-06-${String(1 + Math.floor(rnd() * 28)).padStart(2, '0')}`;
    if (rnd() < 0.85) {
      books.push({
        rowRef: `isd.csv:${k}`, supplierGstin: g, docType, invoiceNumberRaw: rnd() < 0.8 ? num : num.toLowerCase(), invoiceDate: date,
        taxableValue: tx, igst: ig + (rnd() < 0.2 ? 50 : 0), cgst: 0, sgst: 0, cess: 0, reverseCharge: false,
      });
    }
    if (rnd() < 0.85) {
      portal.push({
        ref: `2024-06:isd:${k}`, section: 'isd', period: '2024-06', supplierGstin: g, supplierName: 'ISD', docType, numberRaw: num,
        date, invoiceValue: ig, taxableValue: tx, igst: ig, cgst: 0, sgst: 0, cess: 0, reverseCharge: false,
        itcAvailable: rnd() < 0.9, diffPercent: 1,
      });
    }
  }
  // Opposite-sign twins: a portal credit note carrying a books invoice's number.
  for (let k = 0; k < Math.max(3, Math.floor(books.length / 1000)); k += 1) {
    const b = books[Math.floor(rnd() * books.length)]!;
    if (b.docType !== 'invoice' || b.invoiceNumberRaw === '' || b.supplierGstin === '') continue;
    portal.push({
      ref: `2024-06:cdnr:x${k}`, section: 'cdnr', period: '2024-06', supplierGstin: b.supplierGstin.trim(), supplierName: '',
      docType: 'credit_note', numberRaw: b.invoiceNumberRaw, date: b.invoiceDate || '2024-06-15', invoiceValue: 0,
      taxableValue: 100_00, igst: 18_00, cgst: 0, sgst: 0, cess: 0, reverseCharge: false, itcAvailable: true, diffPercent: 1,
    });
  }
  // 2A signals for some suppliers.
  const signals: Record<string, SupplierSignal> = {};
  const gstins = [...new Set(portal.map((p) => p.supplierGstin))].filter((g) => g !== '').sort();
  for (const g of gstins) {
    const r = rnd();
    if (r < 0.05) signals[g] = { gstr3bFiled: false };
    else if (r < 0.08) signals[g] = { gstr1Filed: false, gstr3bFiled: true };
    else if (r < 0.1) signals[g] = { cancelledOn: '2024-05-31' };
  }
  return signals;
}

function shuffled<T>(arr: readonly T[], seed: number): T[] {
  const rnd = prng(seed);
  const out = arr.slice();
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(rnd() * (i + 1));
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}

/** The inputs of one case (fresh objects each call). */
export function goldenInputs(c: GoldenCase): { books: BooksRow[]; portal: PortalDoc[]; options: Partial<MatchOptions> } {
  const data = generateReconData({ n: c.n, seed: c.seed, ...(c.period ? { period: c.period } : {}) });
  if (c.fySpread) spreadFys(data.books, data.portal);
  const signals = addNoise(data.books, data.portal, c.seed);
  const options: Partial<MatchOptions> = { ...c.options, supplierSignals: signals };
  if (!c.shuffle) return { books: data.books, portal: data.portal, options };
  return { books: shuffled(data.books, c.seed + 1), portal: shuffled(data.portal, c.seed + 2), options };
}

/** JSON with object keys sorted at every level; `undefined` properties are dropped (as JSON does). */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : stableJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(obj).sort()) {
    const v = obj[k];
    if (v === undefined || typeof v === 'function') continue;
    parts.push(`${JSON.stringify(k)}:${stableJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/** SHA-256 of each part of a reconcile() result, and of the whole. */
export function goldenDigest(c: GoldenCase): Record<'results' | 'rejected' | 'summary' | 'suppliers' | 'warnings' | 'all', string> {
  const { books, portal, options } = goldenInputs(c);
  const run = reconcile(books, portal, options);
  const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
  const h = createHash('sha256');
  // Results are hashed row by row: one JSON string of 20k rows would be needlessly large.
  for (const r of run.results) h.update(stableJson(r)).update('\n');
  const results = h.digest('hex');
  const rejected = sha(stableJson(run.rejected));
  const summary = sha(stableJson(run.summary));
  const suppliers = sha(stableJson(run.suppliers));
  const warnings = sha(stableJson(run.warnings));
  return { results, rejected, summary, suppliers, warnings, all: sha([results, rejected, summary, suppliers, warnings].join()) };
}

if (require.main === module) {
  for (const c of GOLDEN_CASES) {
    const d = goldenDigest(c);
    process.stdout.write(`${JSON.stringify(c.name)}: ${JSON.stringify(d)},\n`);
  }
}
