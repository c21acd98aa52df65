/**
 * Replay helpers shared by the workflow replay tests: the committed histories of one process, and
 * a replay that collects each history's outcome (an error means the workflow code is no longer
 * deterministic against that history).
 *
 * Histories recorded since the payload codec hold sealed payloads (recorded with the tests' key),
 * so a replay installs the same codec: the worker opens each activation's payloads with it, as a
 * live worker does. Older committed histories hold plain payloads, which the codec passes through.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import type { DataConverter, PayloadCodec } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { testPayloadCodec } from './temporal';

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

/** The replay's data converter: the tests' payload codec, or (null) none, to show a sealed history needs it. */
export function replayDataConverter(codec: PayloadCodec | null = testPayloadCodec()): DataConverter {
  return codec ? { payloadCodecs: [codec] } : {};
}

export async function replayHistories(
  workflowBundle: { code: string } | { codePath: string },
  histories: NamedHistory[],
  options: { codec?: PayloadCodec | null } = {},
): Promise<Array<{ workflowId: string; error?: Error }>> {
  const results: Array<{ workflowId: string; error?: Error }> = [];
  const dataConverter = replayDataConverter(options.codec === undefined ? testPayloadCodec() : options.codec);
  for await (const result of Worker.runReplayHistories({ workflowBundle, dataConverter }, histories)) results.push({ workflowId: result.workflowId, error: result.error });
  return results;
}
