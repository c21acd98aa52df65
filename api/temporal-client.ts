/**
 * The api's one Temporal client. The connection is lazy: the api starts (and reports 503 on
 * /readyz) while Temporal is down, and connects once it answers. An interceptor counts the
 * workflows the api starts, by type and outcome, for GET /metrics.
 */
import { Client, Connection, type WorkflowClientInterceptor } from '@temporalio/client';

/** Workflow starts by type: `started`, or `failed` when Temporal refused the start. */
export type WorkflowStarts = Map<string, { started: number; failed: number }>;

export type TemporalHandle = { client: Client; connection: Connection; taskQueue: string; starts: WorkflowStarts; close(): Promise<void> };

function countingStarts(starts: WorkflowStarts): WorkflowClientInterceptor {
  const count = async <T>(workflowType: string, run: () => Promise<T>): Promise<T> => {
    const entry = starts.get(workflowType) ?? { started: 0, failed: 0 };
    starts.set(workflowType, entry);
    try {
      const result = await run();
      entry.started += 1;
      return result;
    } catch (error) {
      entry.failed += 1;
      throw error;
    }
  };
  return {
    start: (input, next) => count(input.workflowType, () => next(input)),
    signalWithStart: (input, next) => count(input.workflowType, () => next(input)),
  };
}

export function createTemporalClient(options: { address: string; namespace: string; taskQueue: string }): TemporalHandle {
  const connection = Connection.lazy({ address: options.address });
  const starts: WorkflowStarts = new Map();
  const client = new Client({ connection, namespace: options.namespace, interceptors: { workflow: [countingStarts(starts)] } });
  return { client, connection, taskQueue: options.taskQueue, starts, close: () => connection.close() };
}
