/**
 * Migration 041 on real PostgreSQL: client emails written with capitals before every write path
 * lower-cased them (a PATCH, a console edit) are brought to lower case, firm by firm, each change
 * audited in its own firm's trail as `client.email_normalised`; addresses already in lower case,
 * and two clients sharing one mailbox, are left as they are. The harness's owner is a superuser,
 * which row-level security does not bind; the second case runs the migration's step as a role it
 * does bind and that may use the system context, as a production owner that is no superuser: the
 * platform role (migration 008; the owner is made a member of it).
 */
import type { Knex } from 'knex';
import { migrations } from '../../../db/migrations';
import { migrateLatest } from '../../../db/migrator';
import pg from 'pg';
import { createTestDatabase, TEST_APP_ROLE, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';

const MIGRATION = '041-client-emails-lower-case';

describe('migration 041: client emails in lower case', () => {
  let db: TestDatabase;
  let firms: TestFirm[];
  beforeAll(async () => {
    db = await createTestDatabase();
    firms = [await createTestFirm(db), await createTestFirm(db)];
  });
  afterAll(() => db.drop());

  it('lower-cases the capitals of every firm, audited in each firm, and nothing else', async () => {
    const source: Knex.MigrationSource<string> = {
      getMigrations: async () => migrations.map((m) => m.name),
      getMigrationName: (name) => name,
      getMigration: async (name) => migrations.find((m) => m.name === name)!.module,
    };
    await db.owner.migrate.down({ migrationSource: source, name: MIGRATION });
    const [a, b] = firms as [TestFirm, TestFirm];
    // As a PATCH or a console edit stored them before: capitals kept; two clients of firm B share one mailbox.
    const written: Array<[TestFirm, number, string]> = [
      [a, 0, 'Ravi.Kumar@Example.COM'],
      [a, 1, 'already@lower.example'],
      [b, 0, 'Shared@Books.Example'],
      [b, 1, 'shared@books.example'],
    ];
    for (const [firm, n, email] of written) await db.owner('clients').where({ id: firm.clients[n]!.id }).update({ email });
    const eventsBefore = Number((await db.owner('audit_events').where({ action: 'client.email_normalised' }).count({ n: '*' }).first())?.n);
    // Which firm was in scope as each client changed: the superuser owner is not bound by row-level
    // security, so only the migration's own filter keeps each step to its firm.
    await db.owner.raw(`
      CREATE TABLE test_scope_seen (client_firm uuid, scope text);
      CREATE FUNCTION test_record_scope() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO test_scope_seen VALUES (NEW.firm_id, current_setting('app.firm_id', true)); RETURN NULL; END $$;
      CREATE TRIGGER clients_test_scope_seen AFTER UPDATE ON clients FOR EACH ROW EXECUTE FUNCTION test_record_scope();`);
    let scopes: Array<{ client_firm: string; scope: string }>;
    try {
      await expect(migrateLatest({ url: db.url, appRole: TEST_APP_ROLE })).resolves.toEqual([MIGRATION]);
      scopes = (await db.owner.raw('SELECT client_firm, scope FROM test_scope_seen')).rows;
    } finally {
      await db.owner.raw('DROP TRIGGER clients_test_scope_seen ON clients; DROP FUNCTION test_record_scope(); DROP TABLE test_scope_seen');
    }
    expect(scopes.filter((s) => s.client_firm !== s.scope)).toEqual([]);
    expect(scopes).toHaveLength(2);

    const stored = await Promise.all(written.map(async ([firm, n]) => (await db.owner('clients').where({ id: firm.clients[n]!.id }).first()).email as string));
    expect(stored).toEqual(['ravi.kumar@example.com', 'already@lower.example', 'shared@books.example', 'shared@books.example']);
    const events = await db.owner('audit_events').where({ action: 'client.email_normalised' }).orderBy('seq').select('firm_id', 'entity_id', 'actor_email', 'before', 'after');
    expect({
      before: eventsBefore,
      events: events.map((e: { firm_id: string; entity_id: string; actor_email: string; before: { email: string }; after: { email: string } }) => ({
        firmId: e.firm_id,
        clientId: e.entity_id,
        actor: e.actor_email,
        from: e.before.email,
        to: e.after.email,
      }))
        // One event in each firm (an event's seq counts within its firm): in the order of `firms`.
        .sort((x, y) => firms.findIndex((f) => f.id === x.firmId) - firms.findIndex((f) => f.id === y.firmId)),
    }).toEqual({
      before: 0,
      events: [
        { firmId: a.id, clientId: a.clients[0]!.id, actor: 'system:migration', from: 'Ravi.Kumar@Example.COM', to: 'ravi.kumar@example.com' },
        { firmId: b.id, clientId: b.clients[0]!.id, actor: 'system:migration', from: 'Shared@Books.Example', to: 'shared@books.example' },
      ],
    });
  });

  it('works under row-level security: each firm in scope in turn, audited there', async () => {
    const [a, b] = firms as [TestFirm, TestFirm];
    await db.owner('clients').where({ id: a.clients[1]!.id }).update({ email: 'Bound@Rls.Example' });
    await db.owner('clients').where({ id: b.clients[1]!.id }).update({ email: 'Also@Bound.Example' });
    const step = migrations.find((m) => m.name === MIGRATION)!.module;
    await db.owner.transaction(async (trx) => {
      await trx.raw(`SET LOCAL ROLE ${pg.escapeIdentifier(`${TEST_APP_ROLE}_platform`)}`);
      await step.up(trx);
    });
    const rows = await db.owner('clients').whereIn('id', [a.clients[1]!.id, b.clients[1]!.id]).select('firm_id', 'email');
    const audited = await db.owner('audit_events').where({ action: 'client.email_normalised' }).whereIn('entity_id', [a.clients[1]!.id, b.clients[1]!.id]).select('firm_id', 'entity_id');
    expect({
      emails: Object.fromEntries(rows.map((r: { firm_id: string; email: string }) => [r.firm_id === a.id ? 'a' : 'b', r.email])),
      auditedInOwnFirm: audited.map((e: { firm_id: string; entity_id: string }) => (e.firm_id === a.id ? e.entity_id === a.clients[1]!.id : e.entity_id === b.clients[1]!.id)),
    }).toEqual({ emails: { a: 'bound@rls.example', b: 'also@bound.example' }, auditedInOwnFirm: [true, true] });
  });
});
