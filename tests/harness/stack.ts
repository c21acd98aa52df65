/** Taking down what a suite's stack started, last started first; parts never started are skipped. */
import type { RunningWorker } from '../../ops/worker';
import type { TestApi } from './api';
import type { TestDatabase } from './database';
import type { TestTemporal } from './temporal';

export type StackParts = { api?: TestApi; worker?: RunningWorker; temporal?: TestTemporal; db?: TestDatabase };

export async function closeStack(parts: StackParts): Promise<void> {
  await parts.api?.close();
  await parts.worker?.shutdown();
  await parts.temporal?.close();
  await parts.db?.drop();
}
