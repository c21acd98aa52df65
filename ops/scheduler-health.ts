/**
 * The scheduler's health (docs/operations.md, "Health checks"). The scheduler has no port, so it
 * proves itself through a heartbeat file: a node-cron task of its own, on the same cron engine as
 * the jobs, asks Temporal (the one service the scheduler needs: it only starts workflows) for the
 * namespace and writes the time and the answer. The container's health check reads the file: healthy
 * only while the last tick is recent and Temporal answered it. A scheduler whose event loop or cron
 * engine is stuck stops writing, and turns unhealthy within three heartbeats.
 */
import fs from 'node:fs';
import path from 'node:path';
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';

export type Heartbeat = { at: string; everySeconds: number; pid: number; temporal: { ok: true } | { ok: false; error: string } };
export type SchedulerHealth = { ok: boolean; detail: string };

/** Heartbeats missed before the scheduler counts as stuck (one late tick, or one slow answer, is not). */
export const MISSED_HEARTBEATS = 3;

/** A node-cron expression (with seconds) for a heartbeat every `everySeconds`, which must divide a minute. */
export function heartbeatCron(everySeconds: number): string {
  if (!Number.isInteger(everySeconds) || everySeconds < 1 || everySeconds > 30 || 60 % everySeconds !== 0) {
    throw new Error(`the scheduler's heartbeat must divide a minute (1 to 30 seconds), not ${everySeconds}`);
  }
  return `*/${everySeconds} * * * * *`;
}

/** The file parsed and checked field by field; null when it is not a heartbeat (empty, truncated, edited). */
function parseHeartbeat(text: string): Heartbeat | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const beat = value as Partial<Heartbeat>;
  const temporal = beat.temporal as { ok?: unknown; error?: unknown } | undefined;
  if (typeof beat.at !== 'string' || !Number.isFinite(new Date(beat.at).getTime())) return null;
  if (typeof beat.everySeconds !== 'number' || !Number.isFinite(beat.everySeconds) || beat.everySeconds <= 0) return null;
  if (typeof temporal !== 'object' || temporal === null || typeof temporal.ok !== 'boolean') return null;
  if (temporal.ok === false && typeof temporal.error !== 'string') return null;
  return beat as Heartbeat;
}

/**
 * Pure: what the heartbeat file says at `now`. No file, a malformed one, a stale tick or a Temporal
 * that did not answer is unhealthy; it answers with the reason and never throws.
 */
export function judgeHeartbeat(text: string | null, now: Date): SchedulerHealth {
  if (text === null) return { ok: false, detail: 'no heartbeat: the scheduler has not ticked yet' };
  const beat = parseHeartbeat(text);
  if (beat === null) return { ok: false, detail: 'the heartbeat file is malformed (not a heartbeat the scheduler writes)' };
  const ageSeconds = Math.round((now.getTime() - new Date(beat.at).getTime()) / 1000);
  const limit = beat.everySeconds * MISSED_HEARTBEATS;
  if (ageSeconds > limit) return { ok: false, detail: `the last tick was ${ageSeconds} s ago (expected every ${beat.everySeconds} s): the scheduler is stuck or stopped` };
  if (!beat.temporal.ok) return { ok: false, detail: `Temporal did not answer the last tick (${ageSeconds} s ago): ${beat.temporal.error}` };
  return { ok: true, detail: `ticked ${ageSeconds} s ago; Temporal answers` };
}

export function checkSchedulerHealth(file: string, now = new Date()): SchedulerHealth {
  let text: string | null = null;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return { ok: false, detail: `the heartbeat file cannot be read: ${(error as Error).message}` };
  }
  return judgeHeartbeat(text, now);
}

export type RunningHeartbeat = { task: ScheduledTask; beat(): Promise<void>; stop(): Promise<void> };

/**
 * Starts the heartbeat: one beat now, then one per `everySeconds` on node-cron. `probe` asks
 * Temporal and must settle within the interval (the caller gives it a deadline). Starting removes
 * any file left behind, before the first beat: a scheduler that crashed leaves its last beat, and in
 * a container the restarted one has the same pid (1), so that beat would read healthy until it aged.
 * Stopping removes the file too, so a scheduler that was stopped is not reported healthy by its last
 * beat. The file is the owner's alone (0600).
 */
export function startHeartbeat(options: { file: string; everySeconds: number; probe: () => Promise<void>; logger: Logger }): RunningHeartbeat {
  const { file, everySeconds, logger } = options;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.rmSync(file, { force: true });
  fs.rmSync(`${file}.partial`, { force: true });
  let stopped = false;
  const beat = async () => {
    let temporal: Heartbeat['temporal'] = { ok: true };
    try {
      await options.probe();
    } catch (error) {
      temporal = { ok: false, error: (error as Error).message.slice(0, 300) };
      logger.warn({ err: error }, 'scheduler heartbeat: Temporal did not answer');
    }
    if (stopped) return; // a beat that was in flight when the scheduler stopped writes nothing
    const heartbeat: Heartbeat = { at: new Date().toISOString(), everySeconds, pid: process.pid, temporal };
    // Written whole and renamed: the check never reads half a file.
    fs.writeFileSync(`${file}.partial`, JSON.stringify(heartbeat), { mode: 0o600 });
    fs.renameSync(`${file}.partial`, file);
  };
  const task = cron.schedule(heartbeatCron(everySeconds), () => beat().catch((error: unknown) => logger.error({ err: error }, 'scheduler heartbeat could not be written')), { name: 'heartbeat', noOverlap: true });
  void beat().catch((error: unknown) => logger.error({ err: error }, 'scheduler heartbeat could not be written'));
  return {
    task,
    beat,
    async stop() {
      stopped = true;
      await task.destroy();
      fs.rmSync(file, { force: true });
    },
  };
}
