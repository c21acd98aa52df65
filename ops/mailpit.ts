/**
 * Mailpit: a real SMTP server that keeps every message it receives and shows them through a REST
 * API (`/api/v1/messages`). `npm start` runs one and points the platform SMTP at it; the test
 * harness runs one per `npm test`. Found like the Temporal CLI, in this order:
 *   1. MAILPIT_PATH;  2. `mailpit` on PATH;  3. the cache (`~/.cache/taalmel/mailpit`);
 *   4. built once with `go install github.com/axllent/mailpit@v1.33.1` into the cache when Go is present;
 *   otherwise null: the caller says what to install.
 * Built this way its web inbox has no UI assets (they are not in the Go module); the REST API and
 * the product's own outbox show what was sent.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ChildServerError, spawnChildServer, spawnProblem } from './child-server';
import { buildWithGo, goBinary, isExecutable, onPath, taalmelCacheDir, type Say } from './go-binaries';

export const MAILPIT_VERSION = 'v1.33.1';
const SERVER = 'Mailpit (the local mail catcher)';
const GO_PACKAGE = `github.com/axllent/mailpit@${MAILPIT_VERSION}`;

export async function resolveMailpit(options: { explicitPath?: string; env?: NodeJS.ProcessEnv; say?: Say } = {}): Promise<string | null> {
  const env = options.env ?? process.env;
  const say = options.say ?? ((message: string) => process.stderr.write(`${message}\n`));
  const explicit = options.explicitPath ?? env.MAILPIT_PATH;
  if (explicit) {
    if (!isExecutable(explicit)) {
      throw new ChildServerError(SERVER, `MAILPIT_PATH=${explicit} is not an executable file`, 'point MAILPIT_PATH at the mailpit binary, or unset it', '');
    }
    return explicit;
  }
  const fromPath = onPath('mailpit', env);
  if (fromPath) return fromPath;
  const cacheDir = taalmelCacheDir(env);
  // `go install` with GOBIN=<cache> leaves the binary at <cache>/mailpit.
  const cached = path.join(cacheDir, 'mailpit');
  if (isExecutable(cached)) return cached;
  if (isExecutable(path.join(cached, 'mailpit'))) return path.join(cached, 'mailpit');
  const go = goBinary(env);
  if (go && !fs.existsSync(cached)) return buildWithGo({ go, goPackage: GO_PACKAGE, cacheDir, binaryName: 'mailpit', label: `Mailpit ${MAILPIT_VERSION}`, say });
  return null;
}

export type RunningMailpit = { smtpPort: number; smtpUrl: string; apiUrl: string; stop(): Promise<void> };

export async function startMailpit(options: { binary: string; smtpPort: number; apiPort: number; databaseFile?: string | null; onLog?: (line: string) => void; readyTimeoutMs?: number }): Promise<RunningMailpit> {
  const args = [
    '--smtp', `127.0.0.1:${options.smtpPort}`,
    '--listen', `127.0.0.1:${options.apiPort}`,
    '--disable-version-check',
    // Firms' SMTP settings carry a user and password; the catcher accepts any over plain SMTP.
    '--smtp-auth-accept-any', '--smtp-auth-allow-insecure',
    '--max', '5000',
  ];
  if (options.databaseFile) {
    fs.mkdirSync(path.dirname(options.databaseFile), { recursive: true });
    args.push('--database', options.databaseFile);
  }
  const server = spawnChildServer(options.binary, args, { onLine: options.onLog });
  const apiUrl = `http://127.0.0.1:${options.apiPort}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  for (;;) {
    const ended = server.ended();
    if (ended) {
      const taken = /address already in use/i.test(server.output());
      throw new ChildServerError(
        SERVER,
        spawnProblem(options.binary, ended.error) ?? (taken ? `port ${options.smtpPort} or ${options.apiPort} is already in use` : `it exited (code ${ended.code}) before it was ready`),
        taken ? 'stop whatever holds it or set MAIL_SMTP_PORT / MAIL_API_PORT to free ports' : 'check MAILPIT_PATH (or set SMTP_URL to a mail server of your own); LOG_LEVEL=debug shows its log',
        server.output(),
      );
    }
    try {
      const res = await fetch(`${apiUrl}/api/v1/info`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new ChildServerError(SERVER, `it did not answer on ${apiUrl} in time`, 'try again on a less busy machine, or set SMTP_URL to a mail server of your own', server.output());
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { smtpPort: options.smtpPort, smtpUrl: `smtp://127.0.0.1:${options.smtpPort}`, apiUrl, stop: () => server.stop('SIGTERM') };
}
