/**
 * SIGINT (Ctrl-C) and SIGTERM run the given stop steps once, in order; a second signal while
 * stopping exits at once. A step that fails is logged and the next one still runs.
 */
import type { Logger } from 'pino';

export type StopStep = { name: string; stop: () => Promise<void> };

export async function runStopSteps(steps: StopStep[], logger: Logger): Promise<boolean> {
  let clean = true;
  for (const step of steps) {
    try {
      logger.info(`stopping ${step.name}`);
      await step.stop();
    } catch (error) {
      clean = false;
      logger.error({ err: error }, `stopping ${step.name} failed`);
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
