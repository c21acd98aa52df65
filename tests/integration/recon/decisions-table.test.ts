import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { migrateLatest } from '../../../db/migrator';
import { ReconciliationDecision } from '../../../db/models/reconciliation-decision';
import { inTenantTransaction } from '../../../db/tenant';
import { reviewerSetAside } from '../../../db/reconciliation-set-aside';
import { createTestDatabase, TEST_APP_ROLE, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { undoMigration } from '../../harness/migration-steps';
import { nextPeriod, seedReconciledPeriod } from '../periods/helpers';

const BOOKS_KEY = 'a'.repeat(64);
const PORTAL_KEY = 'b'.repeat(64);

function asStaff<T>(db: TestDatabase, firm: TestFirm, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  const staff = firm.users.staff;
  return inTenantTransaction(db.app, { firmId: firm.id, actor: { userId: staff.id, email: staff.email, role: 'staff' } }, fn);
}

function decision(firm: TestFirm, period: string, overrides: Partial<ReconciliationDecision> = {}): Partial<ReconciliationDecision> {
  return {
    clientId: firm.clients[0]!.id,
    period,
    runId: randomUUID(),
    action: 'link',
    resultId: 'r-000001',
    booksKey: BOOKS_KEY,
    portalKey: PORTAL_KEY,
    note: null,
    createdBy: firm.users.staff.id,
    createdByEmail: firm.users.staff.email,
    ...overrides,
  };
}

function insertDecision(db: TestDatabase, firm: TestFirm, period: string, overrides: Partial<ReconciliationDecision> = {}): Promise<ReconciliationDecision> {
  return asStaff(db, firm, async () => ReconciliationDecision.query().insert(decision(firm, period, overrides)));
}

/** Walks the period through the state machine of migration 005 to closed, as the application role. */
async function closePeriod(db: TestDatabase, firm: TestFirm, period: string): Promise<void> {
  const clientId = firm.clients[0]!.id;
  await asStaff(db, firm, async (trx) => {
    await trx('periods').insert({ firm_id: firm.id, client_id: clientId, period });
    await trx('periods').where({ client_id: clientId, period }).update({ state: 'close_requested' });
    await trx('periods').where({ client_id: clientId, period }).update({ state: 'closed', closed_at: new Date() });
  });
}

describe('reconciliation_decisions (migration 007)', () => {
  let db: TestDatabase;
  let firmA: TestFirm;
  let firmB: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase();
    firmA = await createTestFirm(db, 'Decisions A');
    firmB = await createTestFirm(db, 'Decisions B');
  });
  afterAll(() => db.drop());

  it("shows each firm only its own decisions, and refuses a write into another firm's rows", async () => {
    const period = nextPeriod();
    const a = await insertDecision(db, firmA, period, { note: 'same invoice, typo in the number' });
    const b = await insertDecision(db, firmB, period, { clientId: firmB.clients[0]!.id, createdBy: firmB.users.staff.id, createdByEmail: firmB.users.staff.email });
    expect(a.firmId).toBe(firmA.id);
    expect(b.firmId).toBe(firmB.id);

    for (const [firm, own] of [[firmA, a], [firmB, b]] as const) {
      const seen = await asStaff(db, firm, async (trx) => ({
        model: await ReconciliationDecision.query().orderBy('created_at'),
        // Unscoped on purpose: row-level security alone must hide the other firm.
        raw: (await trx.raw('select id, firm_id from reconciliation_decisions')).rows as Array<{ id: string; firm_id: string }>,
      }));
      expect(seen.model.map((d) => d.id)).toEqual([own.id]);
      expect(seen.model[0]).toMatchObject({ action: 'link', booksKey: BOOKS_KEY, portalKey: PORTAL_KEY, revokedAt: null, createdByEmail: firm.users.staff.email });
      expect(seen.raw).toEqual([{ id: own.id, firm_id: firm.id }]);
    }
    expect((await db.app.raw('select * from reconciliation_decisions')).rows).toEqual([]);

    await expect(
      asStaff(db, firmA, (trx) =>
        trx('reconciliation_decisions').insert({
          firm_id: firmB.id, client_id: firmB.clients[0]!.id, period, run_id: randomUUID(), action: 'accept', result_id: 'r-1',
          books_key: BOOKS_KEY, created_by: firmB.users.staff.id, created_by_email: firmB.users.staff.email,
        }),
      ),
    ).rejects.toThrow(/row-level security/);
    expect(await asStaff(db, firmA, (trx) => trx('reconciliation_decisions').where({ id: b.id }).update({ note: 'hijack' }))).toBe(0);
    expect((await db.owner('reconciliation_decisions').where({ id: b.id }).first()).note).toBeNull();
  });

  it('revokes through an update and never deletes', async () => {
    const period = nextPeriod();
    const first = await insertDecision(db, firmA, period, { action: 'ignore', portalKey: null, note: 'supplier cancelled the invoice' });
    const second = await insertDecision(db, firmA, period, { action: 'clear', portalKey: null });
    const revokedAt = new Date();
    await asStaff(db, firmA, async () => ReconciliationDecision.query().findById(first.id).patch({ revokedAt, revokedBy: second.id }));
    const stored = await asStaff(db, firmA, async () => ReconciliationDecision.query().findById(first.id));
    expect(stored).toMatchObject({ revokedBy: second.id, revokedAt });

    await expect(asStaff(db, firmA, (trx) => trx('reconciliation_decisions').where({ id: first.id }).delete())).rejects.toThrow(/permission denied/);
    const { rows } = await db.owner.raw(
      `select privilege_type from information_schema.role_table_grants where grantee = ? and table_name = 'reconciliation_decisions' order by 1`,
      [TEST_APP_ROLE],
    );
    expect(rows.map((r: { privilege_type: string }) => r.privilege_type)).toEqual(['INSERT', 'SELECT', 'UPDATE']);
  });

  it('refuses a decision that names neither document', async () => {
    await expect(insertDecision(db, firmA, nextPeriod(), { booksKey: null, portalKey: null })).rejects.toThrow(/reconciliation_decisions_has_document/);
    await expect(insertDecision(db, firmA, nextPeriod(), { action: 'split' as never })).rejects.toThrow(/check constraint/);
    await expect(insertDecision(db, firmA, '2025-13')).rejects.toThrow(/check constraint/);
  });

  it("refuses writes to a closed period's decisions with period_closed", async () => {
    const period = nextPeriod();
    const earlier = await insertDecision(db, firmA, period, { action: 'accept', resultId: 'r-000007' });
    await closePeriod(db, firmA, period);

    await expect(insertDecision(db, firmA, period)).rejects.toThrow(/period_closed: period .* is closed \(INSERT on reconciliation_decisions refused\)/);
    await expect(
      asStaff(db, firmA, async () => ReconciliationDecision.query().findById(earlier.id).patch({ revokedAt: new Date(), revokedBy: randomUUID() })),
    ).rejects.toThrow(/period_closed/);
    expect((await db.owner('reconciliation_decisions').where({ id: earlier.id }).first()).revoked_at).toBeNull();

    // Control: the same client's other period, and the other client's same period, still take decisions.
    await expect(insertDecision(db, firmA, nextPeriod())).resolves.toBeInstanceOf(ReconciliationDecision);
    await expect(insertDecision(db, firmA, period, { clientId: firmA.clients[1]!.id })).resolves.toBeInstanceOf(ReconciliationDecision);
  });

  it('writes an audit event for every insert and revocation, in the actor’s name', async () => {
    const period = nextPeriod();
    const made = await insertDecision(db, firmA, period, { action: 'pending', booksKey: null, note: 'invoice of next month' });
    const events = () => db.owner('audit_events').where({ entity_type: 'reconciliation_decision', entity_id: made.id }).orderBy('seq');
    const [created] = await events();
    expect(created).toMatchObject({
      firm_id: firmA.id,
      action: 'reconciliation_decision.create',
      actor_id: firmA.users.staff.id,
      actor_email: firmA.users.staff.email,
      actor_role: 'staff',
      before: null,
    });
    expect(created.after).toMatchObject({ id: made.id, action: 'pending', books_key: null, portal_key: PORTAL_KEY, period, note: 'invoice of next month' });

    await asStaff(db, firmA, async () => ReconciliationDecision.query().findById(made.id).patch({ revokedAt: new Date(), revokedBy: randomUUID() }));
    const all = await events();
    expect(all.map((e: { action: string }) => e.action)).toEqual(['reconciliation_decision.create', 'reconciliation_decision.update']);
    expect(all[1].before.revoked_at).toBeNull();
    expect(all[1].after.revoked_at).not.toBeNull();
  });

  it('stores a result between two others (seq 1.5) and finds result rows by their engine id', async () => {
    const period = nextPeriod();
    const { runId } = await seedReconciledPeriod(db, firmA.id, firmA.clients[0]!.id, period);
    const result = (seq: number, id: string) => ({ firm_id: firmA.id, client_id: firmA.clients[0]!.id, run_id: runId, period, seq, category: 'matched', row: { id } });
    await asStaff(db, firmA, (trx) => trx('reconciliation_results').insert([result(1, 'r-1'), result(2, 'r-2'), result(1.5, 'r-1b')]));

    const rows = await asStaff(db, firmA, (trx) => trx('reconciliation_results').where({ run_id: runId }).orderBy('seq').select('seq', trx.raw(`row->>'id' as id`)));
    expect(rows).toEqual([{ seq: 1, id: 'r-1' }, { seq: 1.5, id: 'r-1b' }, { seq: 2, id: 'r-2' }]);

    const plan = await asStaff(db, firmA, async (trx) => {
      await trx.raw('set local enable_seqscan = off');
      return (await trx.raw(`explain select seq from reconciliation_results where firm_id = ? and run_id = ? and row->>'id' = 'r-1b'`, [firmA.id, runId])).rows;
    });
    expect(JSON.stringify(plan)).toMatch(/reconciliation_results_row_id_idx/);
  });

  it("reads a run's ignored rows by the partial index of migration 030, never the run's other rows", async () => {
    const period = nextPeriod();
    const clientId = firmA.clients[0]!.id;
    const { runId } = await seedReconciledPeriod(db, firmA.id, clientId, period);
    const row = (seq: number) => ({
      firm_id: firmA.id, client_id: clientId, run_id: runId, period, seq, category: 'missing_in_2b', supplier_gstin: `27AAAAA${String(seq % 50).padStart(4, '0')}A1Z5`,
      row: { id: `r-${seq}`, category: 'missing_in_2b', itc: { atRisk: { igst: 100, cgst: 0, sgst: 0, cess: 0 } }, ...(seq % 500 === 0 ? { userStatus: 'ignored' } : {}) },
    });
    await asStaff(db, firmA, async (trx) => {
      for (let at = 1; at <= 5000; at += 1000) await trx('reconciliation_results').insert(Array.from({ length: 1000 }, (_, i) => row(at + i)));
    });
    await insertDecision(db, firmA, period, { action: 'ignore', note: 'not pursued', runId, booksKey: null });
    await db.owner.raw('analyze reconciliation_results');

    // The set-aside figures' own query, as the views run it, explained in the same tenant transaction.
    const queries: Array<{ sql: string; bindings: readonly unknown[] }> = [];
    const listen = (q: { sql: string; bindings?: readonly unknown[] }) => {
      if (q.sql.includes("'userStatus'")) queries.push({ sql: q.sql, bindings: q.bindings ?? [] });
    };
    db.app.on('query', listen);
    const { aside, plan } = await asStaff(db, firmA, async (trx) => {
      const found = await reviewerSetAside(trx, { id: runId });
      db.app.off('query', listen);
      expect(queries).toHaveLength(1);
      await trx.raw('set local enable_seqscan = off');
      return { aside: found, plan: (await trx.raw(`explain ${queries[0]!.sql.replace(/\$\d+/g, '?')}`, queries[0]!.bindings as Knex.RawBinding[])).rows as Array<{ 'QUERY PLAN': string }> };
    }).finally(() => db.app.off('query', listen));
    // Ten ignored rows of 5,000 (every 500th), each 100 paise of IGST at risk.
    expect({ counts: aside.counts, total: aside.total }).toEqual({ counts: { missing_in_2b: 10 }, total: 1_000 });
    const text = plan.map((p) => p['QUERY PLAN']).join('\n');
    expect(text).toMatch(/reconciliation_results_ignored_idx/);
  });
});

