/**
 * Child process of warm-runs.test.ts: reconciles one generated dataset several times, collecting
 * all garbage between runs as a worker's heap would between two reconciliations, and prints a
 * marker line before the last runs. Run with --trace-deopt --expose-gc: the parent counts the
 * de-optimisations printed after the marker.
 */
import { reconcile } from '../../../domain/recon';
import { generateReconData } from '../../../ops/bench/recon-data';

const WARM_UP_RUNS = 4;
const CHECKED_RUNS = 2;

const data = generateReconData({ n: Number(process.argv[2] ?? 20_000), seed: 11 });
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
let rows = 0;
for (let k = 0; k < WARM_UP_RUNS + CHECKED_RUNS; k += 1) {
  gc();
  if (k === WARM_UP_RUNS) process.stdout.write('=== warm runs\n');
  // Released as the worker releases a run's result once its rows are written (table-pool.ts).
  const result = reconcile(data.books, data.portal);
  rows = result.rowCount;
  result.release();
}
process.stdout.write(`=== rows ${rows}\n`);
