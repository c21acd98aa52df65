/**
 * The engine's warm-up: a few reconciliations of small synthetic documents, run by a worker when it
 * starts, so that its first real run finds the engine compiled (V8 has seen every phase's loops
 * and the documents' shapes) instead of compiling it while a user waits. Pure: the documents are
 * made here, in the shapes the worker loads (the readers' fields, the keys in the order the
 * database's JSON gives them back), and nothing is kept; the table pool keeps the small tables.
 */
import { reconcile } from './index';
import { prefaultReserved, recordTablePlan, reserveTables } from './table-pool';
import type { BooksRow, DocType, PortalDoc } from './types';

/** What the warm-up did: its runs, their documents (both sides), its time, and the bytes of set-aside tables it wrote (`prefaultReserved`). */
export type WarmUpReport = { runs: number; documents: number; ms: number; prefaultedBytes: number };

/** mulberry32: tiny and deterministic (the warm-up is the same on every start). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GSTIN_CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** A GSTIN with a valid check character (the rule of domain/gstin.ts, kept local: domain/recon imports nothing of ours outside it). */
function gstinOf(first14: string): string {
  let sum = 0;
  for (let i = 0; i < 14; i += 1) {
    const product = GSTIN_CHARS.indexOf(first14[i]!) * (i % 2 === 0 ? 1 : 2);
    sum += Math.floor(product / 36) + (product % 36);
  }
  return first14 + GSTIN_CHARS[(36 - (sum % 36)) % 36]!;
}

/**
 * The object the worker gets back from PostgreSQL for a stored document: jsonb keeps keys shorter
 * first, then in byte order, and the driver JSON.parses the text. The same shapes (V8 hidden
 * classes) as a real run's documents, so the code the warm-up compiles fits them.
 */
