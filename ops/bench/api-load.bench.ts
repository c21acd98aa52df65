/**
 * `npm run bench:api`: the api under load, on a real stack made for the run (an embedded
 * PostgreSQL, the Temporal dev server, a real worker polling the task queue, and the api service in
 * its own process: ops/bench/api-load.server.ts). Four measurements, printed as a report:
 * 1. An authenticated, RLS-scoped list read (`GET /api/clients`, ten concurrent requests of one
 *    session) next to two floors in the same process, on the same pool: a bare Koa route, and a Koa
 *    route running the same query in one firm-scoped transaction without our middleware. The
 *    figure is the ratio to that database floor.
 * 2. 10,000 requests of two firms interleaved over a small pool (3 connections), every answer's
 *    rows checked against the asking firm's clients: the count of foreign rows must be zero.
 * 3. Four users uploading a 1-lakh purchase register at once: the time and the api's peak RSS.
 * 4. A sustained mix of reads for API_BENCH_MIX_SECONDS (default 20; set 300 for five minutes):
 *    the count of 5xx answers must be zero.
 * API_BENCH_SECONDS (default 10) is each run of part 1; API_BENCH_UPLOAD_ROWS (default 100000);
 * API_BENCH_PARTS (default `1,2,3,4`) runs some of them. Part 1 is run twice: with the per-firm
 * connection limit as configured (half the pool), and with it lifted to the whole pool, which shows
 * how much of the gap to the floor that limit makes for one firm's ten concurrent requests.
 * `2+3` in API_BENCH_PARTS runs part 2 with part 3's four uploads sent to the same api at its start:
 * the files parse on the parser threads while the event loop serves the interleaved reads, and the
 * rows are stored on the same small pool, so isolation is checked while both contend for it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { createKnex, databaseUrlFor } from '../../db/knex';
import { migrateLatest, setAppRolePassword } from '../../db/migrator';
import { hashPassword } from '../../db/security/passwords';
import { EncryptionCodec } from '../../db/security/payload-codec';
import { gstinCheckCharacter } from '../../domain/gstin';
import { ensureDatabase, startEmbeddedPostgres } from '../embedded-postgres';
import { generateKeys, generatePayloadKeys } from '../keys';
import { createLogger } from '../logger';
import { freePort } from '../ports';
import { resolveTemporalCli } from '../temporal-cli';
import { startTemporalDevServer } from '../temporal-dev-server';
import { installTemporalRuntime } from '../temporal-runtime';
import { startWorker } from '../worker';
import { generateReconData, toRegisterCsv } from './recon-data';

const out = (line: string) => process.stdout.write(`${line}\n`);
const SECONDS = Number(process.env.API_BENCH_SECONDS ?? 10);
const MIX_SECONDS = Number(process.env.API_BENCH_MIX_SECONDS ?? 20);
const UPLOAD_ROWS = Number(process.env.API_BENCH_UPLOAD_ROWS ?? 100_000);
const PARTS = new Set((process.env.API_BENCH_PARTS ?? '1,2,3,4').split(',').map((p) => p.trim()));
const TOGETHER = PARTS.has('2+3');
const CLIENTS_PER_FIRM = 120;
const PASSWORD = 'bench password that is long enough 1';
const ROOT = path.resolve(__dirname, '..', '..');

type Firm = { id: string; clients: Array<{ id: string; gstin: string }>; users: string[] };

function gstin(state: string, n: number): string {
  const stem = `${state}ABCDE${String(n).padStart(4, '0')}F1Z`;
  return stem + gstinCheckCharacter(stem);
}

async function seedFirm(owner: ReturnType<typeof createKnex>, name: string, offset: number): Promise<Firm> {
  const id = randomUUID();
  const hash = await hashPassword(PASSWORD);
  return owner.transaction(async (trx) => {
    await trx.raw(`select set_config('app.firm_id', ?, true)`, [id]);
    await trx('firms').insert({ id, name, slug: `bench-${randomBytes(4).toString('hex')}` });
    const rows = Array.from({ length: CLIENTS_PER_FIRM }, (_, i) => ({ firm_id: id, name: `${name} client ${String(i).padStart(3, '0')}`, gstin: gstin('27', offset + i), email: `c${i}@bench.example`, filing_frequency: 'monthly', state_code: '27' }));
    const clients = (await trx('clients').insert(rows).returning(['id', 'gstin'])) as Array<{ id: string; gstin: string }>;
    const users = [`staff@${id.slice(0, 8)}.bench`, `manager@${id.slice(0, 8)}.bench`];
    await trx('users').insert(users.map((email, i) => ({ firm_id: id, email, name: email, role: i === 0 ? 'staff' : 'manager', password_hash: hash })));
    return { id, clients, users };
  });
}

/** The api process: started with the stack's addresses, answers READY with its two URLs. */
async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; api: string; floor: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--max-semi-space-size=64', '--import', 'tsx', 'ops/bench/api-load.server.ts'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  // The api logs warnings and errors only: shown as they come, so a failure explains itself.
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  child.stdout?.on('data', (c: Buffer) => { if (output.includes('READY')) process.stderr.write(`[api] ${c.toString()}`); });
  const ready = await new Promise<string[]>((resolve, reject) => {
    child.stdout?.on('data', (c: Buffer) => {
      output += c.toString();
      const line = /READY (\S+) (\S+)/.exec(output);
      if (line) resolve([line[1]!, line[2]!]);
    });
    child.once('exit', (code) => reject(new Error(`the api process exited (${code}):\n${output}`)));
  });
  let stopping = false;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.once('exit', (code, signal) => { if (!stopping) process.stderr.write(`the api process ended by itself (${code ?? signal}):\n${output.slice(-4000)}\n`); });
  return { child, api: ready[0]!, floor: ready[1]!, stop: async () => { stopping = true; child.kill('SIGTERM'); await exited; } };
}

