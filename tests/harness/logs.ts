/** A real pino logger (same redaction as production) whose lines the test can read back. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../ops/logger';

export type CapturedLogger = { logger: Logger; lines: string[]; text(): string };

export function captureLogger(level = 'debug'): CapturedLogger {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      callback();
    },
  });
  const logger = createLogger({ level, pretty: false, destination });
  return { logger, lines, text: () => lines.join('\n') };
}
