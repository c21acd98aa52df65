/**
 * `npm run bench:recon`: the reconciliation benchmark. The npm script compiles the code with the
 * production compiler settings (tsconfig.bench.json: tsconfig.build.json plus ops/bench) and runs
 * the compiled JavaScript, as production runs the worker (`node dist/ops/run-worker.js`).
 *
 * 1. Engine, per build and size (the compiled build, and the TypeScript sources under tsx as
 *    `npm start` runs them in development: RECON_BENCH_BUILDS="compiled,tsx", the default), per size (10 thousand, 1 lakh, 10 lakh documents per side; each size in its own child
 *    process so peak RSS belongs to that size alone): parse MB/s of the 2B JSON and register CSV
 *    readers, match time (the first full-size run, and the median of nine more: the warm figure,
 *    in wall-clock time and in the main thread's CPU time), rows/s, peak RSS (from
 *    ops/bench/recon-match.bench.ts); the readers' figures are their first reads in the process, as
 *    a cold parser thread's first upload. Next to them, from a second fresh process: the first read
 *    after the warm-up every parser thread of an api process runs when it starts (the product's
 *    own, api/imports/parse-worker.ts `warmUp`), i.e. what a user's first upload gets, with the
 *    warm-up's time, CPU and heap (ops/bench/reader-warm-up.ts). RECON_BENCH_CPUS="0" runs the engine children on that CPU
 *    list only (`taskset -c`), so V8's helper threads (concurrent marking and sweeping, parallel
 *    scavenges, optimising compiles) share the engine's one core instead of using the others;
 *    with one CPU the children run V8 single-threaded (CHILD_FLAGS).
 * 2. Warm runs keep the compiled engine (warm-trace.ts): the compiled engine, traced by V8 over
 *    six runs of 20,000 documents per side, loses no compiled code and compiles no closure after
 *    the warm-up; the benchmark fails when it does (RECON_BENCH_WARM_CHECK=0 skips it).
 * 3. End to end, 1 lakh per side, on an embedded PostgreSQL: from the first upload request to the
 *    first page of results answered by the API. It covers the real HTTP API (create import, signed
 *    PUT of each file: SHA-256 while it is spooled, sniffing and parsing on a parser thread
 *    (api/imports/parse-pool.ts) which also makes the rows' COPY text, the rows COPYed through a
 *    staging table (db/copy-rows.ts), import row update and audit), the run row, then the two reconciliation activities as the worker runs them
 *    (load rows in pages by COPY, match, delete-then-insert results and supplier lines, summary,
 *    audit, in one transaction) under Temporal's MockActivityEnvironment, the engine warmed up
 *    before the uploads as a worker does at its start (RECON_BENCH_E2E_WARM=0 leaves that out),
 *    then GET …/results. It does NOT
 *    include a Temporal server round trip (scheduling the workflow and its two activity tasks:
 *    tens of milliseconds on a local server).
 *    Next to it, the floor: the readers' parse time plus the time PostgreSQL alone takes to COPY
 *    the same rows (both imports' rows and the result rows, as stored) into tables of the same
 *    shape (same columns and indexes), from a server-side file.
 *    Then the stages, in seconds from the first upload request: each upload received + parsed
 *    (its `uploaded_at`) and stored (its answer), the run's phases (its heartbeats), the first page;
 *    and how long the process's event loop (the api's) was busy during the uploads. Last, the CPU
 *    that PostgreSQL's processes and this process used in each part (the uploads, the run up to
 *    its match, the result rows' write and commit, the floor's two COPYs) next to its wall clock:
 *    on a shared machine the wall clock follows the load, the CPU far less, and a part whose
 *    CPU is well under its wall clock was waiting (on the other side, or for a core). The
 *    uploads' CPU is also split by thread: the main thread, the parser threads, V8's platform
 *    threads (its garbage collection's helpers) and libuv's pool (file reads and writes).
 *
 * Sizes: RECON_BENCH_SIZES="10000,100000,1000000" (default); RECON_BENCH_E2E=100000 (0 skips it);
 * RECON_BENCH_E2E_WARM=0: no engine warm-up before the end-to-end run;
 * RECON_BENCH_CPUS: see 1.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createReconciliationActivities } from '../../activities/reconciliation';
import { createApp, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_UPLOAD_TIMEOUT_MS } from '../../api/app';
import { startParsers } from '../../api/imports/parse-pool';
import { createSecurity } from '../../api/security';
import { createTemporalClient } from '../../api/temporal-client';
import { gstinCheckCharacter } from '../../domain/gstin';
import { readGstr2b } from '../../domain/recon/gstr2b-reader';
import { readRegisterCsv } from '../../domain/recon/register-reader';
import { createKnex, databaseUrlFor } from '../../db/knex';
import { migrateLatest } from '../../db/migrator';
import { hashPassword } from '../../db/security/passwords';
import { ensureDatabase, startEmbeddedPostgres } from '../embedded-postgres';
import { generateKeys, generatePayloadKeys } from '../keys';
import { createLogger } from '../logger';
import { freePort } from '../ports';
import { createApiServer, DEFAULT_KEEP_ALIVE_TIMEOUT_MS } from '../http-server';
import { ownCpu, postgresCpu, threadCpu, threadShares, type ThreadKinds } from './thread-cpu';
import { benchMatch, type BenchRow, registerParts, retained } from './recon-match.bench';
import { readsOnParserThread, warmReadsLine, type WarmReads } from './reader-warm-up';
import { generateReconData, toGstr2bJson, toRegisterCsv } from './recon-data';
import { traceWarmRuns } from './warm-trace';
import { warmUpEngine } from '../../domain/recon/warm-up';
import { EncryptionCodec } from '../../db/security/payload-codec';

function benchCodec(): EncryptionCodec {
  const keys = generatePayloadKeys();
  return EncryptionCodec.fromSpec(keys.payloadKeys, keys.payloadKeyCurrent);
}

const MARK = 'BENCH_ROW ';

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function* chunks(buf: Buffer): Generator<Buffer> {
  for (let i = 0; i < buf.length; i += 64 * 1024) yield buf.subarray(i, i + 64 * 1024);
}

/**
 * V8 flags of the engine children. `--max-semi-space-size=64` matches the worker's (package.json
 * `worker`/`start`, docker-compose): the matcher allocates many short-lived objects, and a larger
 * young generation lets more of them die there instead of being promoted to the old generation.
 * `--expose-gc` lets the child collect the generator's objects and the files before it times the
 * match, so the match runs on a heap holding what the worker's would: the parsed documents.
 */
