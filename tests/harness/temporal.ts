/**
 * Temporal for a test file: a client of the harness's server, and real workers running the prebuilt
 * workflow bundle with real activities on a task queue unique to the test.
 */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { EncryptionCodec } from '../../db/security/payload-codec';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { installTemporalRuntime } from '../../ops/temporal-runtime';
import { startWorker, type RunningWorker } from '../../ops/worker';
import { captureLogger } from './logs';
import { harnessValue } from './harness-env';
import type { BackupDeps } from '../../activities/backup';
import type { MailDeps } from '../../activities/mail-transport';
import type { DataProtectionDeps } from '../../activities/data-protection-deps';

/**
 * The tests' payload key ring: fixed, so histories recorded with the codec on (committed replay
 * fixtures) open in every later run. A test key of no value outside the tests.
 */
export const TEST_PAYLOAD_KEYS = { spec: 'test1:dGFhbG1lbCB0ZXN0IHBheWxvYWQga2V5LCAzMiBiLi4=', current: 'test1' };

/** The codec every test client and worker installs, as production's do. */
export function testPayloadCodec(): EncryptionCodec {
  return EncryptionCodec.fromSpec(TEST_PAYLOAD_KEYS.spec, TEST_PAYLOAD_KEYS.current);
}

export type TestTemporal = { address: string; connection: Connection; client: Client; codec: EncryptionCodec; close(): Promise<void> };

export async function connectTestTemporal(): Promise<TestTemporal> {
  installTemporalRuntime(captureLogger('warn').logger, 'WARN');
  const address = harnessValue('temporalAddress');
  const connection = await Connection.connect({ address });
  const codec = testPayloadCodec();
  const client = new Client({ connection, namespace: 'default', dataConverter: { payloadCodecs: [codec] } });
  return { address, connection, client, codec, close: () => connection.close() };
}

export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/** Mail through the harness's Mailpit (the platform SMTP of the tests). */
export function testMailDeps(overrides: Partial<MailDeps> = {}): MailDeps {
  return { platformSmtpUrl: harnessValue('mailSmtpUrl'), platformFrom: 'Taalmel Tests <no-reply@taalmel.test>', publicUrl: 'http://taalmel.test', ...overrides };
}

/**
 * A worker as production starts one, except that the engine warm-up (seconds of CPU on a busy test
 * machine, while other tests' workers wait for the core) is off unless asked for; its own test
 * starts a worker with it.
 */
export async function startTestWorker(options: { knex: Knex; taskQueue: string; logger?: Logger; backup?: BackupDeps; mail?: MailDeps; dataProtection?: DataProtectionDeps; warmUp?: boolean }): Promise<RunningWorker> {
  return startWorker({
    address: harnessValue('temporalAddress'),
    namespace: 'default',
    taskQueue: options.taskQueue,
    codec: testPayloadCodec(),
    knex: options.knex,
    logger: options.logger ?? captureLogger('warn').logger,
    workflowBundlePath: harnessValue('workflowBundle'),
    backup: options.backup,
    mail: options.mail ?? testMailDeps(),
    dataProtection: options.dataProtection,
    warmUp: options.warmUp ?? false,
  });
}
