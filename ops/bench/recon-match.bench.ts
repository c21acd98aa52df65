/**
 * Reconciliation benchmark: parse throughput of the 2B JSON and register CSV readers (with
 * JSON.parse / csv-parse alone as baselines), match time and rows per second, and peak RSS.
 * Run: npx tsx ops/bench/recon-match.bench.ts [sizes…]   (default 10000 100000)
 */
import { parse as parseCsvSync } from 'csv-parse/sync';
import { reconcile } from '../../domain/recon';
import { readGstr2b } from '../../domain/recon/gstr2b-reader';
import { readRegisterCsv } from '../../domain/recon/register-reader';
import { generateReconData, toGstr2bJson, toRegisterCsv } from './recon-data';

const CHUNK = 64 * 1024;

function* chunks(buf: Buffer): Generator<Buffer> {
  for (let i = 0; i < buf.length; i += CHUNK) yield buf.subarray(i, i + CHUNK);
}

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export interface BenchRow {
  size: number;
  jsonMb: number;
  jsonBaselineMBs: number;
  jsonReaderMBs: number;
  csvMb: number;
  csvBaselineMBs: number;
  csvReaderMBs: number;
  matchMs: number;
  matchRowsPerSec: number;
  peakRssMb: number;
  categories: Record<string, number>;
}

export async function benchMatch(sizes: number[]): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const size of sizes) {
    const data = generateReconData({ n: size, seed: 7 });
    const json = Buffer.from(toGstr2bJson(data));
    const csv = Buffer.from(toRegisterCsv(data));
    const jsonMb = json.length / 1e6;
    const csvMb = csv.length / 1e6;

    let t = process.hrtime.bigint();
    const baseline = JSON.parse(json.toString('utf8')) as unknown;
    const jsonBaseMs = ms(t);
    void baseline;

    t = process.hrtime.bigint();
    const twoB = await readGstr2b(chunks(json), { gstin: data.recipientGstin, period: data.period });
    const jsonMs = ms(t);
    if (!twoB.ok) throw new Error(`2B read failed: ${JSON.stringify(twoB.errors.slice(0, 3))}`);

    t = process.hrtime.bigint();
    // Baseline: csv-parse alone from the header line (the generator writes 5 title lines).
    const records = parseCsvSync(csv, { relax_column_count: true, from_line: 6 }) as string[][];
    const csvBaseMs = ms(t);
    void records;

    t = process.hrtime.bigint();
    const register = await readRegisterCsv(chunks(csv), { source: 'pr.csv' });
    const csvMs = ms(t);
    if (!register.ok) throw new Error(`register read failed: ${JSON.stringify(register.errors.slice(0, 3))}`);

    // Earlier-period originals of amendments come from the previous 2B file in real life.
    const portal = [...twoB.documents, ...twoB.rejected, ...data.portal.filter((d) => d.period !== data.period)];
    // Warm-up on a slice, so the timed run measures steady-state code, not the JIT.
    reconcile(register.rows.slice(0, 2000), portal.slice(0, 2000));
    t = process.hrtime.bigint();
    const result = reconcile(register.rows, portal);
    const matchMs = ms(t);
    const categories: Record<string, number> = {};
    for (const r of result.results) categories[r.category] = (categories[r.category] ?? 0) + 1;

    rows.push({
      size,
      jsonMb,
      jsonBaselineMBs: jsonMb / (jsonBaseMs / 1000),
      jsonReaderMBs: jsonMb / (jsonMs / 1000),
      csvMb,
      csvBaselineMBs: csvMb / (csvBaseMs / 1000),
      csvReaderMBs: csvMb / (csvMs / 1000),
      matchMs,
      matchRowsPerSec: (register.rows.length + portal.length) / (matchMs / 1000),
      peakRssMb: peakRssMb(),
      categories,
    });
  }
  printTable(rows);
  return rows;
}

/** Bench output goes to stdout directly (the lint rule bans console in library code). */
function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

function printTable(rows: BenchRow[]): void {
  const f = (n: number, d = 1): string => n.toFixed(d);
  out('| size | 2B JSON MB | JSON.parse MB/s | 2B reader MB/s (ratio) | CSV MB | csv-parse MB/s | register reader MB/s (ratio) | match ms | rows/s (both sides) | peak RSS MB |');
  out('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    out(`| ${r.size} | ${f(r.jsonMb)} | ${f(r.jsonBaselineMBs)} | ${f(r.jsonReaderMBs)} (${f(r.jsonReaderMBs / r.jsonBaselineMBs, 2)}×) | ${f(r.csvMb)} | ${f(r.csvBaselineMBs)} | ${f(r.csvReaderMBs)} (${f(r.csvReaderMBs / r.csvBaselineMBs, 2)}×) | ${f(r.matchMs, 0)} | ${Math.round(r.matchRowsPerSec).toLocaleString('en-IN')} | ${f(r.peakRssMb, 0)} |`);
  }
  for (const r of rows) out(`size ${r.size} categories: ${JSON.stringify(r.categories)}`);
}

if (require.main === module) {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  benchMatch(sizes.length > 0 ? sizes : [10_000, 100_000]).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  });
}
