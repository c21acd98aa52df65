/**
 * Replay helpers shared by the workflow replay tests: the committed histories of one process, and
 * a replay that collects each history's outcome (an error means the workflow code is no longer
 * deterministic against that history).
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';

export type History = temporal.api.history.v1.IHistory;
export type NamedHistory = { workflowId: string; history: History };

export const HISTORY_FIXTURES = path.resolve(__dirname, '../fixtures/histories');

/** Every committed `<prefix>*.json` history, named by its file. */
export function committedHistories(prefix: string): NamedHistory[] {
  return fs
    .readdirSync(HISTORY_FIXTURES)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.json'))
    .sort()
    .map((f) => ({ workflowId: f.replace(/\.json$/, ''), history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORY_FIXTURES, f), 'utf8'))) }));
}

export async function replayHistories(workflowBundle: { code: string } | { codePath: string }, histories: NamedHistory[]): Promise<Array<{ workflowId: string; error?: Error }>> {
  const results: Array<{ workflowId: string; error?: Error }> = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle }, histories)) results.push({ workflowId: result.workflowId, error: result.error });
  return results;
}