/** Peak and current resident memory of a process (Linux /proc), in MB. */
function memoryOf(pid: number): { peakMb: number; rssMb: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { peakMb: Math.round(kb('VmHWM') / 1024), rssMb: Math.round(kb('VmRSS') / 1024) };
}

async function login(api: string, email: string): Promise<string> {
  const res = await fetch(`${api}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) });
  const body = (await res.json()) as { token?: string };
  if (!body.token) throw new Error(`login of ${email}: ${res.status} ${JSON.stringify(body)}`);
  return body.token;
}

type Load = { rps: number; p50: number; p99: number; requests: number; non2xx: number; errors: number; fivexx: number };

async function load(options: autocannon.Options): Promise<Load> {
  const r = await autocannon({ connections: 10, ...options });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total, non2xx: r.non2xx, errors: r.errors + r.timeouts, fivexx: r['5xx'] };
}

/** Part 1: the list read next to its two floors, each warmed up first. */
async function listAgainstFloors(api: string, floor: string, firm: Firm, token: string) {
  const targets: Array<[string, autocannon.Options]> = [
    ['bare Koa route', { url: `${floor}/bare` }],
    ['database floor (same query, one transaction, same pool)', { url: `${floor}/floor?firm=${firm.id}` }],
    ['GET /api/clients (one session, RLS)', { url: `${api}/api/clients`, headers: { authorization: `Bearer ${token}` } }],
  ];
  const results: Array<[string, Load]> = [];
  for (const [name, options] of targets) {
    await load({ ...options, duration: 2 });
    results.push([name, await load({ ...options, duration: SECONDS })]);
  }
  return results;
}

/** Part 2: two firms' requests interleaved; every row of every answer must be the asking firm's. */
async function interleaved(api: string, firms: Firm[], tokens: string[], progress = { done: 0 }, total = 10_000, concurrency = 10) {
  const own = firms.map((f) => new Set(f.clients.map((c) => c.id)));
  let next = 0;
  let foreign = 0;
  let failed = 0;
  const statuses = new Map<number, number>();
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const f = i % 2;
        const cursorless = i % 3 === 0 ? '?limit=100' : '';
        const res = await fetch(`${api}/api/clients${cursorless}`, { headers: { authorization: `Bearer ${tokens[f]}` } });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        progress.done += 1;
        const body = (await res.json()) as { items?: Array<{ id: string }> };
        if (res.status !== 200 || !body.items) {
          failed += 1;
          continue;
        }
        foreign += body.items.filter((c) => !own[f]!.has(c.id)).length;
      }
    }),
  );
  const fivexx = [...statuses].reduce((n, [status, count]) => n + (status >= 500 ? count : 0), 0);
  return { total, seconds: (Date.now() - started) / 1000, foreign, failed, fivexx, statuses: Object.fromEntries(statuses) };
}

/** Part 3: four users upload a register each, at once. */
function uploaders(firms: Firm[]) {
  return firms.flatMap((f) => f.users.map((email, i) => ({ email, firm: f, client: f.clients[i]! })));
}

/**
 * The registers, made before any server runs: generating them blocks this process for seconds, and
 * a keep-alive socket the api closed meanwhile would fail the next request.
 */
function registers(firms: Firm[]): Buffer[] {
  return uploaders(firms).map((u) => Buffer.from(toRegisterCsv(generateReconData({ n: UPLOAD_ROWS, seed: 7, period: '2024-06', recipientGstin: u.client.gstin }))));
}

async function uploads(api: string, firms: Firm[], files: Buffer[], pid: number) {
  const users = uploaders(firms);
  const tokens = await Promise.all(users.map((u) => login(api, u.email)));
  const before = memoryOf(pid);
  const started = Date.now();
  const outcomes = await Promise.all(
    users.map(async (u, i) => {
      const file = files[i]!;
      const t0 = Date.now();
      const created = await fetch(`${api}/api/clients/${u.client.id}/imports`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens[i]!}`, 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'purchase_register', period: '2024-06', filename: 'register.csv', contentType: 'text/csv', size: file.length }),
      });
      const { uploadUrl } = (await created.json()) as { uploadUrl: string };
      const put = await fetch(uploadUrl, { method: 'PUT', headers: { 'content-type': 'text/csv' }, body: new Uint8Array(file) }).catch((error: Error & { cause?: unknown }) => {
        throw new Error(`upload of ${u.email} after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${error.message} (${String(error.cause)})`);
      });
      const body = (await put.json()) as { rows?: number; status?: string };
      return { status: put.status, rows: body.rows, seconds: (Date.now() - t0) / 1000 };
    }),
  );
  return { mb: files[0]!.length / 2 ** 20, seconds: (Date.now() - started) / 1000, outcomes, before, after: memoryOf(pid) };
}