describe('migration 007 down and up again', () => {
  let db: TestDatabase;
  let firm: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase();
    firm = await createTestFirm(db);
  });
  afterAll(() => db.drop());

  it('renumbers split runs in their order, restores integer seqs and drops the table; up restores it all', async () => {
    const period = nextPeriod();
    const clientId = firm.clients[0]!.id;
    const { runId } = await seedReconciledPeriod(db, firm.id, clientId, period);
    const { runId: wholeRunId } = await seedReconciledPeriod(db, firm.id, clientId, nextPeriod());
    const result = (run: string, seq: number, id: string) => ({ firm_id: firm.id, client_id: clientId, run_id: run, period, seq, category: 'matched', row: { id } });
    await db.owner('reconciliation_results').insert([
      result(runId, 0, 'a'), result(runId, 1, 'b'), result(runId, 1.5, 'c'), result(runId, 1.75, 'd'), result(runId, 2, 'e'),
      result(wholeRunId, 0, 'x'), result(wholeRunId, 4, 'y'),
    ]);

    // By name: later migrations stay applied (none of them depends on this table).
    await undoMigration(db, '007-reconciliation-decisions');
    expect(await db.owner.schema.hasTable('reconciliation_decisions')).toBe(false);
    const type = await db.owner.raw(`select data_type from information_schema.columns where table_name = 'reconciliation_results' and column_name = 'seq'`);
    expect(type.rows[0].data_type).toBe('integer');
    const after = async (run: string) => (await db.owner('reconciliation_results').where({ run_id: run }).orderBy('seq').select('seq', db.owner.raw(`row->>'id' as id`)));
    expect(await after(runId)).toEqual([{ seq: 0, id: 'a' }, { seq: 1, id: 'b' }, { seq: 2, id: 'c' }, { seq: 3, id: 'd' }, { seq: 4, id: 'e' }]);
    expect(await after(wholeRunId)).toEqual([{ seq: 0, id: 'x' }, { seq: 4, id: 'y' }]);
    expect((await db.owner.raw(`select 1 from pg_indexes where indexname = 'reconciliation_results_row_id_idx'`)).rows).toEqual([]);

    await expect(migrateLatest({ url: db.url, appRole: TEST_APP_ROLE })).resolves.toEqual(['007-reconciliation-decisions']);
    expect(await db.owner.schema.hasTable('reconciliation_decisions')).toBe(true);
    await expect(insertDecision(db, firm, nextPeriod())).resolves.toBeInstanceOf(ReconciliationDecision);
  });
});
