/**
 * Every audited table writes its secret columns as `[secret]` (docs/security-and-tenancy.md, "Audit
 * trail"). The checklist link's token hash was written in the clear into `follow_up_link`
 * snapshots, which firm admins and reviewers read, while the invitation's and the reset's were
 * masked. This reads, from the migrated database itself, every table with an audit trigger and
 * the secret columns its trigger was given, and checks that each column named like a token, a
 * secret, a password or a ciphertext is among them.
 */
import { createTestDatabase, type TestDatabase } from '../../harness/database';

jest.setTimeout(60_000);

/** Columns whose values are credentials wherever they appear (text kept, not timestamps like `token_issued_at`). */
const SECRET_NAME = /(token|secret|password|cipher)/;

describe('secret columns of audited tables', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('masks every token, secret, password and ciphertext column in audit snapshots', async () => {
    const triggers = await db.owner.raw(`
      select c.relname as "table", encode(t.tgargs, 'escape') as args
        from pg_trigger t join pg_class c on c.oid = t.tgrelid
       where not t.tgisinternal and t.tgname = c.relname || '_audit'`);
    const audited = new Map<string, string[]>();
    for (const row of triggers.rows as Array<{ table: string; args: string }>) {
      // audit_row_change(entity, 'secret,columns', 'quiet,columns'): the arguments are NUL-separated.
      const [, secrets = ''] = row.args.split('\\000');
      audited.set(row.table, secrets.split(',').filter(Boolean));
    }
    expect(audited.size).toBeGreaterThan(10);

    const columns = await db.owner('information_schema.columns')
      .where({ table_schema: 'public' })
      .whereIn('data_type', ['text', 'character varying', 'bytea', 'jsonb'])
      .select('table_name', 'column_name');
    const unmasked = columns
      .filter((c: { table_name: string; column_name: string }) => audited.has(c.table_name) && SECRET_NAME.test(c.column_name))
      .filter((c: { table_name: string; column_name: string }) => !audited.get(c.table_name)!.includes(c.column_name))
      .map((c: { table_name: string; column_name: string }) => `${c.table_name}.${c.column_name}`);
    expect(unmasked).toEqual([]);
    // The ones this test exists for.
    expect(audited.get('follow_up_links')).toContain('token_hash');
    expect(audited.get('account_invitations')).toContain('token_hash');
    expect(audited.get('password_resets')).toContain('token_hash');
  });
});
