/**
 * What the import rows' tie to their import costs PostgreSQL when an upload stores its rows: the
 * foreign key (one lookup and lock of the import a row) against the statement-level check of
 * migration 040 (one a statement), taking turns on one embedded PostgreSQL (./kept-key-bench.ts).
 * Each round writes a lakh of 2B documents and a lakh of register rows (`RECON_BENCH_KEY_N`) as an
 * upload does (insertImportText, the application role, a tenant transaction), rolls back and
 * vacuums; the schema is switched between the two by migration 040's own down and up. Prints, per
 * round and variant, PostgreSQL's CPU for the write (all its processes, from /proc) and the wall
 * clock, with the machine's load.
 *
 *   tsc -p tsconfig.bench.json && node dist/ops/bench/recon-e2e-import-key.js
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { importRowsText } from '../../db/copy-text';
import * as m040 from '../../db/migrations/040-import-rows-import-check';
import { insertImportText } from '../../db/recon-rows';
import { print, runKeyBench, takeTurns } from './kept-key-bench';
import { generateReconData } from './recon-data';
import { postgresCpu } from './thread-cpu';

runKeyBench({ tmpPrefix: 'taalmel-key-', migration: m040 }, async ({ n, rounds, pgPid, owner, firmId, clientId, importId, period, use, rolledBack }) => {
  const data = generateReconData({ n });
  const texts = { '2B': importRowsText(data.portal), register: importRowsText(data.books) };
  const write = async (file: keyof typeof texts): Promise<{ cpu: number; wall: number }> => {
    let cpu = 0;
    let wall = 0;
    await rolledBack(async (trx) => {
      // As an upload's transaction does before it writes the rows (api/imports/routes.ts).
      await trx.raw('select 1 from imports where id = ? for no key update', [importId]);
      const cpu0 = postgresCpu(pgPid)!;
      const t0 = performance.now();
      await insertImportText(trx, { firmId, clientId, importId, period }, texts[file]);
      wall = (performance.now() - t0) / 1000;
      cpu = postgresCpu(pgPid)! - cpu0;
    });
    await owner.raw('vacuum import_rows');
    return { cpu, wall };
  };
  print(`machine: ${os.cpus()[0]?.model} × ${os.cpus().length}, Node ${process.version}; ${n.toLocaleString('en-IN')} documents a file`);
  print('| round (load average) | variant | 2B: PostgreSQL CPU, wall | register: PostgreSQL CPU, wall |');
  print('|---|---|---:|---:|');
  await takeTurns(rounds, async (r, v, counted) => {
    await use(v);
    const b = await write('2B');
    const reg = await write('register');
    if (counted) print(`| ${r} (${os.loadavg()[0]!.toFixed(1)}) | ${v} | ${b.cpu.toFixed(2)} s, ${b.wall.toFixed(2)} s | ${reg.cpu.toFixed(2)} s, ${reg.wall.toFixed(2)} s |`);
  });
});
