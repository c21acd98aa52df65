/**
 * A child server that cannot start says so in one line, naming the server and what to do, instead
 * of an unhandled error event or a stack trace: a binary that may not be run, one that is missing,
 * and a port already taken (the embedded PostgreSQL, a real one).
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ChildServerError } from '../../../ops/child-server';
import { startEmbeddedPostgres } from '../../../ops/embedded-postgres';
import { startMailpit } from '../../../ops/mailpit';
import { freePort } from '../../../ops/ports';
import { startTemporalDevServer } from '../../../ops/temporal-dev-server';

jest.setTimeout(120_000);

async function failure(start: () => Promise<unknown>): Promise<ChildServerError> {
  try {
    await start();
  } catch (error) {
    if (error instanceof ChildServerError) return error;
    throw new Error(`expected a ChildServerError, got: ${String((error as Error).stack ?? error)}`);
  }
  throw new Error('the server started');
}

describe('a child server that cannot start', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-child-fail-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('Mailpit whose binary may not be run: one line naming EACCES and MAILPIT_PATH', async () => {
    const binary = path.join(dir, 'mailpit');
    fs.writeFileSync(binary, '#!/bin/sh\n', { mode: 0o644 });
    const error = await failure(async () => startMailpit({ binary, smtpPort: await freePort(), apiPort: await freePort(), readyTimeoutMs: 20_000 }));
    expect(error.message).not.toContain('\n');
    expect(error.message).toBe(`Mailpit (the local mail catcher) could not start: ${binary} may not be run by the user it runs as (EACCES). Check MAILPIT_PATH (or set SMTP_URL to a mail server of your own); LOG_LEVEL=debug shows its log.`);
  });

  it('the Temporal dev server whose binary is missing: one line naming ENOENT and what to set', async () => {
    const binary = path.join(dir, 'no-such-temporal');
    const error = await failure(async () => startTemporalDevServer({ binary, port: await freePort(), uiPort: null, namespace: 'default', dbFile: null, readyTimeoutMs: 20_000 }));
    expect(error.message).not.toContain('\n');
    expect(error.message).toContain(`The Temporal dev server could not start: ${binary} does not exist (ENOENT)`);
    expect(error.message).toContain('TEMPORAL_CLI_PATH');
  });

  it('the embedded PostgreSQL on a taken port: one line naming the port and EMBEDDED_PG_PORT', async () => {
    const port = await freePort();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', () => resolve()));
    try {
      const error = await failure(() => startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres'), port, persistent: false, readyTimeoutMs: 60_000 }));
      expect(error.message).not.toContain('\n');
      expect(error.message).toBe(`The embedded PostgreSQL could not start: port ${port} is already in use. Stop whatever holds it or set EMBEDDED_PG_PORT to a free port.`);
    } finally {
      blocker.close();
    }
  });
});
