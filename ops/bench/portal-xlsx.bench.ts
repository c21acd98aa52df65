/**
 * The portal Excel reader (domain/recon/portal-xlsx.ts) over the XLSX sheet reader against the same
 * reader over exceljs's streaming reader (ops/bench/portal-xlsx-exceljs.ts), on one generated 2B
 * download (ops/bench/portal-workbook.ts writes it as the portal lays it out), the two run
 * alternately in one process, each read handed the parts as the upload path hands them. Prints
 * each round's times, their ratio and the load average. Size: PORTAL_XLSX_BENCH_SIZE (default 20,000
 * documents a side of the generated return); rounds: PORTAL_XLSX_BENCH_ROUNDS (default 5).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { workbookInReadingOrder } from '../../api/imports/workbook-order';
import { readPortalWorkbook, type PortalWorkbook } from '../../domain/recon/portal-xlsx';
import { portalWorkbookOf } from './portal-workbook';
import { readPortalWorkbookWithExceljs } from './portal-xlsx-exceljs';
import { generateReconData, toGstr2bJson } from './recon-data';

const out = (line: string) => process.stdout.write(`${line}\n`);

async function timed(read: () => Promise<PortalWorkbook>): Promise<{ ms: number; entries: number }> {
  const t = process.hrtime.bigint();
  const wb = await read();
  if (!wb.ok) throw new Error(`read failed: ${JSON.stringify(wb.errors.slice(0, 3))}`);
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, entries: wb.entries.length };
}

async function main(): Promise<void> {
  const size = Number(process.env.PORTAL_XLSX_BENCH_SIZE ?? 20_000);
  const rounds = Number(process.env.PORTAL_XLSX_BENCH_ROUNDS ?? 5);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-xlsx-bench-'));
  try {
    const file = path.join(dir, '2b.xlsx');
    fs.writeFileSync(file, await portalWorkbookOf(JSON.parse(toGstr2bJson(generateReconData({ n: size, seed: 7 }))) as Record<string, unknown>));
    const mb = fs.statSync(file).size / 1e6;
    out(`portal 2B workbook: ${size.toLocaleString('en-IN')} documents a side generated, ${mb.toFixed(1)} MB; ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    for (let r = 0; r < rounds; r += 1) {
      // Alternate which goes first, so that neither always runs on the other's garbage.
      const order = r % 2 === 0 ? ['sheet reader', 'exceljs'] as const : ['exceljs', 'sheet reader'] as const;
      const times: Record<string, { ms: number; entries: number }> = {};
      for (const name of order) {
        times[name] = await timed(async () => (name === 'exceljs' ? readPortalWorkbookWithExceljs : readPortalWorkbook)(await workbookInReadingOrder(file)));
      }
      const now = times['sheet reader']!;
      const before = times.exceljs!;
      if (now.entries !== before.entries) throw new Error('the two readers read different entries');
      out(`round ${r + 1}: sheet reader ${now.ms.toFixed(0)} ms (${(mb / (now.ms / 1000)).toFixed(1)} MB/s), exceljs ${before.ms.toFixed(0)} ms (${(mb / (before.ms / 1000)).toFixed(1)} MB/s): ${(before.ms / now.ms).toFixed(2)}× as fast; load ${os.loadavg()[0]!.toFixed(1)}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
