/**
 * Golden output of the purchase-register reader: the benchmark's register CSVs, noisy registers
 * that exercise every branch of the row sink (amount and date formats, bad cells, GSTIN clean-up,
 * Busy tax types, voucher and document types, split vouchers, repeated headers, totals, blank rows,
 * quoting), and typed cells as the XLSX reader hands them over (numbers, Dates, booleans, nulls),
 * each reduced to one SHA-256 over the key-sorted JSON of the whole read result (rows, mapping,
 * skipped counts, merged lines, title text, warnings, errors).
 *
 * tests/unit/recon/register-golden.test.ts compares these digests with constants recorded from the
 * reader before the row sink was made cheaper (issue 26), so a faster sink cannot change a result.
 * Print the current digests with: npx tsx ops/bench/register-golden.ts
 */
import { readRegisterCsv } from '../../domain/recon/register-reader';
import { type Cell, type RegisterReadOptions, type RegisterReadResult, RegisterSink } from '../../domain/recon/register-sink';
import { generateReconData, prng, toRegisterCsv } from './recon-data';
import { goldenDigest } from './golden-digest';

export interface RegisterGoldenCase {
  name: string;
  kind: 'bench-csv' | 'noisy-csv' | 'typed-cells';
  n: number;
  seed: number;
  options?: RegisterReadOptions;
}

export const REGISTER_GOLDEN_CASES: readonly RegisterGoldenCase[] = [
  { name: 'bench csv 2k seed 1', kind: 'bench-csv', n: 2_000, seed: 1 },
  { name: 'bench csv 20k seed 7', kind: 'bench-csv', n: 20_000, seed: 7 },
  { name: 'noisy csv 3k seed 11 every issue', kind: 'noisy-csv', n: 3_000, seed: 11, options: { maxIssues: 1_000_000 } },
  { name: 'noisy csv 3k seed 12 few issues', kind: 'noisy-csv', n: 3_000, seed: 12, options: { maxIssues: 40 } },
  { name: 'noisy csv 3k seed 13 semicolons', kind: 'noisy-csv', n: 3_000, seed: 13, options: { csvDelimiter: ';' } },
  { name: 'typed cells 3k seed 21 every issue', kind: 'typed-cells', n: 3_000, seed: 21, options: { maxIssues: 1_000_000 } },
  { name: 'typed cells 3k seed 22', kind: 'typed-cells', n: 3_000, seed: 22 },
];

const AMOUNTS = [
  '1,23,456.78', '12,345.6', '1234', '1234.5', '1234.567', '1234.565', '0.005', '.5', '₹ 1,000', 'Rs. 2,500.00', 'INR 99',
  'rs 10', '(1,000.00)', '1,000-', '1,000 Cr', '1,000 Dr', '1000cr.', '(500 Cr)', '-250', '+75.25', '--', '-', '',
  '1,00,00,000', '12,34,567', '1 000', ' 7 ', '0', '0.00', '(0)', '1,000.00 Cr', '2,00,000.00', '3,000,000.50', 'Rs.(10)', '100 -',
  'INR1,00,000', '99999999999999', '-0', '1,000.', '100 DR',
];
/** Cells that are not amounts (each fails its row with an error). */
const BAD_AMOUNTS = ['1,2,3', '12,3456', 'abc', '1.2.3', '(1,000) Cr', '₹-5', '- 40', '99999999999999999', '1e5', '1,000,'];
const DATES = [
  '05-06-2024', '5/6/24', '05.06.2024', '2024-06-05', '5-Jun-24', '05-Jun-2024', '5 June 2024', '5Jun24', '31-02-2024',
  '00-06-2024', '05-13-2024', '45448', '45448.5', '1899-01-01', 'yesterday', '', '30-06-24', '29-02-2023', '01-Sept-2024',
];
const GSTINS = ['27ABCDE1234F1ZW', ' 27abcde1234f1zw ', '27ABCDE 1234F1ZW.', '99ABCDE1234F1ZW', '27ABCDE1234F1ZX', 'URP', '', '29AAACX'];
const VTYPES = ['Purchase', 'Purchase', 'Purchase', 'Debit Note', 'Credit Note', 'Journal', 'Sales', 'Import Purchase', 'Payment', '', 'Stock Journal'];
const DOCTYPES = ['', '', '', 'Invoice', 'CN', 'Debit Note', 'BOE', 'ISD Invoice', 'isdc', 'weird', 'R'];
const BUSY = ['', '', '', 'L/GST-18%', 'I/GST-12%', 'l / gst - 5%', 'L/GST-0.25%', 'X/GST-18%'];
const POS = ['', '', '27', '27-Maharashtra', 'Karnataka', '29', 'Atlantis', '97'];
const YESNO = ['', '', 'Y', 'No', 'yes', 'N', 'maybe', 'TRUE', '0'];
const ELIGIBLE = ['', '', 'Eligible', 'Ineligible', 'Blocked', 'Not eligible', 'n', 'yes', 'Y', 'Inputs'];
const NAMES = ['Acme Traders', '=HYPERLINK("x")', 'Shree "Ganesh" Steels', 'Kumar, Sons & Co', '  Padded  ', '', 'Acme Traders'];

