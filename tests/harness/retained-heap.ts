/**
 * The heap a test's objects still hold, not the heap in use. `heapUsed` also counts garbage the
 * collector has not reached yet, and how far behind it runs depends on the machine's load (its
 * marking runs on helper threads): a bound on `heapUsed` fails on a busy machine for a reader that
 * holds nothing. Collecting first measures only what is reachable, which is what a test of "holds a
 * row at a time" means. `--expose-gc` set at run time gives the collector to contexts made after it.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Bytes of the heap still reachable after a full collection. */
export function retainedHeap(): number {
  gc();
  return process.memoryUsage().heapUsed;
}
