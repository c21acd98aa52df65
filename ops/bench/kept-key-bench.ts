/**
 * What the benches of a foreign key kept by triggers (db/migrations/helpers/key-by-triggers.ts)
 * share: one embedded PostgreSQL with the schema migrated, a firm with a client and an import
 * written as the owner, the two variants switched by the key's own migration (its down puts the
 * key back, its up the statement check), writes as the application role in a tenant transaction
 * that is rolled back, and the rounds in which the variants take turns (round 0 warms the caches
 * up and is not counted).
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { createKnex, databaseUrlFor } from '../../db/knex';
import { migrateLatest } from '../../db/migrator';
import { inTenantTransaction } from '../../db/tenant';
import { ensureDatabase, startEmbeddedPostgres } from '../embedded-postgres';
import { freePort } from '../ports';

export type Variant = 'foreign key' | 'statement check';

export const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

export type KeyBench = {
  /** Documents a side (`RECON_BENCH_KEY_N`) and the counted rounds (`RECON_BENCH_KEY_ROUNDS`). */
  n: number;
  rounds: number;
  /** The postmaster's pid, for postgresCpu. */
  pgPid: number;
  owner: Knex;
  firmId: string;
  clientId: string;
  importId: string;
  period: string;
  /** Switches the schema to the variant (a no-op when it is in force already). */
  use(v: Variant): Promise<void>;
  /** Runs `fn` as the application role in a tenant transaction of the firm, then rolls it back. */
  rolledBack(fn: (trx: Knex.Transaction) => Promise<void>): Promise<void>;
};

class Rollback extends Error {}

/**
 * Starts the database, runs `bench` on it and tears everything down however it ended; a failure is
 * printed with its stack and exits 1.
 */
export function runKeyBench(options: { tmpPrefix: string; migration: { up(k: Knex): Promise<void>; down(k: Knex): Promise<void> } }, bench: (b: KeyBench) => Promise<void>): void {
  main().catch((e) => {
    process.stderr.write(`${String((e as Error)?.stack ?? e)}\n`);
    process.exit(1);
  });

  async function main(): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), options.tmpPrefix));
    const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort(), persistent: false });
    const url = databaseUrlFor(pg.url, 'bench');
    await ensureDatabase(pg.url, 'bench');
    await migrateLatest({ url, appRole: 'taalmel_app' });
    const owner = createKnex({ url, poolMax: 1 });
    const app = createKnex({ url, appRole: 'taalmel_app', poolMax: 1 });
    try {
      const firmId = randomUUID();
      const period = '2024-06';
      const { clientId, importId } = await owner.transaction(async (trx) => {
        await trx.raw(`select set_config('app.firm_id', ?, true)`, [firmId]);
        await trx('firms').insert({ id: firmId, name: 'Bench firm', slug: `bench-${firmId.slice(0, 8)}` });
        const [client] = await trx('clients').insert({ firm_id: firmId, name: 'Bench client', gstin: '27ABCDE1234F1ZW', email: 'c@bench.example', filing_frequency: 'monthly', state_code: '27' }).returning('id');
        const cid = (client as { id: string }).id;
        const [imp] = await trx('imports').insert({ firm_id: firmId, client_id: cid, kind: 'gstr2b', period, filename: 'x.json' }).returning('id');
        return { clientId: cid, importId: (imp as { id: string }).id };
      });
      let now: Variant = 'statement check';
      await bench({
        n: Number(process.env.RECON_BENCH_KEY_N ?? 100_000),
        rounds: Number(process.env.RECON_BENCH_KEY_ROUNDS ?? 5),
        pgPid: pg.pid,
        owner,
        firmId,
        clientId,
        importId,
        period,
        async use(v) {
          if (now === v) return;
          await (v === 'foreign key' ? options.migration.down(owner) : options.migration.up(owner));
          now = v;
        },
        async rolledBack(fn) {
          await inTenantTransaction(app, { firmId, actor: { userId: null, email: 'bench', role: 'system' } }, async (trx: Knex.Transaction) => {
            await fn(trx);
            throw new Rollback();
          }).catch((e: unknown) => {
            if (!(e instanceof Rollback)) throw e;
          });
        },
      });
    } finally {
      await app.destroy();
      await owner.destroy();
      await pg.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** Rounds 0 to `rounds`, each running both variants, the first of them alternating; `counted` is false in round 0. */
export async function takeTurns(rounds: number, each: (round: number, v: Variant, counted: boolean) => Promise<void>): Promise<void> {
  for (let r = 0; r <= rounds; r += 1) {
    const order: Variant[] = r % 2 === 0 ? ['foreign key', 'statement check'] : ['statement check', 'foreign key'];
    for (const v of order) await each(r, v, r > 0);
  }
}
