/**
 * SIGINT (Ctrl-C) and SIGTERM run the given stop steps once, in order; a second signal while
 * stopping exits at once. A step that fails is logged and the next one still runs; so does a step
 * that does not finish within its time limit (it is abandoned: the process exits after the last
 * step whatever the abandoned one still waits for), so a stop always ends in bounded time.
 */
import type { Logger } from 'pino';

export type StopStep = { name: string; stop: () => Promise<void>; /** Default STEP_LIMIT_MS. */ limitMs?: number };

/** A step's own grace (the api's is shorter) plus room to close what it holds. */
export const STEP_LIMIT_MS = 30_000;

export async function runStopSteps(steps: StopStep[], logger: Logger): Promise<boolean> {
  let clean = true;
  for (const step of steps) {
    let timer: NodeJS.Timeout | undefined;
    try {
      logger.info(`stopping ${step.name}`);
      const limitMs = step.limitMs ?? STEP_LIMIT_MS;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), limitMs);
      });
      if ((await Promise.race([step.stop().then(() => 'done' as const), late])) === 'late') {
        clean = false;
        logger.error(`${step.name} did not stop within ${Math.round(limitMs / 1000)} s: moving on`);
      }
    } catch (error) {
      clean = false;
      logger.error({ err: error }, `stopping ${step.name} failed`);
    } finally {
      clearTimeout(timer);
    }
  }
  return clean;
}

export function stopOnSignals(steps: () => StopStep[], logger: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn(`${signal} again: exiting without waiting`);
      process.exit(130);
    }
    stopping = true;
    logger.info(`${signal} received: shutting down`);
    runStopSteps(steps(), logger).then(
      (clean) => process.exit(clean ? 0 : 1),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