const ENGINE_FLAGS = ['--max-old-space-size=16384', '--max-semi-space-size=64', '--expose-gc'];

/** CPU list the engine children are pinned to (RECON_BENCH_CPUS, e.g. "0"), or null: not pinned. */
const ENGINE_CPUS = process.env.RECON_BENCH_CPUS?.trim() || null;

/**
 * Pinned to one CPU, the children also run V8 `--single-threaded`: its garbage collection and
 * optimising compiles then run on the main thread between the engine's own steps. Left on their
 * helper threads, they share the one core with the engine anyway, and cost more there (parallel
 * scavenges wait on each other, the main thread waits on them): measured at 1 lakh, ~0.8 s pinned
 * with helper threads against ~0.6 s single-threaded.
 */
const ONE_CPU = ENGINE_CPUS !== null && /^\d+$/.test(ENGINE_CPUS);
const CHILD_FLAGS = ONE_CPU ? [...ENGINE_FLAGS, '--single-threaded'] : ENGINE_FLAGS;

/** The repository's root, from this file's place in the compiled build (dist/ops/bench) or in the sources (ops/bench). */
const ROOT = path.resolve(__dirname, __filename.endsWith('.js') ? '../../..' : '../..');

type Build = 'compiled' | 'tsx';

/** How a child runs each build: the compiled JavaScript as is, the sources through tsx's loader. */
const BUILDS: Readonly<Record<Build, { dir: string; ext: string; loader: readonly string[] }>> = {
  compiled: { dir: path.join(ROOT, 'dist', 'ops', 'bench'), ext: '.js', loader: [] },
  tsx: { dir: path.join(ROOT, 'ops', 'bench'), ext: '.ts', loader: ['--import', 'tsx'] },
};

function entryOf(build: Build, name: string): string {
  const file = path.join(BUILDS[build].dir, name + BUILDS[build].ext);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run bench:recon\` (it compiles the build first)`);
  return file;
}

