/**
 * What the result rows' tie to their run costs PostgreSQL when a run stores its result rows: the
 * foreign key (one lookup and lock of the run a row) against the statement-level check of migration
 * 043 (one a statement), taking turns on one embedded PostgreSQL (./kept-key-bench.ts). Each round
 * writes the result rows of one 1-lakh run (`RECON_BENCH_KEY_N` documents a side, reconciled once)
 * as the run's activity writes them (insertResultRows, the application role, a tenant transaction
 * with the run locked FOR NO KEY UPDATE), on one connection, then rolls back, vacuums and
 * checkpoints (so no write pays for an earlier one's dirty pages); the schema is switched between
 * the two by migration 043's own down and up. Prints, per round and variant, the CPU of the backend
 * that wrote (from /proc), PostgreSQL's (all its processes) and the wall clock, with the machine's
 * load, and the medians' ratio.
 *
 *   tsc -p tsconfig.bench.json && node dist/ops/bench/recon-e2e-result-key.js
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { reconcile } from '../../domain/recon';
import * as m043 from '../../db/migrations/043-result-rows-run-check';
import { insertResultRows, type StoredResult } from '../../db/recon-rows';
import { print, runKeyBench, takeTurns, type Variant } from './kept-key-bench';
import { generateReconData } from './recon-data';
import { postgresCpu } from './thread-cpu';

/** CPU seconds one process has used (Linux's /proc: utime + stime in ticks of 10 ms). */
function processCpu(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

runKeyBench({ tmpPrefix: 'taalmel-result-key-', migration: m043 }, async ({ n, rounds, pgPid, owner, firmId, clientId, importId, period, use, rolledBack }) => {
  const runId = await owner.transaction(async (trx) => {
    await trx.raw(`select set_config('app.firm_id', ?, true)`, [firmId]);
    const [run] = await trx('reconciliation_runs')
      .insert({ firm_id: firmId, client_id: clientId, period, register_import_id: importId, gstr2b_import_id: importId, workflow_id: `bench-${randomUUID()}`, status: 'running' })
      .returning('id');
    return (run as { id: string }).id;
  });
  const data = generateReconData({ n, period });
  const rows: StoredResult[] = reconcile(data.books, data.portal).results.map((row) => ({ category: row.category, supplierGstin: row.supplierGstin, row }));
  const write = async (): Promise<{ backend: number; cpu: number; wall: number }> => {
    let backend = 0;
    let cpu = 0;
    let wall = 0;
    await rolledBack(async (trx) => {
      // As the run's transaction does before it writes the rows (activities/reconciliation.ts).
      await trx.raw('select 1 from reconciliation_runs where id = ? for no key update', [runId]);
      const pid = ((await trx.raw('select pg_backend_pid() as pid')).rows[0] as { pid: number }).pid;
      const backend0 = processCpu(pid);
      const cpu0 = postgresCpu(pgPid)!;
      const t0 = performance.now();
      await insertResultRows(trx, { firmId, clientId, period, runId }, { count: rows.length, between: (a, b) => rows.slice(a, b) });
      wall = (performance.now() - t0) / 1000;
      cpu = postgresCpu(pgPid)! - cpu0;
      backend = processCpu(pid) - backend0;
    });
    await owner.raw('vacuum reconciliation_results');
    await owner.raw('checkpoint');
    return { backend, cpu, wall };
  };
  print(`machine: ${os.cpus()[0]?.model} × ${os.cpus().length}, Node ${process.version}; ${n.toLocaleString('en-IN')} documents a side, ${rows.length.toLocaleString('en-IN')} result rows`);
  print('| round (load average) | variant | backend CPU | PostgreSQL CPU | wall |');
  print('|---|---|---:|---:|---:|');
  const cpus: Record<Variant, number[]> = { 'foreign key': [], 'statement check': [] };
  const backends: Record<Variant, number[]> = { 'foreign key': [], 'statement check': [] };
  await takeTurns(rounds, async (r, v, counted) => {
    await use(v);
    const w = await write();
    if (!counted) return;
    cpus[v].push(w.cpu);
    backends[v].push(w.backend);
    print(`| ${r} (${os.loadavg()[0]!.toFixed(1)}) | ${v} | ${w.backend.toFixed(2)} s | ${w.cpu.toFixed(2)} s | ${w.wall.toFixed(2)} s |`);
  });
  for (const [what, xs] of [['backend', backends], ['PostgreSQL', cpus]] as const) {
    const [before, now] = [median(xs['foreign key']), median(xs['statement check'])];
    print(`${what} CPU, medians: foreign key ${before.toFixed(2)} s, statement check ${now.toFixed(2)} s: ${(now / before).toFixed(2)}×`);
  }
});
