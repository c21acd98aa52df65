/**
 * Starts the real servers once per `npm test` run and tells every test worker where they are:
 * - PostgreSQL: DATABASE_URL when set (its server is used only to create throw-away databases),
 *   else an embedded PostgreSQL in a temporary folder;
 * - Temporal: TEMPORAL_ADDRESS when set, else the Temporal CLI dev server (in memory, headless);
 * - Mailpit: MAIL_CATCHER_SMTP_URL + MAIL_CATCHER_API_URL when set, else a Mailpit of our own (the
 *   platform SMTP of the tests; tests read what was sent through its REST API);
 * - the workflow bundle, built once (bundling per test file would dominate the run time).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { databaseUrlFor } from '../../db/knex';
import { migrateLatest } from '../../db/migrator';
import { ChildServerError } from '../../ops/child-server';
import { startEmbeddedPostgres } from '../../ops/embedded-postgres';
import { startMailpit, resolveMailpit } from '../../ops/mailpit';
import { freePort } from '../../ops/ports';
import { resolveTemporalCli } from '../../ops/temporal-cli';
import { startTemporalDevServer } from '../../ops/temporal-dev-server';
import { writeWorkflowBundle } from '../../ops/workflow-bundle';
import { ensureWebBuilt, REPO_ROOT } from '../../ops/web-build';
import { HARNESS_ENV, type HarnessState } from './harness-env';

export default async function globalSetup(): Promise<void> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-test-'));
  const state: HarnessState = { workDir, stops: [] };
  (globalThis as { __taalmelHarness?: HarnessState }).__taalmelHarness = state;
  try {
    await startServers(state);
  } catch (error) {
    for (const stop of [...state.stops].reverse()) await stop().catch(() => undefined);
    if (!(error instanceof ChildServerError)) throw error;
    // One line saying what to do, not a stack trace of our harness.
    const short = new Error(error.message);
    short.stack = error.message;
    throw short;
  }
}

async function startServers(state: HarnessState): Promise<void> {
  const { workDir } = state;

  const bundlePath = path.join(workDir, 'workflow-bundle.js');
  const bundling = writeWorkflowBundle(bundlePath);
  // The stacks the e2e tests start serve the web app: build it once here (when its sources changed),
  // not in each stack at the same time.
  await ensureWebBuilt({ outDir: path.join(REPO_ROOT, 'dist', 'web') });

  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const pg = await startEmbeddedPostgres({ dataDir: path.join(workDir, 'postgres'), port: await freePort(), persistent: false });
    state.stops.push(pg.stop);
    adminUrl = pg.url;
  }

  // One migrated template per run; each test file copies it (see database.ts).
  const template = `taalmel_template_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(template)}`);
  await migrateLatest({ url: databaseUrlFor(adminUrl, template), appRole: 'taalmel_app' });
  const adminForTeardown = adminUrl;
  state.stops.push(async () => {
    const client = new pg.Client({ connectionString: adminForTeardown });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(template)} WITH (FORCE)`).finally(() => client.end());
  });
  await admin.end();

  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  if (!temporalAddress) {
    const binary = await resolveTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH || undefined });
    if (!binary) throw new Error('The test suite needs the Temporal CLI: set TEMPORAL_CLI_PATH, put `temporal` on PATH, or install Go so it can be built.');
    // A port taken between freePort() and the server's bind (other runs share the machine) is
    // retried on a new port rather than failing the whole run.
    let server;
    for (let attempt = 1; ; attempt += 1) {
      try {
        server = await startTemporalDevServer({ binary, port: await freePort(), uiPort: null, namespace: 'default', dbFile: null });
        break;
      } catch (error) {
        if (attempt >= 3) throw error;
        process.stderr.write(`Temporal dev server failed to start (attempt ${attempt}), retrying: ${String(error).slice(0, 500)}\n`);
      }
    }
    state.stops.push(server.stop);
    temporalAddress = server.address;
  }
  let mailSmtpUrl = process.env.MAIL_CATCHER_SMTP_URL;
  let mailApiUrl = process.env.MAIL_CATCHER_API_URL;
  if (!mailSmtpUrl || !mailApiUrl) {
    const binary = await resolveMailpit();
    if (!binary) throw new Error('The test suite needs Mailpit: set MAILPIT_PATH, put `mailpit` on PATH, or install Go so it can be built (go install github.com/axllent/mailpit@v1.33.1).');
    const mailpit = await startMailpit({ binary, smtpPort: await freePort(), apiPort: await freePort() });
    state.stops.push(mailpit.stop);
    mailSmtpUrl = mailpit.smtpUrl;
    mailApiUrl = mailpit.apiUrl;
  }
  await bundling;

  process.env[HARNESS_ENV.adminUrl] = adminUrl;
  process.env[HARNESS_ENV.temporalAddress] = temporalAddress;
  process.env[HARNESS_ENV.workflowBundle] = bundlePath;
  process.env[HARNESS_ENV.templateDatabase] = template;
  process.env[HARNESS_ENV.mailSmtpUrl] = mailSmtpUrl;
  process.env[HARNESS_ENV.mailApiUrl] = mailApiUrl;
}
