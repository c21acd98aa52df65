/**
 * `npm run bench:worker`: the worker's own path at one size (WORKER_BENCH_SIZE documents per side,
 * default 10 lakh), on an embedded PostgreSQL: memory while it loads and matches, and its first
 * match against warm ones. The parent stores both imports' rows once (read by the readers from the
 * synthetic files, inserted as the import path stores them), then runs each measurement in a
 * fresh child process with the worker's V8 flags and a heap of WORKER_BENCH_HEAP_MB (default 1536):
 *
 * - `store`: `reconciliationMatchAndStore` as the worker runs it (under Temporal's
 *   MockActivityEnvironment): load both imports from PostgreSQL, match, write the result and
 *   supplier rows in batches, store the summary. The activity's between-batch hook samples the
 *   heap: when both imports are loaded (the documents), and when the match is done (the documents,
 *   the engine's tables, the summary). It prints bytes per document at both points (after a full
 *   collection), the phases' times and the peak RSS. It proves the run fits the heap: with too
 *   small a heap the child dies and the bench fails.
 * - `first`: a fresh process, the engine warm-up the worker runs at start (timed, with the memory
 *   it leaves), the documents loaded as the activity loads them, then the first match and
 *   WORKER_BENCH_WARM (default 5) more, each followed by building the result rows a batch at a time
 *   and releasing them, as the activity does; the first match over the warm median. `first-cold`
 *   is the same without the warm-up.
 *
 * WORKER_BENCH_REPEATS (default 2) runs the children that many times, one after the other, on the
 * same stored rows: on a shared machine only ratios within one run compare. WORKER_BENCH_BASELINE, the
 * path of another build's compiled worker-path.bench.js (the code before a change, built beside
 * this one), runs each mode's child once with that build and once with this one in every repeat,
 * alternating which goes first, and prints each report under its build's name.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { gstinCheckCharacter } from '../../domain/gstin';
import { readGstr2b } from '../../domain/recon/gstr2b-reader';
import { readRegisterCsv } from '../../domain/recon/register-reader';
import { createKnex, databaseUrlFor } from '../../db/knex';
import { migrateLatest } from '../../db/migrator';
import { importRowsText } from '../../db/copy-text';
import { insertImportText } from '../../db/recon-rows';
import { ensureDatabase, startEmbeddedPostgres } from '../embedded-postgres';
import { freePort } from '../ports';
import { generateReconData, toGstr2bJson, toRegisterCsv } from './recon-data';
import { runWorkerChild, type ChildInput, type ChildReport } from './worker-path.child';

const MARK = 'WORKER_BENCH ';

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

function* chunks(buf: Buffer): Generator<Buffer> {
  for (let i = 0; i < buf.length; i += 64 * 1024) yield buf.subarray(i, i + 64 * 1024);
}

const SIZE = Number(process.env.WORKER_BENCH_SIZE ?? 1_000_000);
const HEAP_MB = Number(process.env.WORKER_BENCH_HEAP_MB ?? 1536);
const REPEATS = Number(process.env.WORKER_BENCH_REPEATS ?? 2);
const BASELINE = process.env.WORKER_BENCH_BASELINE;
const MODES = (process.env.WORKER_BENCH_MODES ?? 'store,first,first-cold').split(',').map((m) => m.trim()).filter(Boolean) as ChildInput['mode'][];

/** The worker's flags (package.json `worker`), a heap of HEAP_MB, and gc() for the measurements. */
const CHILD_FLAGS = [`--max-old-space-size=${HEAP_MB}`, '--max-semi-space-size=64', '--expose-gc'];
/**
 * WORKER_BENCH_SEMI_SPACES (say `64,16`): run each mode's child once per young-generation size
 * (`--max-semi-space-size`, MB) in every repeat, alternating which goes first, instead of the
 * worker's 64: what a smaller young generation saves of the peak RSS, and what it costs the match.
 */
const SEMI_SPACES = (process.env.WORKER_BENCH_SEMI_SPACES ?? '').split(',').map((m) => m.trim()).filter(Boolean).map(Number);

function flagsWithSemiSpace(mb: number): string[] {
  return CHILD_FLAGS.map((f) => (f.startsWith('--max-semi-space-size=') ? `--max-semi-space-size=${mb}` : f));
}

type Stored = Omit<ChildInput, 'mode'>;

