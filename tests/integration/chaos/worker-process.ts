/**
 * A real worker process for the chaos tests: `npm run worker` (ops/run-worker.ts under tsx) as a
 * child in a process group of its own, configured only through the environment as in production,
 * so a SIGKILL is a real one (the worker and any pg_dump it runs die at once, nothing cleans up).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { harnessValue } from '../../harness/harness-env';

const ROOT = path.resolve(__dirname, '../../..');

export type WorkerProcess = { child: ChildProcess; output(): string; exited: Promise<NodeJS.Signals | number | null>; kill(): Promise<NodeJS.Signals | number | null>; stop(): Promise<void> };

export type WorkerEnv = { databaseUrl: string; taskQueue: string; dataDir: string; smtpUrl?: string; backupDir?: string; pgDumpPath?: string };

/** Starts the worker and resolves once it polls its task queue (it logs `worker running`). */
export async function spawnWorker(options: WorkerEnv, readyTimeoutMs = 120_000): Promise<WorkerProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: options.databaseUrl,
    TEMPORAL_ADDRESS: harnessValue('temporalAddress'),
    TEMPORAL_TASK_QUEUE: options.taskQueue,
    WORKFLOW_BUNDLE_PATH: harnessValue('workflowBundle'),
    DATA_DIR: options.dataDir,
    SMTP_URL: options.smtpUrl ?? harnessValue('mailSmtpUrl'),
    MAIL_FROM: 'Taalmel Chaos <no-reply@taalmel.test>',
    ...(options.backupDir ? { BACKUP_DIR: options.backupDir } : {}),
    ...(options.pgDumpPath ? { BACKUP_PG_DUMP_PATH: options.pgDumpPath } : {}),
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'ops/run-worker.ts'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-32_000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  const worker: WorkerProcess = {
    child,
    output: () => output,
    exited,
    async kill() {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      return exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => void worker.kill(), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + readyTimeoutMs;
  while (!output.includes('worker running')) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the worker process exited before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      await worker.kill();
      throw new Error(`the worker process was not ready in ${readyTimeoutMs / 1000} s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return worker;
}
