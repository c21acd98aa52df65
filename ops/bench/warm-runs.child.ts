/**
 * Child process of the warm-runs check (warm-trace.ts): reconciles one generated dataset several
 * times, collecting all garbage between runs as a worker's heap would between two
 * reconciliations, and prints a marker line before the last runs. Run with --trace-deopt
 * --trace-opt --expose-gc: the parent reads what V8 printed after the marker.
 */
import { reconcile } from '../../domain/recon';
import { generateReconData } from './recon-data';
import { ROWS_MARK, WARM_MARK } from './warm-trace';

const WARM_UP_RUNS = 4;
const CHECKED_RUNS = 2;

const data = generateReconData({ n: Number(process.argv[2] ?? 20_000), seed: 11 });
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
let rows = 0;
for (let k = 0; k < WARM_UP_RUNS + CHECKED_RUNS; k += 1) {
  gc();
  if (k === WARM_UP_RUNS) process.stdout.write(`${WARM_MARK}\n`);
  // Released as the worker releases a run's result once its rows are written (table-pool.ts).
  const result = reconcile(data.books, data.portal);
  rows = result.rowCount;
  result.release();
}
process.stdout.write(`${ROWS_MARK} ${rows}\n`);