/** A firm, a client and both imports' rows, written as the import path writes them. */
async function store(owner: Knex, url: string): Promise<Stored> {
  const firmId = randomUUID();
  const stem = `27ABCDE${String(randomBytes(2).readUInt16BE(0) % 10000).padStart(4, '0')}F1Z`;
  const gstin = stem + gstinCheckCharacter(stem);
  const data = generateReconData({ n: SIZE, seed: 7, period: '2024-06', recipientGstin: gstin });
  const json = Buffer.from(toGstr2bJson(data));
  const csv = Buffer.from(toRegisterCsv(data));
  const twoB = await readGstr2b(chunks(json), { gstin, period: '2024-06' });
  const register = await readRegisterCsv(chunks(csv), { source: 'bench.csv' });
  if (!twoB.ok || !register.ok) throw new Error('the bench files did not read');
  const portal = [...twoB.documents, ...twoB.rejected];
  const t = Date.now();
  const ids = await owner.transaction(async (trx) => {
    await trx.raw(`select set_config('app.firm_id', ?, true)`, [firmId]);
    await trx('firms').insert({ id: firmId, name: 'Bench firm', slug: `bench-${firmId.slice(0, 8)}` });
    const [client] = await trx('clients').insert({ firm_id: firmId, name: 'Bench client', gstin, email: 'c@bench.example', filing_frequency: 'monthly', state_code: '27' }).returning('id');
    const clientId = (client as { id: string }).id;
    const importOf = async (kind: string, docs: readonly unknown[]): Promise<string> => {
      const [row] = await trx('imports').insert({ firm_id: firmId, client_id: clientId, kind, period: '2024-06', status: 'validated', rows: docs.length }).returning('id');
      const importId = (row as { id: string }).id;
      await insertImportText(trx, { firmId, clientId, period: '2024-06', importId }, importRowsText(docs));
      return importId;
    };
    const registerImportId = await importOf('purchase_register', register.rows);
    const gstr2bImportId = await importOf('gstr2b', portal);
    return { clientId, registerImportId, gstr2bImportId };
  });
  out(`stored ${register.rows.length.toLocaleString('en-IN')} books rows and ${portal.length.toLocaleString('en-IN')} portal documents in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  return { url, firmId, ...ids };
}

function child(input: ChildInput, entry = __filename, flags = CHILD_FLAGS): ChildReport {
  const loader = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const run = spawnSync(process.execPath, [...flags, ...loader, entry, '--child', JSON.stringify(input)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const line = run.stdout.split('\n').find((l) => l.startsWith(MARK));
  if (run.status !== 0 || !line) throw new Error(`${input.mode} child failed (${run.status ?? run.signal}): ${run.stderr.slice(-3000)}`);
  return JSON.parse(line.slice(MARK.length)) as ChildReport;
}

const mb = (bytes: number): string => `${Math.round(bytes / 2 ** 20).toLocaleString('en-IN')} MB`;
const s = (ms: number): string => (ms / 1000).toFixed(2);

/**
 * The peak RSS when loaded and when matched, or null when the report has neither: a baseline build
 * from before the child measured them leaves them out, and its line would read "NaN MB".
 */
export function peakSoFarLine(r: Partial<Pick<Extract<ChildReport, { mode: 'store' }>, 'peakAtLoadedBytes' | 'peakAtMatchedBytes'>>): string | null {
  const { peakAtLoadedBytes: loaded, peakAtMatchedBytes: matched } = r;
  if (loaded === undefined || matched === undefined || !Number.isFinite(loaded) || !Number.isFinite(matched)) return null;
  return `  peak RSS so far: ${mb(loaded)} when loaded, ${mb(matched)} when matched (the rest of the peak is the write's)`;
}

/**
 * Where the RSS stood when the match was done (the peak at 10 lakh is set there): each heap space
 * of 1 MB or more as committed, and the array buffers (the engine's tables). Null for a report
 * without it (a baseline build from before the child sampled it).
 */
export function spacesLine(r: Partial<Pick<Extract<ChildReport, { mode: 'store' }>, 'spacesAtMatched'>>): string | null {
  const at = r.spacesAtMatched;
  if (!at) return null;
  const spaces = Object.entries(at.committed).filter(([, b]) => b >= 2 ** 20).map(([name, b]) => `${name} ${mb(b)}`).join(', ');
  return `  when matched, before its collection: RSS ${mb(at.rss)}; heap spaces committed: ${spaces}; array buffers ${mb(at.arrayBuffers)}`;
}

function print(r: ChildReport, docs: number): void {
  if (r.mode === 'store') {
    out(`store: load ${s(r.loadMs)} s, match ${s(r.matchMs)} s, write ${s(r.writeMs)} s, ${r.results.toLocaleString('en-IN')} result rows`);
    out(`  loaded documents: ${Math.round(r.loadedBytes / docs)} B per document (heap ${mb(r.loadedBytes)} over the idle process)`);
    out(`  matched: ${Math.round(r.matchedBytes / docs)} B per document (heap ${mb(r.matchedHeapBytes)} + array buffers ${mb(r.matchedExternalBytes)} over the idle process)`);
    out(`  peak RSS ${mb(r.peakRssBytes)} (${Math.round(r.peakRssBytes / docs)} B per document; the idle process ${mb(r.idleRssBytes)}), heap limit ${HEAP_MB} MB`);
    const peaks = peakSoFarLine(r);
    if (peaks) out(peaks);
    const spaces = spacesLine(r);
    if (spaces) out(spaces);
  } else {
    const warm = [...r.warmMs].sort((a, b) => a - b);
    const median = warm[Math.floor(warm.length / 2)]!;
    const w = r.warmUp;
    out(`${r.mode}: ${w ? `warm-up ${s(w.ms)} s (${w.runs} runs, ${w.documents.toLocaleString('en-IN')} documents), RSS +${mb(w.rssBytes)}, heap +${mb(w.heapBytes)} after it; ` : 'no warm-up; '}load ${s(r.loadMs)} s (${Math.round(r.loadedBytes / docs)} B per document)`);
    out(`  first match ${s(r.firstMs)} s, warm median ${s(median)} s (${warm.map(s).join(', ')}): first ÷ warm median ${(r.firstMs / median).toFixed(2)} (target ≤ 1.30); rows built: first ${s(r.firstBuildMs)} s, warm median ${s([...r.warmBuildMs].sort((a, b) => a - b)[Math.floor(r.warmBuildMs.length / 2)]!)} s`);
    out(`  garbage collection inside the match: first ${s(r.firstGcMs)} s, warm ${r.warmGcMs.map(s).join(', ')} s; peak RSS ${mb(r.peakRssBytes)}`);
  }
}

async function main(): Promise<void> {
  const childIndex = process.argv.indexOf('--child');
  if (childIndex > 0) {
    const report = await runWorkerChild(JSON.parse(process.argv[childIndex + 1]!) as ChildInput);
    out(MARK + JSON.stringify(report));
    return;
  }
  out(`machine: ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  out(`children: node ${CHILD_FLAGS.join(' ')}; ${SIZE.toLocaleString('en-IN')} documents per side`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-worker-bench-'));
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort(), persistent: false });
  const url = databaseUrlFor(pg.url, 'bench');
  const owner = createKnex({ url, poolMax: 2 });
  try {
    await ensureDatabase(pg.url, 'bench');
    await migrateLatest({ url, appRole: 'taalmel_app' });
    const stored = await store(owner, url);
    const docs = Number((await owner('imports').sum({ n: 'rows' }).whereIn('id', [stored.registerImportId, stored.gstr2bImportId]))[0]?.n ?? 0);
    for (let k = 1; k <= REPEATS; k += 1) {
      out('');
      out(`repeat ${k} (load ${os.loadavg()[0]!.toFixed(1)}):`);
      for (const mode of MODES) {
        if (SEMI_SPACES.length > 0) {
          const sizes = k % 2 === 0 ? [...SEMI_SPACES].reverse() : SEMI_SPACES;
          for (const semi of sizes) {
            out(`--max-semi-space-size=${semi} (load ${os.loadavg()[0]!.toFixed(1)}):`);
            print(child({ ...stored, mode }, __filename, flagsWithSemiSpace(semi)), docs);
            await owner('reconciliation_results').where({ firm_id: stored.firmId }).delete();
            await owner('reconciliation_suppliers').where({ firm_id: stored.firmId }).delete();
          }
          continue;
        }
        if (!BASELINE) {
          print(child({ ...stored, mode }), docs);
          continue;
        }
        const builds: Array<[string, string]> = [['baseline', BASELINE], ['current', __filename]];
        if (k % 2 === 0) builds.reverse();
        for (const [name, entry] of builds) {
          out(`${name} (load ${os.loadavg()[0]!.toFixed(1)}):`);
          print(child({ ...stored, mode }, entry), docs);
          await owner('reconciliation_results').where({ firm_id: stored.firmId }).delete();
          await owner('reconciliation_suppliers').where({ firm_id: stored.firmId }).delete();
        }
      }
      // Each store child leaves its run's results: drop them so the next one starts alike.
      await owner('reconciliation_results').where({ firm_id: stored.firmId }).delete();
      await owner('reconciliation_suppliers').where({ firm_id: stored.firmId }).delete();
    }
  } finally {
    await owner.destroy();
    await pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  });
}