function printUploads(u: Awaited<ReturnType<typeof uploads>>): void {
  out(`   file ${u.mb.toFixed(1)} MB each; all done in ${u.seconds.toFixed(1)} s; each: ${u.outcomes.map((o) => `${o.status} ${o.rows ?? '?'} rows ${o.seconds.toFixed(1)} s`).join('; ')}`);
  out(`   api process RSS before ${u.before.rssMb} MB (peak so far ${u.before.peakMb} MB); peak RSS after the uploads ${u.after.peakMb} MB`);
}

/** Part 4: a sustained mix of the reads a firm's day is made of, from both firms. */
async function mix(api: string, firms: Firm[], tokens: string[]) {
  const requests = firms.flatMap((f, i) => {
    const headers = { authorization: `Bearer ${tokens[i]!}` };
    return [
      { method: 'GET' as const, path: '/api/clients', headers },
      { method: 'GET' as const, path: `/api/clients/${f.clients[5]!.id}`, headers },
      { method: 'GET' as const, path: '/api/clients?limit=10', headers },
      { method: 'GET' as const, path: '/api/notifications', headers },
      { method: 'GET' as const, path: '/readyz' },
    ];
  });
  return load({ url: api, requests, duration: MIX_SECONDS });
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-api-bench-'));
  fs.chmodSync(dir, 0o755);
  const logger = createLogger({ level: 'warn', pretty: false });
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort(), persistent: false });
  const cli = await resolveTemporalCli({ say: (m) => out(m) });
  if (!cli) throw new Error('the Temporal CLI is needed (npm run temporal:cli)');
  const temporal = await startTemporalDevServer({ binary: cli, port: await freePort(), uiPort: null, namespace: 'default', dbFile: null });
  const url = databaseUrlFor(pg.url, 'bench');
  await ensureDatabase(pg.url, 'bench');
  await migrateLatest({ url, appRole: 'taalmel_app' });
  const owner = createKnex({ url, poolMax: 2 });
  const appPassword = randomBytes(18).toString('base64url');
  await setAppRolePassword(owner, 'taalmel_app', appPassword);
  const firms = [await seedFirm(owner, 'Firm A', 0), await seedFirm(owner, 'Firm B', 1000)];
  const files = PARTS.has('3') || TOGETHER ? registers(firms) : [];

  // A real worker on the task queue: /readyz is 200 only with one.
  installTemporalRuntime(logger, 'WARN');
  const workerDb = createKnex({ url, appRole: 'taalmel_app', poolMax: 2 });
  // Worker and api seal Temporal payloads with the same keys, as in production.
  const payload = generatePayloadKeys();
  const codec = EncryptionCodec.fromSpec(payload.payloadKeys, payload.payloadKeyCurrent);
  const worker = await startWorker({ address: temporal.address, namespace: 'default', taskQueue: 'bench', knex: workerDb, logger, workflowBundlePath: process.env.WORKFLOW_BUNDLE_PATH, codec });
  const keys = generateKeys();
  const serverEnv = async (poolMax: number, extra: Record<string, string> = {}) => ({
    ...extra,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATA_DIR: path.join(dir, 'data'),
    DATABASE_URL: url,
    DATABASE_APP_PASSWORD: appPassword,
    DATABASE_POOL_MAX: String(poolMax),
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: 'bench',
    PORT: String(await freePort()),
    BENCH_FLOOR_PORT: String(await freePort()),
    MAX_SESSIONS_PER_USER: '10',
    // Plain http on the loopback: production's Secure cookies need https (or TRUST_PROXY behind TLS).
    COOKIE_SECURE: 'false',
    SESSION_SIGNING_KEYS: keys.signingKeys,
    SESSION_SIGNING_KEY_CURRENT: keys.signingKeyCurrent,
    SECRET_KEYS: keys.secretKeys,
    SECRET_KEY_CURRENT: keys.secretKeyCurrent,
    TEMPORAL_PAYLOAD_KEYS: payload.payloadKeys,
    TEMPORAL_PAYLOAD_KEY_CURRENT: payload.payloadKeyCurrent,
  });

  const cpus = os.cpus();
  out(`machine: ${cpus[0]?.model ?? 'cpu'} × ${cpus.length}, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}, load average at start ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  try {
    // ---- 1, 3, 4 on the default pool (10) --------------------------------------------------
    for (const [label, extra] of [['per-firm limit: half the pool (the default)', {}], ['per-firm limit lifted to the whole pool', { DATABASE_FIRM_MAX_CONNECTIONS: '10' }]] as const) {
      const first = Object.keys(extra).length === 0;
      if (!PARTS.has('1') && !(first && (PARTS.has('3') || PARTS.has('4')))) continue;
      const server = await startServer(await serverEnv(10, extra));
      try {
        for (;;) if ((await fetch(`${server.api}/readyz`)).status === 200) break; else await new Promise((r) => setTimeout(r, 250));
        const tokens = await Promise.all(firms.map((f) => login(server.api, f.users[0]!)));

        if (PARTS.has('1')) {
          out(`\n1. list read against its floors: 10 connections, ${SECONDS} s each (after 2 s of warm-up), pool 10, ${label}`);
          const results = await listAgainstFloors(server.api, server.floor, firms[0]!, tokens[0]!);
          const floorRps = results[1]![1].rps;
          for (const [name, r] of results) out(`   ${name.padEnd(56)} ${r.rps.toFixed(0).padStart(6)} rps  p50 ${r.p50} ms  p99 ${r.p99} ms  (${r.requests} requests, non-2xx ${r.non2xx}, errors ${r.errors})  ratio to floor ${(r.rps / floorRps).toFixed(2)}`);
        }
        if (!first) continue;

        if (PARTS.has('4')) {
          out(`\n4. sustained mix of reads for ${MIX_SECONDS} s (both firms, 10 connections)`);
          const m = await mix(server.api, firms, tokens);
          out(`   ${m.requests} requests, ${m.rps.toFixed(0)} rps, p99 ${m.p99} ms, 5xx ${m.fivexx}, non-2xx ${m.non2xx}, errors ${m.errors}`);
        }

        if (PARTS.has('3')) {
          out(`\n3. four users upload a ${UPLOAD_ROWS.toLocaleString('en-IN')}-row purchase register at once`);
          printUploads(await uploads(server.api, firms, files, server.child.pid!));
        }
      } finally {
        await server.stop();
      }
    }

    // ---- 2 on a small pool -----------------------------------------------------------------
    if (PARTS.has('2') || TOGETHER) {
      const small = await startServer(await serverEnv(3));
      try {
        const tokens = await Promise.all(firms.map((f) => login(small.api, f.users[1]!)));
        // With 2+3 the uploads start with the reads; `progress` tells how many reads ran meanwhile.
        const progress = { done: 0 };
        const during = TOGETHER ? uploads(small.api, firms, files, small.child.pid!).then((u) => ({ ...u, readsMeanwhile: progress.done })) : null;
        const [r, u] = await Promise.all([interleaved(small.api, firms, tokens, progress), during]);
        out(`\n2. ${r.total} requests of two firms interleaved, 10 at a time, pool 3${u ? ', four uploads sent at the start' : ''}: ${r.seconds.toFixed(1)} s, foreign rows ${r.foreign}, 5xx ${r.fivexx}, failed ${r.failed}, statuses ${JSON.stringify(r.statuses)}`);
        if (u) {
          out(`   the uploads, on the same api and pool (${u.readsMeanwhile} of the reads answered while they ran):`);
          printUploads(u);
        }
      } finally {
        await small.stop();
      }
    }
    out(`\nload average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  } finally {
    await worker.shutdown();
    await workerDb.destroy();
    await owner.destroy();
    await temporal.stop();
    await pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
