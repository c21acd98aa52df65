/**
 * The api's one Temporal client. The connection is lazy: the api starts (and reports 503 on
 * /readyz) while Temporal is down, and connects once it answers. Every client seals its payloads
 * with the payload codec (db/security/payload-codec.ts), so a codec is required.
 */
import { Client, Connection } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';

export type TemporalHandle = { client: Client; connection: Connection; taskQueue: string; codec: PayloadCodec; close(): Promise<void> };

export function createTemporalClient(options: { address: string; namespace: string; taskQueue: string; codec: PayloadCodec }): TemporalHandle {
  const connection = Connection.lazy({ address: options.address });
  const client = new Client({ connection, namespace: options.namespace, dataConverter: { payloadCodecs: [options.codec] } });
  return { client, connection, taskQueue: options.taskQueue, codec: options.codec, close: () => connection.close() };
}

export async function temporalAnswers(handle: TemporalHandle, timeoutMs: number): Promise<boolean> {
  try {
    await handle.connection.withDeadline(Date.now() + timeoutMs, () => handle.connection.workflowService.getSystemInfo({}));
    return true;
  } catch {
    return false;
  }
}
