/**
 * What GET /readyz reports: PostgreSQL answers, Temporal answers, and a worker polls the api's task
 * queue (both its workflow and its activity side), so a load balancer or a newcomer never sends work
 * that nothing can run yet. Temporal's part is one DescribeTaskQueue per side, cached for a few
 * seconds and shared by concurrent probes, so a busy health checker cannot hammer the server.
 */
import { temporal as proto } from '@temporalio/proto';
import type { Knex } from 'knex';
import type { TemporalHandle } from '../temporal-client';

export type CheckState = 'ok' | 'unavailable' | 'unknown';
/** `level`: what the answer is logged at (readinessLogLevel): a not-yet-ready start is no error. */
export type Readiness = { ready: boolean; checks: { postgres: CheckState; temporal: CheckState; worker: CheckState }; unavailable: string[]; level: 'info' | 'error' };

const CHECK_TIMEOUT_MS = 2000;
/** How long one answer from Temporal stands in for the next probes. */
export const TEMPORAL_CHECK_TTL_MS = 3000;

const { TaskQueueType, TaskQueueKind } = proto.api.enums.v1;

async function databaseAnswers(knex: Knex): Promise<boolean> {
  try {
    await knex.raw('select 1').timeout(CHECK_TIMEOUT_MS, { cancel: true });
    return true;
  } catch {
    return false;
  }
}

type TemporalState = { temporal: CheckState; worker: CheckState };

/** Asks Temporal whether the task queue has pollers of both kinds; Temporal down: the worker is unknown. */
export async function temporalState(handle: TemporalHandle, timeoutMs = CHECK_TIMEOUT_MS): Promise<TemporalState> {
  const { connection } = handle;
  const namespace = handle.client.options.namespace;
  const pollersOf = (taskQueueType: proto.api.enums.v1.TaskQueueType) =>
    connection.withDeadline(Date.now() + timeoutMs, () =>
      connection.workflowService.describeTaskQueue({ namespace, taskQueue: { name: handle.taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL }, taskQueueType }),
    );
  // Both calls end before the answer (allSettled): none is left retrying on a connection that closes.
  const [workflows, activities] = await Promise.allSettled([pollersOf(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW), pollersOf(TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)]);
  if (workflows.status === 'rejected' || activities.status === 'rejected') return { temporal: 'unavailable', worker: 'unknown' };
  const polled = (workflows.value.pollers?.length ?? 0) > 0 && (activities.value.pollers?.length ?? 0) > 0;
  return { temporal: 'ok', worker: polled ? 'ok' : 'unavailable' };
}

/**
 * How long after the api starts a "not ready" is expected rather than a fault: the worker's first
 * poll and a local Temporal dev server take this long on a loaded machine.
 */
export const READINESS_START_GRACE_MS = 120_000;

/**
 * The level GET /readyz's answer is logged at. A 503 before the api was ever ready, within the start
 * grace, is the expected start (info: a newcomer's first minute shows no ERROR lines). A 503 after
 * it was ready once, or once the grace has passed without ever being ready, is an outage: error.
 */
export function readinessLogLevel(answer: { ready: boolean; everReady: boolean; sinceStartMs: number; graceMs?: number }): 'info' | 'error' {
  if (answer.ready) return 'info';
  return !answer.everReady && answer.sinceStartMs < (answer.graceMs ?? READINESS_START_GRACE_MS) ? 'info' : 'error';
}

export class ReadinessProbe {
  private cached: { at: number; state: Promise<TemporalState> } | null = null;
  private readonly startedAt: number;
  private everReady = false;

  constructor(
    private readonly deps: { knex: Knex; temporal: TemporalHandle; ttlMs?: number; now?: () => number; graceMs?: number },
  ) {
    this.startedAt = (deps.now ?? Date.now)();
  }

  /** The level this answer is logged at (readinessLogLevel), from the probe's own history. */
  logLevel(ready: boolean): 'info' | 'error' {
    const sinceStartMs = (this.deps.now ?? Date.now)() - this.startedAt;
    return readinessLogLevel({ ready, everReady: this.everReady, sinceStartMs, graceMs: this.deps.graceMs });
  }

  private temporal(): Promise<TemporalState> {
    const now = (this.deps.now ?? Date.now)();
    if (this.cached && now - this.cached.at < (this.deps.ttlMs ?? TEMPORAL_CHECK_TTL_MS)) return this.cached.state;
    const state = temporalState(this.deps.temporal);
    this.cached = { at: now, state };
    return state;
  }

  async check(): Promise<Readiness> {
    const [postgres, temporal] = await Promise.all([databaseAnswers(this.deps.knex), this.temporal()]);
    const checks = { postgres: postgres ? ('ok' as const) : ('unavailable' as const), ...temporal };
    const unavailable = Object.entries(checks).filter(([, state]) => state === 'unavailable').map(([name]) => name);
    const ready = Object.values(checks).every((state) => state === 'ok');
    const level = this.logLevel(ready);
    if (ready) this.everReady = true;
    return { ready, checks, unavailable, level };
  }
}
