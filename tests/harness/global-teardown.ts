import fs from 'node:fs';
import type { HarnessState } from './harness-env';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as { __taalmelHarness?: HarnessState }).__taalmelHarness;
  if (!state) return;
  for (const stop of [...state.stops].reverse()) await stop().catch(() => undefined);
  fs.rmSync(state.workDir, { recursive: true, force: true });
}
