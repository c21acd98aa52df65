/**
 * The Temporal worker: runs the workflows of workflows/ and the activities of activities/ on one task
 * queue. Production loads a prebuilt bundle (WORKFLOW_BUNDLE_PATH); development bundles on start.
 */
import type { Duration, PayloadCodec } from '@temporalio/common';
import { NativeConnection, Worker, type ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { createActivities } from '../activities';
import { scrubDatabaseError } from '../db/scrub-db-error';
import { warmUpEngine, type WarmUpReport } from '../domain/recon/warm-up';
import { bundleWorkflows } from './workflow-bundle';
import type { BackupDeps } from '../activities/backup';
import type { MailDeps } from '../activities/mail-transport';
import type { DataProtectionDeps } from '../activities/data-protection-deps';

export type WorkerOptions = {
  address: string;
  namespace: string;
  taskQueue: string;
  /** Seals every payload the worker sends and opens every one it receives (db/security/payload-codec.ts). */
  codec: PayloadCodec;
  knex: Knex;
  logger: Logger;
  /** Prebuilt bundle file; bundled from source when absent. */
  workflowBundlePath?: string;
  /** Bundle already built (tests build one per run). */
  workflowBundle?: { code: string };
  /** The backup activities' own dependencies (owner URL, folder, tools); without them they refuse to run. */
  backup?: BackupDeps;
  /** SMTP and link settings of the follow-up activities; without them they refuse to send. */
  mail?: MailDeps;
  /** The client export and erasure activities' own dependencies; without them they refuse to run. */
  dataProtection?: DataProtectionDeps;
  /** How long a shutdown lets running activities finish before the SDK cancels them (default 20 seconds). */
  shutdownGraceTime?: Duration;
  /** Warm the reconciliation engine up before the worker polls (default true; docs/performance.md, "First run"). */
  warmUp?: boolean;
};

export type RunningWorker = {
  worker: Worker;
  connection: NativeConnection;
  done: Promise<void>;
  /** The engine warm-up run before the worker polled: its report, or null when it was off or failed (a failure is logged, never fatal). */
  warmUp: WarmUpReport | null;
  shutdown(): Promise<void>;
};

/**
 * An activity's error becomes its failure in the workflow's history (message and stack, unsealed)
 * and the SDK's "Activity failed" log line: a database error leaves without the row text it quotes
 * (db/scrub-db-error.ts), keeping its SQLSTATE, so a retry policy still sees a retryable failure.
 */
export const scrubActivityErrors: ActivityInterceptorsFactory = () => ({
  inbound: {
    async execute(input, next) {
      try {
        return await next(input);
      } catch (error) {
        throw scrubDatabaseError(error);
      }
    },
  },
});

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const connection = await NativeConnection.connect({ address: options.address });
  const workflowBundle = options.workflowBundle
    ? options.workflowBundle
    : options.workflowBundlePath
      ? { codePath: options.workflowBundlePath }
      : await bundleWorkflows();
  const worker = await Worker.create({
    connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle,
    dataConverter: { payloadCodecs: [options.codec] },
    activities: createActivities({ knex: options.knex, logger: options.logger, backup: options.backup, mail: options.mail, dataProtection: options.dataProtection }),
    interceptors: { activity: [scrubActivityErrors] },
    // A shutdown lets running activities finish for this long, then the SDK cancels them (a
    // CancelledFailure 'WORKER_SHUTDOWN' through the activity's cancellation signal). Activities that
    // run a child process (pg_dump, pg_restore) kill it then and fail the attempt, so the shutdown
    // completes and the workflow's retry policy runs the step again on another worker.
    shutdownGraceTime: options.shutdownGraceTime ?? '20 seconds',
  });
  // The engine warms up before the worker polls: readiness (/readyz asks for a poller) then comes
  // after it, so the first reconciliation a worker takes runs warm, and no request that readiness let
  // in meets an event loop busy compiling the engine (the api shares this process under npm start).
  const warmUp: WarmUpReport | null = options.warmUp === false ? null : await warmUpEngine().then(
    (report) => {
      options.logger.info(report, 'reconciliation engine warmed up');
      return report;
    },
    (error: unknown) => {
      options.logger.warn({ err: error }, 'reconciliation engine warm-up failed; the first run compiles the engine');
      return null;
    },
  );
  const done = worker.run().finally(() => connection.close());
  return {
    worker,
    connection,
    done,
    warmUp,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
