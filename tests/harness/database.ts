/**
 * A throw-away database per test file, copied from a template database the global setup migrated
 * once (copying is much faster than migrating per file), dropped afterwards. `app` connects as the
 * application role (RLS applies), `owner` as the tables' owner (for setup, and for tests that play
 * someone with direct database access).
 */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import pg from 'pg';
import { createKnex, databaseUrlFor } from '../../db/knex';
import { harnessValue } from './harness-env';

export const TEST_APP_ROLE = 'taalmel_app';

export type TestDatabase = { name: string; url: string; app: Knex; owner: Knex; drop(): Promise<void> };

export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: harnessValue('adminUrl') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function createFromTemplate(name: string, template: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await adminQuery(`CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE ${pg.escapeIdentifier(template)}`);
      return;
    } catch (error) {
      // Two files copying the template at the same instant can see each other as "other users".
      if (attempt >= 10 || !/being accessed by other users/.test(String(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

export async function createTestDatabase(options: { poolMax?: number } = {}): Promise<TestDatabase> {
  const name = `taalmel_test_${randomBytes(6).toString('hex')}`;
  await createFromTemplate(name, harnessValue('templateDatabase'));
  const url = databaseUrlFor(harnessValue('adminUrl'), name);
  const app = createKnex({ url, appRole: TEST_APP_ROLE, poolMax: options.poolMax ?? 5, applicationName: 'taalmel-test-app' });
  const owner = createKnex({ url, poolMax: 2, applicationName: 'taalmel-test-owner' });
  return {
    name,
    url,
    app,
    owner,
    async drop() {
      await app.destroy();
      await owner.destroy();
      await adminQuery(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    },
  };
}
