/**
 * `npm run bench:client-export`: how much memory a client export takes as the client grows. On an
 * embedded PostgreSQL it seeds one client with N parsed import rows and N reconciliation result
 * rows (CLIENT_EXPORT_BENCH_ROWS, default 100000: one lakh each), then runs the export activity as
 * the worker runs it (under Temporal's MockActivityEnvironment) and reports the time, the ZIP's size
 * and the process's peak RSS against its RSS before the export. The run is seeded `failed`, so no
 * XLSX workbook is written: this measures the JSON streaming of every table, which is where row
 * counts grow (the workbook writer streams the same pages; its cost is the reconciliation export's).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createClientExportActivities } from '../../activities/client-export';
import { createKnex, databaseUrlFor } from '../../db/knex';
import { migrateLatest } from '../../db/migrator';
import { gstinCheckCharacter } from '../../domain/gstin';
import { ensureDatabase, startEmbeddedPostgres } from '../embedded-postgres';
import { createLogger } from '../logger';
import { freePort } from '../ports';
import type { ClientExportBuilt } from '../../workflows/client-export-definitions';

const out = (line: string) => process.stdout.write(`${line}\n`);
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

async function main(): Promise<void> {
  const rows = Number(process.env.CLIENT_EXPORT_BENCH_ROWS ?? 100_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-export-bench-'));
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort(), persistent: false });
  const url = databaseUrlFor(pg.url, 'bench');
  const owner = createKnex({ url, poolMax: 2 });
  const app = createKnex({ url, appRole: 'taalmel_app', poolMax: 4 });
  try {
    await ensureDatabase(pg.url, 'bench');
    await migrateLatest({ url, appRole: 'taalmel_app' });
    const firmId = randomUUID();
    const clientId = randomUUID();
    const exportId = randomUUID();
    const stem = `27ABCDE${String(randomBytes(2).readUInt16BE(0) % 10000).padStart(4, '0')}F1Z`;
    await owner.transaction(async (trx) => {
      await trx.raw(`select set_config('app.firm_id', ?, true)`, [firmId]);
      await trx('firms').insert({ id: firmId, name: 'Bench firm', slug: `bench-${randomBytes(3).toString('hex')}` });
      await trx('clients').insert({ id: clientId, firm_id: firmId, name: 'Bench client', gstin: stem + gstinCheckCharacter(stem), email: 'bench@example.test', filing_frequency: 'monthly', state_code: '27' });
      const base = { firm_id: firmId, client_id: clientId, period: '2024-06', status: 'validated', rows };
      const [register] = await trx('imports').insert({ ...base, kind: 'purchase_register' }).returning('id');
      const [twoB] = await trx('imports').insert({ ...base, kind: 'gstr2b' }).returning('id');
      const [run] = await trx('reconciliation_runs')
        .insert({ firm_id: firmId, client_id: clientId, period: '2024-06', register_import_id: register.id, gstr2b_import_id: twoB.id, workflow_id: `bench-${exportId}`, status: 'failed' })
        .returning('id');
      await trx.raw(
        `insert into import_rows (firm_id, client_id, import_id, period, seq, doc)
         select ?, ?, ?, '2024-06', g, jsonb_build_object('supplierGstin', '27ABCDE1234F1Z5', 'supplierName', 'Supplier ' || (g % 500),
           'invoiceNumber', 'INV/' || g, 'invoiceDate', '2024-06-15', 'taxableValue', g * 100, 'igst', g * 18, 'cgst', 0, 'sgst', 0, 'cess', 0)
           from generate_series(0, ? - 1) g`,
        [firmId, clientId, register.id, rows],
      );
      await trx.raw(
        `insert into reconciliation_results (firm_id, client_id, run_id, period, seq, category, supplier_gstin, row)
         select ?, ?, ?, '2024-06', g, 'matched', '27ABCDE1234F1Z5', jsonb_build_object('id', 'r' || g, 'category', 'matched',
           'supplierName', 'Supplier ' || (g % 500), 'books', jsonb_build_object('invoiceNumber', 'INV/' || g, 'taxableValue', g * 100),
           'portal', jsonb_build_object('number', 'INV/' || g, 'taxableValue', g * 100), 'differences', '[]'::jsonb)
           from generate_series(0, ? - 1) g`,
        [firmId, clientId, run.id, rows],
      );
      await trx('client_exports').insert({ id: exportId, firm_id: firmId, client_id: clientId, workflow_id: `client-export:${exportId}`, expires_at: new Date(Date.now() + 86_400_000) });
    });

    const activities = createClientExportActivities({
      knex: app,
      logger: createLogger({ level: 'warn', pretty: false }),
      dataProtection: { exportDir: path.join(dir, 'exports'), fileStoreDir: path.join(dir, 'files'), ownerUrl: url, certificateKey: undefined, rotation: { daily: 7, weekly: 4, monthly: 6 }, erasureLogDir: path.join(dir, 'erasures') },
    });
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const started = Date.now();
    const built = (await new MockActivityEnvironment().run(activities.clientExportBuild, { firmId, exportId })) as ClientExportBuilt;
    const seconds = (Date.now() - started) / 1000;
    const peak = process.resourceUsage().maxRSS * 1024;
    out(`machine: ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, Node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    out(`client export of ${rows.toLocaleString('en-IN')} import rows + ${rows.toLocaleString('en-IN')} result rows: ${seconds.toFixed(1)} s, ZIP ${mb(built.sizeBytes)} MB`);
    out(`RSS before ${mb(rssBefore)} MB, peak RSS of the process ${mb(peak)} MB (includes seeding; the export's own growth is at most ${mb(Math.max(0, peak - rssBefore))} MB)`);
  } finally {
    await app.destroy();
    await owner.destroy();
    await pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
