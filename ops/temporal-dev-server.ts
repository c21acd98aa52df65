/**
 * Runs the Temporal CLI's dev server (a real Temporal server with SQLite persistence and the Web UI)
 * as a child process, waits until its frontend answers, and stops it on request.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_DECLARATIONS } from '../workflows/search-attribute-definitions';
import { ChildServerError, spawnChildServer, spawnProblem } from './child-server';

const SERVER = 'The Temporal dev server';

export type TemporalDevServer = { address: string; uiUrl: string | null; process: ChildProcess; stop(): Promise<void> };

export type TemporalDevServerOptions = {
  binary: string;
  port: number;
  /** null runs headless (tests). */
  uiPort: number | null;
  namespace: string;
  /** SQLite file for persistence across restarts; null keeps everything in memory (tests). */
  dbFile: string | null;
  onLog?: (line: string) => void;
  readyTimeoutMs?: number;
};

/** Search attributes our workflows set, so ops can filter by firm, client and period in the UI. */
export const SEARCH_ATTRIBUTES = SEARCH_ATTRIBUTE_DECLARATIONS;

export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(options.port),
    '--namespace', options.namespace,
    '--log-format', 'json',
    '--log-level', 'warn',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
  ];
  for (const attribute of SEARCH_ATTRIBUTES) args.push('--search-attribute', attribute);
  if (options.uiPort === null) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort), '--ui-ip', '127.0.0.1');
  if (options.dbFile) {
    fs.mkdirSync(path.dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }

  const server = spawnChildServer(options.binary, args, { onLine: options.onLog });
  const child = server.process;
  const address = `127.0.0.1:${options.port}`;
  const stop = () => server.stop('SIGTERM');

  const deadline = Date.now() + (options.readyTimeoutMs ?? 90_000);
  for (;;) {
    const ended = server.ended();
    if (ended) {
      const taken = /address already in use/i.test(server.output());
      throw new ChildServerError(
        SERVER,
        spawnProblem(options.binary, ended.error) ?? (taken ? `port ${options.port} or ${options.uiPort ?? ''} is already in use` : `it exited (code ${ended.code}) before it was ready`),
        taken ? 'stop whatever holds it or set TEMPORAL_DEV_PORT / TEMPORAL_UI_PORT to free ports' : `check TEMPORAL_CLI_PATH (or set TEMPORAL_ADDRESS to a Temporal of your own); LOG_LEVEL=debug shows its log`,
        server.output(),
      );
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: options.namespace });
        break;
      } finally {
        await connection.close();
      }
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new ChildServerError(SERVER, `it did not answer on ${address} in time`, 'try again on a less busy machine, or set TEMPORAL_ADDRESS to a Temporal of your own; LOG_LEVEL=debug shows its log', server.output());
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
  return {
    address,
    uiUrl: options.uiPort === null ? null : `http://127.0.0.1:${options.uiPort}`,
    process: child,
    stop,
  };
}