/** One size of the engine benchmark in a fresh process (its peak RSS is its own). */
function engineRow(size: number, build: Build): BenchRow {
  return child<BenchRow>(size, build, '--engine');
}

/** The readers' first reads after the parser threads' warm-up, in a fresh process of its own (reader-warm-up.ts). */
function warmReadsRow(size: number, build: Build): WarmReads {
  return child<WarmReads>(size, build, '--warm-reads');
}

/**
 * The warm reads' child runs as the api does, without V8's heap flags: a process-wide
 * `--max-semi-space-size` would override the young generation its parser-like thread is given.
 */
const API_CHILD_FLAGS = CHILD_FLAGS.filter((f) => !f.startsWith('--max-semi-space-size') && !f.startsWith('--max-old-space-size'));

function child<T>(size: number, build: Build, mode: '--engine' | '--warm-reads'): T {
  const flags = mode === '--warm-reads' ? API_CHILD_FLAGS : CHILD_FLAGS;
  const node = [process.execPath, ...flags, ...BUILDS[build].loader, entryOf(build, 'recon-e2e.bench'), mode, String(size)];
  const [command, ...args] = ENGINE_CPUS === null ? node : ['taskset', '-c', ENGINE_CPUS, ...node];
  const child = spawnSync(command!, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (child.error) throw new Error(`engine bench for ${size} could not start ${command}: ${child.error.message}`);
  const line = child.stdout.split('\n').find((l) => l.startsWith(MARK));
  if (child.status !== 0 || !line) throw new Error(`engine bench for ${size} failed (${child.status}): ${child.stderr.slice(-2000)}`);
  return JSON.parse(line.slice(MARK.length)) as T;
}

async function request(url: string, init: { method: string; token?: string; body?: unknown; raw?: Buffer; contentType?: string }) {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: string | Uint8Array | undefined;
  if (init.raw) {
    body = new Uint8Array(init.raw);
    headers['content-type'] = init.contentType ?? 'application/octet-stream';
  } else if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(url, { method: init.method, headers, body });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status >= 300) throw new Error(`${init.method} ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Stages of the end-to-end run, in seconds from the first upload request (see `stagesOf`). */
type Stages = Array<[string, number]>;

/** The threads there once the modules are loaded: V8's platform threads (see `ThreadKinds`). */
const BOOT_THREADS = new Set(threadCpu().keys());

const newThreads = (before: Set<string>): Set<string> => new Set([...threadCpu().keys()].filter((tid) => !before.has(tid)));

/** Starts libuv's pool (a file system call) and tells its threads from those the process started with. */
async function libuvThreads(): Promise<Set<string>> {
  const before = new Set(threadCpu().keys());
  await fs.promises.stat(ROOT);
  return newThreads(before);
}

/** CPU used by PostgreSQL and by this process over a stage, next to its wall clock. */
type CpuSpan = { name: string; wall: number; postgres: number | null; own: number };

type EndToEnd = { uploadThreads: string; cpu: CpuSpan[]; warmUpMs: number | null; size: number; e2eSec: number; uploadSec: number; uploadLoopSec: number; runSec: number; parseSec: number; copySec: number; copiedRows: number; results: number; stages: Stages; copyRowsSec: number };

async function endToEnd(size: number): Promise<EndToEnd> {
  const libuv = await libuvThreads();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-bench-'));
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort(), persistent: false });
  const logger = createLogger({ level: 'warn', pretty: false });
  const url = databaseUrlFor(pg.url, 'bench');
  await ensureDatabase(pg.url, 'bench');
  await migrateLatest({ url, appRole: 'taalmel_app' });
  const owner = createKnex({ url, poolMax: 2 });
  const appDb = createKnex({ url, appRole: 'taalmel_app', poolMax: 4 });
  const temporal = createTemporalClient({ address: '127.0.0.1:1', namespace: 'default', taskQueue: 'unused', codec: benchCodec() }); // lazy: never dialled
  let server: http.Server | null = null;
  try {
    // A firm, a client and a staff user, written as the owner (as onboarding would).
    const firmId = randomUUID();
    const stem = `27ABCDE${String(randomBytes(2).readUInt16BE(0) % 10000).padStart(4, '0')}F1Z`;
    const gstin = stem + gstinCheckCharacter(stem);
    const password = 'bench password that is long enough 1';
    const clientId = await owner.transaction(async (trx) => {
      await trx.raw(`select set_config('app.firm_id', ?, true)`, [firmId]);
      await trx('firms').insert({ id: firmId, name: 'Bench firm', slug: `bench-${firmId.slice(0, 8)}` });
      const [client] = await trx('clients').insert({ firm_id: firmId, name: 'Bench client', gstin, email: 'c@bench.example', filing_frequency: 'monthly', state_code: '27' }).returning('id');
      await trx('users').insert({ firm_id: firmId, email: 'staff@bench.example', name: 'Staff', role: 'staff', password_hash: await hashPassword(password) });
      return (client as { id: string }).id;
    });
    const settings = { ...generateKeys(), idleMinutes: 30, absoluteHours: 12, tokenMinutes: 15, reauthWindowMinutes: 10, maxSessionsPerUser: 5, cookieSecure: false, throttle: { maxFailuresPerAccount: 5, maxFailuresPerIp: 50, windowSeconds: 900 } };
    const app = createApp({ logger, knex: appDb, temporal, security: createSecurity(settings, appDb, logger), exposeInternalErrors: true, imports: { maxJsonBytes: 1 << 30, maxTabularBytes: 1 << 30 } });
    // The api service's server (its keep-alive and request timeouts), not Node's defaults.
    server = createApiServer(app.callback(), { requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS, uploadTimeoutMs: DEFAULT_UPLOAD_TIMEOUT_MS, keepAliveTimeoutMs: DEFAULT_KEEP_ALIVE_TIMEOUT_MS });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
    const parsersBefore = new Set(threadCpu().keys());
    await startParsers(app.parserHeapMb); // as an api process does at boot (ops/services.ts), long before an upload
    // As a worker does before it polls (ops/worker.ts): its first run finds the engine compiled.
    // RECON_BENCH_E2E_WARM=0 leaves it out (the run's match then compiles the engine, as no
    // production worker's does).
    const warmUp = process.env.RECON_BENCH_E2E_WARM === '0' ? null : await warmUpEngine();
    const threadKinds: ThreadKinds = { platform: new Set([...BOOT_THREADS].filter((tid) => tid !== String(process.pid))), libuv, parsers: newThreads(parsersBefore) };
    const address = server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    // The files first: making them blocks this process (the api's too) for seconds, and the
    // sign-in's keep-alive connection, pooled by fetch, would sit idle through it; the first upload
    // request then reuses it (docs/security-limits.md, "Idle connections").
    const data = generateReconData({ n: size, seed: 7, period: '2024-06', recipientGstin: gstin });
    const json = Buffer.from(toGstr2bJson(data));
    const csv = Buffer.from(toRegisterCsv(data));
    const token = (await request(`${base}/api/auth/login`, { method: 'POST', body: { email: 'staff@bench.example', password } })).token as string;

    // ---- end to end -------------------------------------------------------------------------
    const cpu: CpuSpan[] = [];
    let mark = { at: 0, postgres: postgresCpu(pg.pid), own: ownCpu() };
    const span = (name: string) => {
      const now = { at: seconds(t0), postgres: postgresCpu(pg.pid), own: ownCpu() };
      cpu.push({ name, wall: now.at - mark.at, postgres: now.postgres === null || mark.postgres === null ? null : now.postgres - mark.postgres, own: now.own - mark.own });
      mark = now;
    };
    const threads0 = threadCpu();
    const t0 = process.hrtime.bigint();
    const wall0 = Date.now();
    const loop0 = performance.eventLoopUtilization();
    const since = () => seconds(t0);
    const stages: Stages = [];
    const responded = new Map<string, number>();
    const upload = async (kind: string, file: Buffer, type: string) => {
      const created = await request(`${base}/api/clients/${clientId}/imports`, { method: 'POST', token, body: { kind, period: '2024-06', filename: `bench.${type}`, contentType: type, size: file.length } });
      await request(created.uploadUrl as string, { method: 'PUT', raw: file, contentType: type });
      responded.set(kind, since());
      return created.importId as string;
    };
    const [twoBId, registerId] = await Promise.all([upload('gstr2b', json, 'application/json'), upload('purchase_register', csv, 'text/csv')]);
    const uploadSec = seconds(t0);
    span('uploads');
    const uploadThreads = threadShares(threads0, threadCpu(), threadKinds);
    // How long this process's event loop (the api's, and this bench's small client) was busy
    // while the uploads ran: the parse on it before the parser threads, only their COPY since.
    const uploadLoopSec = performance.eventLoopUtilization(loop0).active / 1000;
    // The upload sets `uploaded_at` (this process's clock) when its store transaction starts, after
    // spooling and parsing: before it is receiving + parsing, after it is the rows' insert + commit.
    for (const imp of (await owner('imports').select('kind', 'uploaded_at').whereIn('id', [twoBId, registerId])) as Array<{ kind: string; uploaded_at: Date }>) {
      const parsed = (imp.uploaded_at.getTime() - wall0) / 1000;
      const answered = responded.get(imp.kind) ?? parsed;
      stages.push([`${imp.kind}: received + parsed`, parsed]);
      stages.push([`${imp.kind}: stored (rows inserted + committed in ${(answered - parsed).toFixed(2)} s, the other upload alongside)`, answered]);
    }
    const t1 = process.hrtime.bigint();
    const [run] = await owner('reconciliation_runs')
      .insert({ firm_id: firmId, client_id: clientId, period: '2024-06', register_import_id: registerId, gstr2b_import_id: twoBId, options: JSON.stringify({ amountTolerance: 100, dateWindowDays: 10 }), workflow_id: `bench-${randomUUID()}` })
      .returning('id');
    const runId = (run as { id: string }).id;
    const activities = createReconciliationActivities({ knex: appDb, logger });
    const env = new MockActivityEnvironment();
    // The activity's heartbeats name its phase: the last of each phase is when that phase ended.
    const phaseEnds = new Map<string, number>();
    env.on('heartbeat', (details: unknown) => {
      const phase = (details as { phase?: string } | undefined)?.phase;
      if (phase) phaseEnds.set(phase, since());
      if (phase === 'matched') span('run: prepared, loaded, matched');
    });
    await env.run(activities.reconciliationPrepare, { firmId, runId });
    stages.push(['run: prepared', since()]);
    const stored = (await env.run(activities.reconciliationMatchAndStore, { firmId, runId })) as { results: number };
    for (const [phase, at] of phaseEnds) stages.push([`run: ${phase} done`, at]);
    stages.push(['run: suppliers, summary, audit, commit', since()]);
    span('run: result rows written, the rest committed');
    const firstPage = await request(`${base}/api/reconciliations/${runId}/results?limit=50`, { method: 'GET', token });
    if (!Array.isArray(firstPage.items) || firstPage.items.length === 0) throw new Error('no results served');
    stages.push(['first page of results served', since()]);
    span('first page');
    const runSec = seconds(t1);
    const e2eSec = seconds(t0);

    // ---- the floor: parse + COPY of the same rows --------------------------------------------
    const t2 = process.hrtime.bigint();
    const twoB = await readGstr2b(chunks(json), { gstin, period: '2024-06' });
    const register = await readRegisterCsv(chunks(csv), { source: 'bench.csv' });
    const parseSec = seconds(t2);
    if (!twoB.ok || !register.ok) throw new Error('floor parse failed');
    const copyDir = fs.mkdtempSync('/tmp/taalmel-copy-');
    fs.chmodSync(copyDir, 0o777); // the server process (maybe the postgres user) writes here
    const rowsFile = path.join(copyDir, 'import_rows.copy');
    const resultsFile = path.join(copyDir, 'results.copy');
    // COPY takes no bind parameters; these are uuids the database just generated.
    for (const id of [twoBId, registerId, runId]) if (!/^[0-9a-f-]{36}$/.test(id)) throw new Error('unexpected id');
    await owner.raw(`copy (select * from import_rows where import_id in ('${twoBId}', '${registerId}')) to '${rowsFile}'`);
    await owner.raw(`copy (select * from reconciliation_results where run_id = '${runId}') to '${resultsFile}'`);
    await owner.raw('create table bench_import_rows (like import_rows including all)');
    await owner.raw('create table bench_results (like reconciliation_results including all)');
    span('(the floor\'s parse, its files exported)');
    const t3 = process.hrtime.bigint();
    const a = await owner.raw(`copy bench_import_rows from '${rowsFile}'`);
    const copyRowsSec = seconds(t3);
    span('the floor\'s COPY of the imported rows');
    const b = await owner.raw(`copy bench_results from '${resultsFile}'`);
    const copySec = seconds(t3);
    span('the floor\'s COPY of the result rows');
    fs.rmSync(copyDir, { recursive: true, force: true });
    return { uploadThreads, cpu, warmUpMs: warmUp?.ms ?? null, size, e2eSec, uploadSec, uploadLoopSec, runSec, parseSec, copySec, copiedRows: (a as { rowCount: number }).rowCount + (b as { rowCount: number }).rowCount, results: stored.results, stages, copyRowsSec };
  } finally {
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    await temporal.close().catch(() => undefined);
    await appDb.destroy();
    await owner.destroy();
    await pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const engineIndex = process.argv.indexOf('--engine');
  if (engineIndex > 0) {
    const [row] = await benchMatch([Number(process.argv[engineIndex + 1])]);
    out(MARK + JSON.stringify(row));
    return;
  }
  const warmIndex = process.argv.indexOf('--warm-reads');
  if (warmIndex > 0) {
    out(MARK + JSON.stringify(await readsOnParserThread(Number(process.argv[warmIndex + 1]))));
    return;
  }
  const sizes = (process.env.RECON_BENCH_SIZES ?? '10000,100000,1000000').split(',').map(Number).filter((n) => n > 0);
  const e2eSize = Number(process.env.RECON_BENCH_E2E ?? 100_000);
  const builds = (process.env.RECON_BENCH_BUILDS ?? 'compiled,tsx').split(',').map((b) => b.trim()).filter((b): b is Build => b === 'compiled' || b === 'tsx');
  out(`machine: ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  out(`engine children: node ${CHILD_FLAGS.join(' ')}${ENGINE_CPUS === null ? ' (not pinned)' : `, pinned to CPU ${ENGINE_CPUS} (taskset -c)`}; the warm reads' children: node ${API_CHILD_FLAGS.join(' ')}, reading on a thread with a parser thread's limits`);
  out('');
  out('| build | documents per side | 2B JSON reader MB/s (JSON.parse floor; ratio) | 2A JSON reader MB/s (JSON.parse floor; ratio) | register CSV reader MB/s (split floor; ratio) | register CSV reader, first read after the parser threads’ warm-up: a user’s first upload (split floor; ratio) | match, first run (s) | match, warm median (s) | match, main-thread CPU, warm median (s) | rows/s (both sides, warm) | result rows built after the match (s) | peak RSS (MB) |');
  out('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  // Sizes outside, builds inside: the two builds of one size run back to back (the machine's
  // speed drifts between hours, so the pair is what compares).
  const details: string[] = [];
  for (const size of sizes) for (const build of builds) {
    const r = engineRow(size, build);
    const w = warmReadsRow(size, build);
    details.push(`${build}, ${size.toLocaleString('en-IN')}: ${registerParts(r)}; ${retained(r)}`);
    details.push(`${build}, ${size.toLocaleString('en-IN')}: ${warmReadsLine(w)}`);
    out(`| ${build} | ${size.toLocaleString('en-IN')} | ${vsFloor(r.jsonReaderMBs, r.jsonBaselineMBs)} | ${vsFloor(r.json2aReaderMBs, r.json2aBaselineMBs)} | ${vsFloor(r.csvReaderMBs, r.csvBaselineMBs)} | ${vsFloor(w.csv.readerMBs, w.csv.floorMBs)} | ${(r.matchFirstMs / 1000).toFixed(2)} | ${(r.matchMs / 1000).toFixed(2)} (${r.matchWarmMs.map((m) => (m / 1000).toFixed(2)).join(', ')}) | ${r.matchCpuMs === null ? 'n/a' : (r.matchCpuMs / 1000).toFixed(2)} | ${Math.round(r.matchRowsPerSec).toLocaleString('en-IN')} | ${(r.rowsBuildMs / 1000).toFixed(2)} | ${Math.round(r.peakRssMb)} |`);
  }
  out('');
  for (const d of details) out(d);
  if (process.env.RECON_BENCH_WARM_CHECK !== '0') {
    const f = traceWarmRuns(entryOf('compiled', 'warm-runs.child'), BUILDS.compiled.loader, 20_000, ROOT);
    out('');
    out(`warm runs keep the compiled engine: ${f.lost.length} de-optimisations of lost code, ${f.closures.length} closures compiled after the warm-up`);
    for (const line of [...f.lost, ...f.closures].slice(0, 20)) out(`  ${line}`);
    if (!f.traced) out('  (the warm-up printed no de-optimisations or compiles: is the trace on?)');
    if (!f.traced || f.lost.length > 0 || f.closures.length > 0) process.exitCode = 1;
  }
  if (e2eSize > 0) {
    const e = await endToEnd(e2eSize);
    const floor = e.parseSec + e.copySec;
    out('');
    out(`end to end, ${e.size.toLocaleString('en-IN')} documents per side (${e.results.toLocaleString('en-IN')} result rows):`);
    out(`  upload → results queryable: ${e.e2eSec.toFixed(1)} s (uploads ${e.uploadSec.toFixed(1)} s, run + first page ${e.runSec.toFixed(1)} s)`);
    out(`  floor: parse ${e.parseSec.toFixed(1)} s + PostgreSQL COPY of the same ${e.copiedRows.toLocaleString('en-IN')} rows ${e.copySec.toFixed(1)} s (imported rows ${e.copyRowsSec.toFixed(1)} s, result rows ${(e.copySec - e.copyRowsSec).toFixed(1)} s) = ${floor.toFixed(1)} s`);
    out(`  ratio: ${(e.e2eSec / floor).toFixed(2)}× the parse + COPY floor (target ≤ 1.25×); ${(e.e2eSec / e.copySec).toFixed(2)}× COPY alone`);
    out(`  the engine ${e.warmUpMs === null ? 'not warmed up (RECON_BENCH_E2E_WARM=0)' : `warmed up before the uploads, as a worker does at its start (${(e.warmUpMs / 1000).toFixed(1)} s)`}`);
    out(`  the api's event loop was busy ${e.uploadLoopSec.toFixed(1)} s of the uploads' ${e.uploadSec.toFixed(1)} s`);
    const at = (name: string) => e.stages.find(([n]) => n === name)?.[1];
    const matched = at('run: matched done');
    const stored = at('run: store done');
    if (matched !== undefined && stored !== undefined) out(`  result rows written in ${(stored - matched).toFixed(1)} s (until the last was handed to its COPY): ${((stored - matched) / (e.copySec - e.copyRowsSec)).toFixed(2)}× the floor's COPY of the same rows`);
    out('  stages (s from the first upload request; the two uploads run side by side):');
    for (const line of stageLines(e.stages)) out(`    ${line}`);
    out('  CPU used in each part (s): PostgreSQL\'s processes, this process (the api, its parser threads, the activity), against the wall clock');
    for (const c of e.cpu) out(`    ${c.name}: wall ${c.wall.toFixed(2)}, PostgreSQL ${c.postgres === null ? 'n/a' : c.postgres.toFixed(2)}, this process ${c.own.toFixed(2)}`);
    out(`  this process's CPU in the uploads, by thread: ${e.uploadThreads}`);
  }
}

/** The stages in time order, each with when it ended and how long it took after the one before. */
function stageLines(stages: Stages): string[] {
  const sorted = [...stages].sort((x, y) => x[1] - y[1]);
  return sorted.map(([name, at], i) => `${at.toFixed(2).padStart(6)}  (+${(at - (i === 0 ? 0 : sorted[i - 1]![1])).toFixed(2)})  ${name}`);
}

/** A reader's MB/s, its floor's and the ratio, as one table cell. */
function vsFloor(reader: number, floor: number): string {
  return `${reader.toFixed(1)} (${floor.toFixed(1)}; ${(reader / floor).toFixed(2)})`;
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}${e instanceof Error && e.cause !== undefined ? ` (cause: ${String(e.cause)})` : ''}\n`);
  process.exitCode = 1;
});
