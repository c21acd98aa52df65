import type { TestApi } from './api';

/** The starts of one workflow type by the api: how many were asked for, and a step to run just before the next. */
export type StartHook = { count: number; beforeNext: (() => Promise<void>) | null };

/**
 * Wraps the api's Temporal client so that a test sees each start of `workflowType` the api asks for
 * and can hold or fail the next one (`beforeNext` runs once, before the real start): how the
 * record-then-start tests put a slow or failing Temporal between a request's commit and its start.
 */
export function hookStarts(api: TestApi, workflowType: string): StartHook {
  const hook: StartHook = { count: 0, beforeNext: null };
  const workflows = api.temporal.client.workflow;
  const start = workflows.start.bind(workflows);
  workflows.start = (async (type: unknown, options: never) => {
    if (type === workflowType) {
      hook.count += 1;
      const next = hook.beforeNext;
      hook.beforeNext = null;
      await next?.();
    }
    return start(type as never, options);
  }) as typeof workflows.start;
  return hook;
}
