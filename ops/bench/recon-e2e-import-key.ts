/**
 * What the import rows' tie to their import costs PostgreSQL when an upload stores its rows: the
 * foreign key (one lookup and lock of the import a row) against the statement-level check of
 * migration 040 (one a statement), taking turns on one embedded PostgreSQL. Each round writes a
 * lakh of 2B documents and a lakh of register rows (`RECON_BENCH_KEY_N`) as an upload does
 * (insertImportText, the application role, a tenant transaction), rolls back and vacuums; the
 * schema is switched between the two by migration 040's own down and up. Prints, per round and
 * variant, PostgreSQL's CPU for the write (all its processes, from /proc) and the wall clock, with
 * the machine's load.
 *
 *   tsc -p tsconfig.bench.json && node dist/ops/bench/recon-e2e-import-key.js
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import { importRowsText } from '../../db/copy-text';
import { createKnex, databaseUrlFor } from '../../db/knex';
import * as m040 from '../../db/migrations/040-import-rows-import-check';
import { migrateLatest } from '../../db/migrator';
import { insertImportText } from '../../db/recon-rows';
import { inTenantTransaction } from '../../db/tenant';
import { ensureDatabase, startEmbeddedPostgres } from '../embedded-postgres';
import { freePort } from '../ports';
import { generateReconData } from './recon-data';
import { postgresCpu } from './thread-cpu';

type Variant = 'foreign key' | 'statement check';

const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

async function main(): Promise<void> {
  const n = Number(process.env.RECON_BENCH_KEY_N ?? 100_000);
  const rounds = Number(process.env.RECON_BENCH_KEY_ROUNDS ?? 5);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-key-'));
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort(), persistent: false });
  const url = databaseUrlFor(pg.url, 'bench');
  await ensureDatabase(pg.url, 'bench');
  await migrateLatest({ url, appRole: 'taalmel_app' });
  const owner = createKnex({ url, poolMax: 1 });
  const app = createKnex({ url, appRole: 'taalmel_app', poolMax: 1 });
  try {
    const firmId = randomUUID();
    const { clientId, importId } = await owner.transaction(async (trx) => {
      await trx.raw(`select set_config('app.firm_id', ?, true)`, [firmId]);
      await trx('firms').insert({ id: firmId, name: 'Bench firm', slug: `bench-${firmId.slice(0, 8)}` });
      const [client] = await trx('clients').insert({ firm_id: firmId, name: 'Bench client', gstin: '27ABCDE1234F1ZW', email: 'c@bench.example', filing_frequency: 'monthly', state_code: '27' }).returning('id');
      const cid = (client as { id: string }).id;
      const [imp] = await trx('imports').insert({ firm_id: firmId, client_id: cid, kind: 'gstr2b', period: '2024-06', filename: 'x.json' }).returning('id');
      return { clientId: cid, importId: (imp as { id: string }).id };
    });
    const data = generateReconData({ n });
    const texts = { '2B': importRowsText(data.portal), register: importRowsText(data.books) };
    const schema: { now: Variant } = { now: 'statement check' };
    const use = async (v: Variant) => {
      if (schema.now === v) return;
      await (v === 'foreign key' ? m040.down(owner) : m040.up(owner));
      schema.now = v;
    };
    const write = async (file: keyof typeof texts): Promise<{ cpu: number; wall: number }> => {
      let cpu = 0;
      let wall = 0;
      await inTenantTransaction(app, { firmId, actor: { userId: null, email: 'bench', role: 'system' } }, async (trx: Knex.Transaction) => {
        // As an upload's transaction does before it writes the rows (api/imports/routes.ts).
        await trx.raw('select 1 from imports where id = ? for no key update', [importId]);
        const cpu0 = postgresCpu(pg.pid)!;
        const t0 = performance.now();
        await insertImportText(trx, { firmId, clientId, importId, period: '2024-06' }, texts[file]);
        wall = (performance.now() - t0) / 1000;
        cpu = postgresCpu(pg.pid)! - cpu0;
        throw new Rollback();
      }).catch((e: unknown) => {
        if (!(e instanceof Rollback)) throw e;
      });
      await owner.raw('vacuum import_rows');
      return { cpu, wall };
    };
    print(`machine: ${os.cpus()[0]?.model} × ${os.cpus().length}, Node ${process.version}; ${n.toLocaleString('en-IN')} documents a file`);
    print('| round (load average) | variant | 2B: PostgreSQL CPU, wall | register: PostgreSQL CPU, wall |');
    print('|---|---|---:|---:|');
    for (let r = 0; r <= rounds; r += 1) {
      const order: Variant[] = r % 2 === 0 ? ['foreign key', 'statement check'] : ['statement check', 'foreign key'];
      for (const v of order) {
        await use(v);
        const b = await write('2B');
        const reg = await write('register');
        // Round 0 warms the caches up and is not printed.
        if (r > 0) print(`| ${r} (${os.loadavg()[0]!.toFixed(1)}) | ${v} | ${b.cpu.toFixed(2)} s, ${b.wall.toFixed(2)} s | ${reg.cpu.toFixed(2)} s, ${reg.wall.toFixed(2)} s |`);
      }
    }
  } finally {
    await app.destroy();
    await owner.destroy();
    await pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

class Rollback extends Error {}

main().catch((e) => {
  process.stderr.write(`${String((e as Error)?.stack ?? e)}\n`);
  process.exit(1);
});
