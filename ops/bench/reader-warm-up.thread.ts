/**
 * The thread `readsOnParserThread` (reader-warm-up.ts) starts: runs `readsAfterWarmUp` for the
 * size it is given and posts the figures back. Its own file, so that importing reader-warm-up.ts
 * starts nothing.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readsAfterWarmUp } from './reader-warm-up';

const { size } = workerData as { size: number };
readsAfterWarmUp(size).then((reads) => parentPort!.postMessage(reads), (error: unknown) => {
  throw error;
});
