/**
 * pino, JSON in production and pretty in development. Every line written inside a request (or job)
 * carries its request id, taken from the async context, so a request can be followed across modules.
 * Anything that looks like a secret is redacted by key name, at any depth we log. Errors (`err`, and
 * `error` as the Temporal SDK names them) are written without what a database error quotes of its
 * rows (db/scrub-db-error.ts).
 */
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { currentContext } from '../db/request-context';
import { scrubDatabaseError } from '../db/scrub-db-error';

export type { Logger };

const SECRET_KEYS = [
  'password', 'newPassword', 'currentPassword', 'passwordHash', 'password_hash',
  'token', 'accessToken', 'refreshToken', 'secret', 'totpSecret', 'totp_secret', 'totp', 'code',
  'authorization', 'cookie', 'set-cookie', 'apiKey', 'api_key', 'privateKey', 'clientSecret',
  'ciphertext', 'encryptionKey', 'uploadUrl',
];

function redactPaths(): string[] {
  const paths: string[] = [];
  for (const key of SECRET_KEYS) {
    const k = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
    const join = (prefix: string) => (k.startsWith('[') ? `${prefix}${k}` : `${prefix}.${k}`);
    paths.push(k, join('*'), join('*.*'), join('*.*.*'));
  }
  return paths;
}

/** pino's own error serializer (which leaves anything but an error as it is), given the error with its database details scrubbed. */
function safeError(value: unknown): unknown {
  return pino.stdSerializers.err(scrubDatabaseError(value) as Error);
}

export type LoggerOptions = { level: string; pretty: boolean; destination?: pino.DestinationStream };

export function createLogger(options: LoggerOptions): Logger {
  const base: pino.LoggerOptions = {
    level: options.level,
    redact: { paths: redactPaths(), censor: '[redacted]' },
    serializers: { err: safeError, error: safeError },
    mixin() {
      const context = currentContext();
      return context ? { requestId: context.requestId } : {};
    },
  };
  if (options.destination) return pino(base, options.destination);
  if (options.pretty) {
    return pino(base, pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true }));
  }
  return pino(base);
}
