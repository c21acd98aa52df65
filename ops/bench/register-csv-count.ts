/**
 * The register CSV reader and its floor counted in instructions, which on a shared machine move far
 * less than times do (docs/performance.md, "Counted in instructions"). One process does one thing
 * on the 1-lakh bench register (seed 7): `none` (reading the file only, the baseline to take
 * off), `floor` (the bench's split floor) or `read` (one cold first read), so that callgrind counts
 * each alone:
 *
 *   npm run bench:csv-count   (builds, then runs each mode under callgrind and prints the ratio)
 *
 * or by hand: `valgrind --tool=callgrind node --single-threaded --expose-gc dist/ops/bench/register-csv-count.js read`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { readRegisterCsv } from '../../domain/recon/register-reader';
import { generateReconData, toRegisterCsv } from './recon-data';

const CHUNK = 64 * 1024;

function* chunks(buf: Buffer): Generator<Buffer> {
  for (let i = 0; i < buf.length; i += CHUNK) yield buf.subarray(i, i + CHUNK);
}

async function main(): Promise<void> {
  const mode = process.argv[2] ?? 'none';
  const size = Number(process.env.RECON_COUNT_SIZE ?? 100_000);
  // Generating the register costs several times the read's instructions under callgrind: the
  // script writes it to a file once (`write`) and the counted processes read that file.
  const file = process.argv[3];
  if (mode === 'write') {
    writeFileSync(file!, toRegisterCsv(generateReconData({ n: size, seed: 7 })));
    return;
  }
  const csv = file ? readFileSync(file) : Buffer.from(toRegisterCsv(generateReconData({ n: size, seed: 7 })));
  // The generator's garbage collected now, in every mode: else a full collection it started may
  // end inside the counted part, or after `none` has exited, and be counted against the read.
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  if (mode === 'floor') {
    // The bench's floor (recon-match.bench.ts): the simplest loop that turns the bytes into fields.
    let fields = 0;
    for (const l of csv.toString('utf8').split('\n')) fields += l.split(',').length;
    if (fields === 0) throw new Error('no CSV fields');
  } else if (mode === 'read') {
    const r = await readRegisterCsv(chunks(csv), { source: 'pr.csv' });
    if (!r.ok) throw new Error(`register read failed: ${JSON.stringify(r.errors.slice(0, 3))}`);
    process.stdout.write(`${r.rows.length} documents\n`);
  } else if (mode !== 'none') throw new Error(`unknown mode ${mode}`);
}

void main();
