/**
 * The api's one Temporal client. The connection is lazy: the api starts (and reports 503 on
 * /readyz) while Temporal is down, and connects once it answers. An interceptor counts the
 * workflows the api starts, by type and outcome, for GET /metrics. Every client seals its payloads
 * with the payload codec (db/security/payload-codec.ts), so a codec is required.
 */
import { Client, Connection, type WorkflowClientInterceptor } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, type PayloadCodec } from '@temporalio/common';

/**
 * Workflow starts by type: `started`; `alreadyStarted` when one with the same id is running (the
 * api's workflow ids make a repeated request, such as a second erasure of a client, land on the
 * running one: that is the design working, not a failure); `failed` when Temporal refused the start.
 */
export type WorkflowStarts = Map<string, { started: number; alreadyStarted: number; failed: number }>;

export type TemporalHandle = { client: Client; connection: Connection; taskQueue: string; codec: PayloadCodec; starts: WorkflowStarts; close(): Promise<void> };

function countingStarts(starts: WorkflowStarts): WorkflowClientInterceptor {
  const count = async <T>(workflowType: string, run: () => Promise<T>): Promise<T> => {
    const entry = starts.get(workflowType) ?? { started: 0, alreadyStarted: 0, failed: 0 };
    starts.set(workflowType, entry);
    try {
      const result = await run();
      entry.started += 1;
      return result;
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) entry.alreadyStarted += 1;
      else entry.failed += 1;
      throw error;
    }
  };
  return {
    start: (input, next) => count(input.workflowType, () => next(input)),
    signalWithStart: (input, next) => count(input.workflowType, () => next(input)),
  };
}

export function createTemporalClient(options: { address: string; namespace: string; taskQueue: string; codec: PayloadCodec }): TemporalHandle {
  const connection = Connection.lazy({ address: options.address });
  const starts: WorkflowStarts = new Map();
  const client = new Client({
    connection,
    namespace: options.namespace,
    dataConverter: { payloadCodecs: [options.codec] },
    interceptors: { workflow: [countingStarts(starts)] },
  });
  return { client, connection, taskQueue: options.taskQueue, codec: options.codec, starts, close: () => connection.close() };
}
