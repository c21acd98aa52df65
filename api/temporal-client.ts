/**
 * The api's one Temporal client. The connection is lazy: the api starts (and reports 503 on
 * /readyz) while Temporal is down, and connects once it answers.
 */
import { Client, Connection } from '@temporalio/client';

export type TemporalHandle = { client: Client; connection: Connection; taskQueue: string; close(): Promise<void> };

export function createTemporalClient(options: { address: string; namespace: string; taskQueue: string }): TemporalHandle {
  const connection = Connection.lazy({ address: options.address });
  const client = new Client({ connection, namespace: options.namespace });
  return { client, connection, taskQueue: options.taskQueue, close: () => connection.close() };
}

export async function temporalAnswers(handle: TemporalHandle, timeoutMs: number): Promise<boolean> {
  try {
    await handle.connection.withDeadline(Date.now() + timeoutMs, () => handle.connection.workflowService.getSystemInfo({}));
    return true;
  } catch {
    return false;
  }
}