function csvCell(s: string, d: string): string {
  return s.includes('"') || s.includes(d) || s.includes('\n') || s.includes('\r') ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A register with every column the sink reads and noise in each, plus the rows it must skip. */
export function noisyRegisterCsv(n: number, seed: number, d = ','): string {
  const rnd = prng(seed);
  const pick = <T>(arr: readonly T[]): T => arr[Math.floor(rnd() * arr.length)]!;
  const amt = (): string => (rnd() < 0.004 ? pick(BAD_AMOUNTS) : pick(AMOUNTS));
  const head = ['Date', 'Particulars', 'Voucher Type', 'Voucher No.', 'Supplier Invoice No', 'Invoice Date', 'GSTIN/UIN', 'Value',
    'Purchase @18%', 'IGST', 'CGST', 'SGST', 'Cess', 'Gross Total', 'Place of Supply', 'Reverse Charge', 'Document Type',
    'ITC Eligible', 'Port Code', 'Bill of Entry No', 'Type', 'Narration', 'IGST Amt'];
  const lines: string[] = ['Client Pvt Ltd', `Purchase Register${d}${d}Apr-Jun`, '', head.map((h) => csvCell(h, d)).join(d)];
  let lastVoucher = '';
  for (let i = 0; i < n; i += 1) {
    const r = rnd();
    if (r < 0.01) {
      lines.push(head.map((h) => csvCell(h, d)).join(d));
      continue;
    }
    if (r < 0.02) {
      lines.push(`${pick(['Total', 'Grand Total', 'Sub-Total', 'Page total', 'Carried Over'])}${d}${d}${d}${d}1,000`);
      continue;
    }
    if (r < 0.03) {
      lines.push(pick(['', d.repeat(5), ` ${d} ${d}`, `${d}${d}note line`]));
      continue;
    }
    const voucher = rnd() < 0.1 && lastVoucher ? lastVoucher : rnd() < 0.15 ? '' : `PV-${1 + Math.floor(rnd() * n)}`;
    lastVoucher = voucher;
    const cells = [
      pick(DATES), pick(NAMES), pick(VTYPES), voucher,
      rnd() < 0.1 ? '' : pick(['INV/', 'inv ', '', 'A-', '24-25/']) + String(Math.floor(rnd() * 5000)).padStart(rnd() < 0.5 ? 4 : 1, '0') + pick(['', '.', ' ']),
      pick(DATES), pick(GSTINS),
      rnd() < 0.2 ? '' : amt(), rnd() < 0.8 ? '' : amt(), rnd() < 0.5 ? '' : amt(), amt(), amt(),
      rnd() < 0.7 ? '' : amt(), amt(), pick(POS), pick(YESNO), pick(DOCTYPES), pick(ELIGIBLE),
      rnd() < 0.9 ? '' : 'INMAA1', rnd() < 0.9 ? '' : `BE${i}`, pick(BUSY), pick(['', 'freight', 'Total of it']), rnd() < 0.9 ? '' : amt(),
    ];
    if (rnd() < 0.02) cells.length = 5 + Math.floor(rnd() * 10);
    if (rnd() < 0.01) cells.push('extra', 'cells');
    lines.push(cells.map((c) => csvCell(c, d)).join(d));
  }
  lines.push(`Grand Total${d.repeat(5)}`);
  return lines.join(rnd() < 0.5 ? '\r\n' : '\n');
}

/** Rows of typed cells as the XLSX reader hands them to the sink, on two sheets. */
export function typedCellRows(n: number, seed: number): Array<{ sheet: string; rows: Cell[][] }> {
  const rnd = prng(seed);
  const pick = <T>(arr: readonly T[]): T => arr[Math.floor(rnd() * arr.length)]!;
  const head: Cell[] = ['Date', 'Party Name', 'Vch Type', 'Vch No.', 'Bill No', 'Bill Date', 'GSTIN', 'Taxable Value', 'Integrated Tax',
    'Central Tax', 'State/UT Tax', 'Cess', 'Invoice Value', 'POS', 'RCM', 'ITC Eligible', null];
  const amount = (): Cell => {
    const r = rnd();
    if (r < 0.4) return Math.round(rnd() * 1e7) / 100;
    if (r < 0.5) return -Math.round(rnd() * 1e5) / 100;
    if (r < 0.55) return Math.round(rnd() * 1e5);
    if (r < 0.6) return null;
    if (r < 0.605) return Number.NaN;
    if (r < 0.61) return true;
    return rnd() < 0.01 ? pick(BAD_AMOUNTS) : pick(AMOUNTS);
  };
  const date = (): Cell => {
    const r = rnd();
    if (r < 0.4) return new Date(Date.UTC(2024, Math.floor(rnd() * 12), 1 + Math.floor(rnd() * 28)));
    if (r < 0.6) return 45000 + Math.floor(rnd() * 700) + (rnd() < 0.2 ? 0.25 : 0);
    if (r < 0.65) return 12;
    return pick(DATES);
  };
  const sheets: Array<{ sheet: string; rows: Cell[][] }> = [];
  for (const sheet of ['Apr', 'May']) {
    const rows: Cell[][] = [['Company'], [null, 'Purchase Register'], head];
    for (let i = 0; i < n / 2; i += 1) {
      if (rnd() < 0.02) {
        rows.push(rnd() < 0.5 ? [null, null, null] : head);
        continue;
      }
      rows.push([
        date(), pick(NAMES), pick(VTYPES), rnd() < 0.3 ? Math.floor(rnd() * 300) : rnd() < 0.5 ? null : `V${Math.floor(rnd() * 300)}`,
        rnd() < 0.3 ? Math.floor(rnd() * 9000) : rnd() < 0.1 ? 12.5 : `B-${Math.floor(rnd() * 9000)}`, date(), pick(GSTINS),
        amount(), amount(), amount(), amount(), rnd() < 0.8 ? null : amount(), amount(), rnd() < 0.5 ? 27 : pick(POS),
        rnd() < 0.3 ? rnd() < 0.5 : rnd() < 0.3 ? 1 : pick(YESNO), rnd() < 0.2 ? false : pick(ELIGIBLE), rnd() < 0.1 ? 'x' : null,
      ]);
    }
    sheets.push({ sheet, rows });
  }
  return sheets;
}

function* chunks(buf: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

export async function readRegisterGoldenCase(c: RegisterGoldenCase): Promise<RegisterReadResult> {
  if (c.kind === 'typed-cells') {
    const sink = new RegisterSink({ source: 'register.xlsx', ...c.options });
    for (const { sheet, rows } of typedCellRows(c.n, c.seed)) {
      sink.startSheet(sheet);
      rows.forEach((cells, i) => {
        if (sink.admit(cells.length)) sink.row(cells, i + 1);
      });
    }
    return sink.result();
  }
  const text = c.kind === 'bench-csv'
    ? toRegisterCsv(generateReconData({ n: c.n, seed: c.seed }))
    : noisyRegisterCsv(c.n, c.seed, c.options?.csvDelimiter ?? ',');
  return readRegisterCsv(chunks(Buffer.from(text), 7_919), { source: 'pr.csv', ...c.options });
}

/** Digests of the read result, part by part and whole (the parts say where a difference is). */
export async function registerGoldenDigest(c: RegisterGoldenCase): Promise<Record<string, string>> {
  const r = await readRegisterGoldenCase(c);
  return {
    rows: goldenDigest(r.rows),
    issues: goldenDigest({ warnings: r.warnings, errors: r.errors }),
    rest: goldenDigest({ ok: r.ok, mapping: r.mapping, skipped: r.skipped, mergedLines: r.mergedLines, titleText: r.titleText }),
    all: goldenDigest(r),
  };
}

if (require.main === module) {
  void (async () => {
    for (const c of REGISTER_GOLDEN_CASES) {
      const r = await readRegisterGoldenCase(c);
      process.stdout.write(`// ${c.name}: ${r.rows.length} rows, ${r.warnings.length} warnings, ${r.errors.length} errors, merged ${r.mergedLines}, skipped ${JSON.stringify(r.skipped)}\n`);
      process.stdout.write(`  ${JSON.stringify(c.name)}: ${JSON.stringify(await registerGoldenDigest(c))},\n`);
    }
  })();
}