export function asStored<T extends object>(doc: T): T {
  const keys = Object.keys(doc).sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  const ordered: Record<string, unknown> = {};
  for (const k of keys) ordered[k] = (doc as Record<string, unknown>)[k];
  return JSON.parse(JSON.stringify(ordered)) as T;
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/**
 * An invoice number with a one-character typo in its serial (same digit count), the position
 * drawn with `int`: the warm-up's noisy documents and the benchmark's data make typos the same way.
 */
export function serialTypo(prefix: string, serial: number, int: (lo: number, hi: number) => number): string {
  const digits = String(serial);
  const i = int(0, digits.length - 1);
  const d = (Number(digits[i]) + 1) % 10;
  return `${prefix}${digits.slice(0, i)}${i === 0 && d === 0 ? 1 : d}${digits.slice(i + 1)}`;
}

/** `iso` moved by `days` (across month ends, as real shifted dates go). */
function addDays(iso: string, days: number): string {
  return days === 0 ? iso : new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** Supplier states (the recipient's, 27, among them: intra- and inter-state tax heads). */
const STATES = ['27', '29', '07', '33', '24', '09', '36', '19'];
/** Invoice-number series prefixes, one per supplier ('' for a bare FY/serial series). */
const PREFIXES = ['INV', 'MS', 'TRI', 'SI', '', 'GST', 'BILL', 'AB'];
const RATES = [5, 12, 18, 18, 18, 28];

/**
 * n books rows and about n portal documents with the noise of real files: number variants (the
 * FY written every way the normaliser strips, dropped zeros and FY parts, serial only, typos, case
 * and spacing), rounding, shifted dates (some past the date window), documents on one side only,
 * notes, amendments with and without a changed value, duplicates, bills of entry, reverse charge,
 * blocked credit, unregistered and mistyped suppliers, suppliers sharing a PAN across states.
 * Every branch a real run's normalisation and passes take is taken here, so the code the warm-up
 * compiles has seen every type it meets later (a branch never taken de-optimises on its first use).
 */
export function warmUpDocuments(n: number, seed = 1): { books: BooksRow[]; portal: PortalDoc[] } {
  const rnd = prng(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  const period = '2024-06';
  const fy = '24-25';
  const suppliers: Array<{ gstin: string; name: string; prefix: string; serial: number }> = [];
  for (let s = 0; s < Math.max(5, Math.floor(n / 40)); s += 1) {
    const pan = `${String.fromCharCode(65 + (s % 26))}BC${pick(['C', 'F', 'P', 'H'])}${String.fromCharCode(65 + ((s >> 5) % 26))}${pad(s % 10000, 4)}Q`;
    // Branches of one business in other states share its PAN (the PAN pass, P6).
    const shared = s > 0 && rnd() < 0.05 ? suppliers[s - 1]!.gstin.slice(2, 12) : pan;
    suppliers.push({ gstin: gstinOf(`${pick(STATES)}${shared}${int(1, 3)}Z`), name: `Supplier ${s} Pvt Ltd`, prefix: pick(PREFIXES), serial: int(1, 500) });
  }
  const bookNumber = (number: string, prefix: string, serial: number): string => {
    const r = rnd();
    if (r < 0.55) return number;
    if (r < 0.65) return number.toLowerCase().replace(/\//g, ' / ');
    if (r < 0.73) return `${prefix}${serial}`;
    if (r < 0.79) return String(serial);
    if (r < 0.83) return `${prefix}-2024-25-${pad(serial, 4)}`;
    if (r < 0.86) return `${prefix}/2024-2025/${pad(serial, 6)}`;
    if (r < 0.88) return `${prefix}/202425/${serial}`;
    if (r < 0.91) return serialTypo(prefix, serial, int);
    if (r < 0.95) return '';
    return `${number}.`;
  };
  const books: BooksRow[] = [];
  const portal: PortalDoc[] = [];
  let k = 0;
  while (books.length < n || portal.length < n) {
    k += 1;
    const sup = pick(suppliers);
    sup.serial += 1;
    const serial = sup.serial;
    const rk = rnd();
    const docType: DocType = rk < 0.08 ? 'credit_note' : rk < 0.1 ? 'debit_note' : 'invoice';
    const number = docType === 'invoice' ? `${sup.prefix}${sup.prefix ? '/' : ''}${fy}/${pad(serial, 6)}` : `${docType === 'credit_note' ? 'CN' : 'DN'}/${fy}/${pad(serial, 4)}`;
    const date = `${rnd() < 0.85 ? period : '2024-05'}-${pad(int(1, 28), 2)}`;
    const taxable = int(1_000_00, 5_00_000_00);
    const rate = pick(RATES);
    const tax = Math.round((taxable * rate) / 100);
    const intra = sup.gstin.startsWith('27');
    const heads = intra ? { igst: 0, cgst: Math.floor(tax / 2), sgst: tax - Math.floor(tax / 2) } : { igst: tax, cgst: 0, sgst: 0 };
    const kind = rnd();
    const boe = kind > 0.99;
    if (kind >= 0.04 && kind < 0.08) {
      // books only
    } else if (portal.length < n) {
      const section = boe ? 'impg' : docType === 'invoice' ? (kind < 0.09 ? 'b2ba' : 'b2b') : 'cdnr';
      const doc: PortalDoc = {
        ref: `${period}:${section}:${k}`, section, period, supplierGstin: boe ? '' : sup.gstin, supplierName: boe ? '' : sup.name.toUpperCase(),
        supplierPeriod: date.slice(0, 7), supplierFilingDate: `${period}-11`, docType: boe ? 'bill_of_entry' : docType,
        numberRaw: boe ? `${k}` : number, date, invoiceValue: taxable + tax, taxableValue: taxable, ...heads, cess: 0,
        placeOfSupply: '27', reverseCharge: rnd() < 0.005, itcAvailable: rnd() >= 0.01, diffPercent: 1, supplyType: 'R',
      };
      if (!doc.itcAvailable) doc.itcUnavailableReason = pick(['P', 'C']);
      if (section === 'b2ba') {
        // The original from the previous month's 2B, amended here (half the time with a new value).
        portal.push(asStored({ ...doc, ref: `2024-05:b2b:${k}`, section: 'b2b', period: '2024-05' }));
        doc.original = { number, date };
        if (rnd() < 0.3) doc.numberRaw = `${number}A`;
        if (rnd() < 0.5) {
          const amended = Math.round(((taxable - 1000_00) * rate) / 100);
          doc.taxableValue = taxable - 1000_00;
          doc.invoiceValue = doc.taxableValue + amended;
          if (intra) Object.assign(doc, { cgst: Math.floor(amended / 2), sgst: amended - Math.floor(amended / 2) });
          else doc.igst = amended;
        }
      }
      if (boe) {
        doc.billOfEntryNumber = `${k}`;
        doc.portCode = 'INMAA1';
      }
      portal.push(asStored(doc));
    }
    if (kind < 0.04 || books.length >= n) continue;
    const noise = rnd();
    const shift = rnd() < 0.1 ? int(-5, 5) : rnd() < 0.01 ? 15 : 0;
    const copies = rnd() < 0.01 ? 2 : 1;
    for (let c = 0; c < copies; c += 1) {
      const r = rnd();
      const row: BooksRow = {
        rowRef: `pr.csv:${books.length + 7}`,
        supplierGstin: boe ? '' : r < 0.003 ? `${sup.gstin.slice(0, 14)}${sup.gstin.endsWith('A') ? 'B' : 'A'}` : kind > 0.985 ? '' : sup.gstin,
        supplierName: sup.name, docType: boe ? 'bill_of_entry' : docType,
        invoiceNumberRaw: boe ? `${k}` : bookNumber(number, sup.prefix, serial),
        invoiceDate: addDays(date, shift), voucherNumber: String(books.length + 1), voucherDate: addDays(date, shift + int(0, 3)),
        taxableValue: taxable + (noise < 0.1 ? int(-100, 100) : noise < 0.12 ? int(1000, 50000) : 0), ...heads, cess: 0,
        invoiceValue: taxable + tax, reverseCharge: kind > 0.985 || rnd() < 0.005,
      };
      // Registers with and without a place-of-supply column (Tally's purchase register has none).
      if (sup.gstin.startsWith('27')) row.placeOfSupply = '27';
      if (r > 0.995) row.itcEligible = false;
      if (boe) {
        row.billOfEntryNumber = `${k}`;
        row.portCode = 'INMAA1';
      }
      books.push(asStored(row));
    }
  }
  return { books, portal };
}

/** Sizes of the warm-up's runs (documents per side): small first, then enough for V8 to optimise every phase. */
export const WARM_UP_SIZES: readonly number[] = [2_000, 20_000, 20_000, 20_000];

/**
 * The run size (documents a side) whose tables the warm-up sets aside (`reserveTables`): the
 * largest run the engine is sized for (docs/performance.md, "First run").
 */
export const RESERVE_FOR = 1_000_000;

/**
 * Whether the warm-up also writes the pages of the tables it sets aside (`prefaultReserved`), so
 * that the first run of `RESERVE_FOR` a side does not fault them in while a user waits: the worker
 * then holds those tables' memory from its start, as it does anyway once it has run that size
 * (docs/performance.md, "First run").
 */
export const PREFAULT_RESERVED = true;

/**
 * Runs the warm-up: each size's documents reconciled, their result rows built a batch at a time
 * and serialised as the worker writes them, then released. The worker runs it before it starts
 * polling (ops/worker.ts; docs/performance.md, "First run"), so no task waits behind it; `pause`
 * runs between the steps (a turn of the event loop by default), so whatever shares the process
 * (the api, under `npm start`) still answers in between. The last run's tables are recorded, and
 * what a run of `reserveFor` documents a side would take beyond them is set aside in the table
 * pool, its pages written (`prefault`, default PREFAULT_RESERVED; `prefaultChunk` bytes at a time,
 * default 16 MB) so that the first run that large does not fault them in. A pause after a chunk of
 * those pages is given the chunk's bytes; a pause between steps is given nothing.
 */
export async function warmUpEngine(
  options: { sizes?: readonly number[]; pause?: (prefaulted?: number) => Promise<void>; reserveFor?: number; prefault?: boolean; prefaultChunk?: number } = {},
): Promise<WarmUpReport> {
  const sizes = options.sizes ?? WARM_UP_SIZES;
  const pause = options.pause ?? (() => new Promise<void>((resolve) => setTimeout(resolve, 0)));
  const reserveFor = options.reserveFor ?? RESERVE_FOR;
  const started = Date.now();
  let documents = 0;
  let prefaultedBytes = 0;
  for (let k = 0; k < sizes.length; k += 1) {
    await pause();
    const { books, portal } = warmUpDocuments(sizes[k]!);
    await pause();
    const run = (): void => reconcileAndBuild(books, portal);
    if (k < sizes.length - 1 || reserveFor <= 0) run();
    else {
      const { plan } = recordTablePlan(run);
      reserveTables(plan, Math.max(1, reserveFor / sizes[k]!));
      if (options.prefault ?? PREFAULT_RESERVED) prefaultedBytes = await prefaultReserved(pause, options.prefaultChunk);
    }
    documents += books.length + portal.length;
  }
  return { runs: sizes.length, documents, ms: Date.now() - started, prefaultedBytes };
}

function reconcileAndBuild(books: BooksRow[], portal: PortalDoc[]): void {
  const result = reconcile(books, portal, { amountTolerance: 100, dateWindowDays: 10 });
  let length = 0;
  for (let from = 0; from < result.rowCount; from += 2000) length += JSON.stringify(result.rowsBetween(from, Math.min(result.rowCount, from + 2000))).length;
  result.release();
  if (length === 0) throw new Error('the warm-up built no rows');
}
