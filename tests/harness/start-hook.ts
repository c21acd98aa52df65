import type { TestApi } from './api';

/**
 * The starts of one workflow type by the api: how many were asked for, a step to run just before the
 * next, and one to run just after it (once Temporal accepted it: throwing there is the api stopping
 * between that accept and whatever it writes after it).
 */
export type StartHook = { count: number; beforeNext: (() => Promise<void>) | null; afterNext: (() => Promise<void>) | null };

/**
 * Wraps the api's Temporal client so that a test sees each start of `workflowType` the api asks for
 * and can hold or fail the next one (`beforeNext` runs once, before the real start; `afterNext` once,
 * after it): how the record-then-start tests put a slow or failing Temporal between a request's commit
 * and its start, or an api that stops right after Temporal accepted it.
 */
export function hookStarts(api: TestApi, workflowType: string): StartHook {
  const hook: StartHook = { count: 0, beforeNext: null, afterNext: null };
  const workflows = api.temporal.client.workflow;
  const start = workflows.start.bind(workflows);
  workflows.start = (async (type: unknown, options: never) => {
    if (type !== workflowType) return start(type as never, options);
    hook.count += 1;
    const [before, after] = [hook.beforeNext, hook.afterNext];
    hook.beforeNext = null;
    hook.afterNext = null;
    await before?.();
    const started = await start(type as never, options);
    await after?.();
    return started;
  }) as typeof workflows.start;
  return hook;
}
