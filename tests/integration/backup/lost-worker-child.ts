/**
 * A real worker in a process of its own, for killed-worker.test.ts: the test kills this process
 * (and its process group, with the pg_dump it runs) with SIGKILL, as a machine or container that
 * dies would. Started with `node --import tsx` by the test, configured only by environment:
 * - TAALMEL_TEST_TEMPORAL_ADDRESS, TAALMEL_TEST_WORKFLOW_BUNDLE: the harness's server and bundle
 *   (as the jest workers get them, see tests/harness/harness-env.ts);
 * - LOST_WORKER_DATABASE_URL: the test database; the activities' knex connects as the application
 *   role, as `db.app` does in tests/harness/database.ts;
 * - LOST_WORKER_TASK_QUEUE: the test's task queue;
 * - LOST_WORKER_BACKUP_DEPS: the backup deps as JSON (what `backupDepsFor` built in the test).
 * Prints `ready` on stdout once the worker runs (polls); its logs (warn and up) go to stderr.
 */
import pino from 'pino';
import type { BackupDeps } from '../../../activities/backup';
import { createKnex } from '../../../db/knex';
import { createLogger } from '../../../ops/logger';
import { installTemporalRuntime } from '../../../ops/temporal-runtime';
import { startWorker } from '../../../ops/worker';
import { TEST_APP_ROLE } from '../../harness/database';
import { harnessValue } from '../../harness/harness-env';
import { testPayloadCodec } from '../../harness/temporal';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (lost-worker-child.ts is started by killed-worker.test.ts)`);
  return value;
}

async function main(): Promise<void> {
  // Should the test process go away without killing us (its stdin pipe closes), take the process
  // group down (pg_dump included) rather than linger.
  process.stdin.on('end', () => {
    try {
      process.kill(-process.pid, 'SIGKILL');
    } catch {
      process.exit(1); // not a group leader (not started detached): at least this process goes
    }
  });
  process.stdin.resume();

  const logger = createLogger({ level: 'warn', pretty: false, destination: pino.destination({ fd: 2, sync: true }) });
  installTemporalRuntime(logger, 'WARN');
  const knex = createKnex({ url: required('LOST_WORKER_DATABASE_URL'), appRole: TEST_APP_ROLE, poolMax: 5, applicationName: 'taalmel-test-lost-worker' });
  const backup = JSON.parse(required('LOST_WORKER_BACKUP_DEPS')) as BackupDeps;
  const worker = await startWorker({
    address: harnessValue('temporalAddress'),
    namespace: 'default',
    taskQueue: required('LOST_WORKER_TASK_QUEUE'),
    codec: testPayloadCodec(),
    knex,
    logger,
    workflowBundlePath: harnessValue('workflowBundle'),
    backup,
  });
  if (worker.worker.getState() !== 'RUNNING') throw new Error(`the worker is ${worker.worker.getState()}, not running`);
  process.stdout.write('ready\n');
  await worker.done;
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
