/**
 * Migration 044 on real PostgreSQL: users' addresses, invitations' addresses and supplier chases'
 * addresses stored with capitals before every write lower-cased them are brought to lower case,
 * firm by firm, each change audited in its own firm's trail (`user.email_normalised`,
 * `invitation.email_normalised`, `follow_up.supplier_email_normalised`) by `system:migration`, and
 * nothing else changes. No two rows can meet: the database never held two users, or two pending
 * invitations of a firm, whose addresses lower-case alike (the second case shows the indexes
 * refusing them). The last case runs the migration's step as a role row-level security binds, as
 * migration 041's test does.
 */
import { randomUUID } from 'node:crypto';
import { verifyAuditChain } from '../../../db/audit';
import type { TestDatabase } from '../../harness/database';
import type { TestFirm } from '../../harness/factories';
import { runStepAsPlatformRole, scopesSeenMigrating, undoMigration } from '../../harness/migration-steps';
import { withTwoFirms } from '../../harness/two-firms';

const MIGRATION = '044-user-emails-lower-case';
const TABLES = ['users', 'account_invitations', 'follow_ups'] as const;

/** A supplier chase of the firm's first client (over an empty run), its workflow not started. */
async function supplierChase(db: TestDatabase, firm: TestFirm, supplierEmail: string): Promise<string> {
  const base = { firm_id: firm.id, client_id: firm.clients[0]!.id, period: '2024-06' };
  const [register] = await db.owner('imports').insert({ ...base, kind: 'purchase_register', status: 'validated', rows: 0 }).returning('id');
  const [twoB] = await db.owner('imports').insert({ ...base, kind: 'gstr2b', status: 'validated', rows: 0 }).returning('id');
  const [run] = await db.owner('reconciliation_runs')
    .insert({ ...base, register_import_id: register.id, gstr2b_import_id: twoB.id, workflow_id: `recon-${randomUUID()}`, status: 'completed' })
    .returning('id');
  const id = randomUUID();
  await db.owner('follow_ups').insert({
    ...base, id, title: 'Missing invoices', due_date: '2030-01-01', owner_id: firm.users.staff.id, created_by: firm.users.staff.id, policy: {}, clock: { kind: 'ist' },
    workflow_id: `follow-up-${id}`, reconciliation_run_id: run.id, recipient: 'supplier', supplier_email: supplierEmail,
  });
  return id;
}

async function invitation(db: TestDatabase, firm: TestFirm, email: string): Promise<string> {
  const [row] = await db.owner('account_invitations')
    .insert({ firm_id: firm.id, email, name: 'Invitee', role: 'staff', expires_at: new Date(Date.now() + 3_600_000), invited_by: firm.users.firm_admin.id })
    .returning('id');
  return row.id as string;
}

describe('migration 044: users\', invitations\' and supplier chases\' emails in lower case', () => {
  const t = withTwoFirms({});

  it('lower-cases the capitals of every firm, audited in each firm, and nothing else', async () => {
    const db = t.db;
    await undoMigration(db, MIGRATION);
    const [a, b] = [t.firm, t.other];
    const tag = randomUUID().slice(0, 8);
    // As earlier write paths stored them: capitals kept.
    await db.owner('users').where({ id: a.users.manager.id }).update({ email: `Manager.${tag}@Firm.TEST` });
    await db.owner('users').where({ id: b.users.client.id }).update({ email: `PORTAL.${tag}@client.example` });
    const invited = { capitals: await invitation(db, a, `New.Joiner.${tag}@Firm.Test`), lower: await invitation(db, b, `already.${tag}@firm.test`) };
    const chase = await supplierChase(db, b, `Accounts.${tag}@Supplier.Example`);
    const eventsBefore = Number((await db.owner('audit_events').whereLike('action', '%email_normalised').count({ n: '*' }).first())?.n);

    const scopes = await scopesSeenMigrating(db, MIGRATION, TABLES);
    expect(scopes.filter((s) => s.row_firm !== s.scope)).toEqual([]);
    expect(scopes.map((s) => s.tbl).sort()).toEqual(['account_invitations', 'follow_ups', 'users', 'users']);

    const email = async (table: string, id: string, column = 'email') => (await db.owner(table).where({ id }).first())[column] as string;
    expect({
      manager: await email('users', a.users.manager.id),
      portal: await email('users', b.users.client.id),
      untouched: await email('users', a.users.staff.id),
      invited: await email('account_invitations', invited.capitals),
      invitedLower: await email('account_invitations', invited.lower),
      supplier: await email('follow_ups', chase, 'supplier_email'),
    }).toEqual({
      manager: `manager.${tag}@firm.test`,
      portal: `portal.${tag}@client.example`,
      untouched: a.users.staff.email,
      invited: `new.joiner.${tag}@firm.test`,
      invitedLower: `already.${tag}@firm.test`,
      supplier: `accounts.${tag}@supplier.example`,
    });

    const events = await db.owner('audit_events').whereLike('action', '%email_normalised').select('firm_id', 'action', 'entity_id', 'actor_email', 'actor_role', 'before', 'after');
    type Event = { firm_id: string; action: string; entity_id: string; actor_email: string; actor_role: string; before: Record<string, string>; after: Record<string, string> };
    const seen = (events as Event[])
      .map((e) => {
        const column = e.action === 'follow_up.supplier_email_normalised' ? 'supplier_email' : 'email';
        return { firm: e.firm_id === a.id ? 'a' : 'b', action: e.action, entityId: e.entity_id, actor: `${e.actor_email}/${e.actor_role}`, from: e.before[column], to: e.after[column] };
      })
      .sort((x, y) => `${x.firm}${x.action}`.localeCompare(`${y.firm}${y.action}`));
    expect({ before: eventsBefore, events: seen }).toEqual({
      before: 0,
      events: [
        { firm: 'a', action: 'invitation.email_normalised', entityId: invited.capitals, actor: 'system:migration/system', from: `New.Joiner.${tag}@Firm.Test`, to: `new.joiner.${tag}@firm.test` },
        { firm: 'a', action: 'user.email_normalised', entityId: a.users.manager.id, actor: 'system:migration/system', from: `Manager.${tag}@Firm.TEST`, to: `manager.${tag}@firm.test` },
        { firm: 'b', action: 'follow_up.supplier_email_normalised', entityId: chase, actor: 'system:migration/system', from: `Accounts.${tag}@Supplier.Example`, to: `accounts.${tag}@supplier.example` },
        { firm: 'b', action: 'user.email_normalised', entityId: b.users.client.id, actor: 'system:migration/system', from: `PORTAL.${tag}@client.example`, to: `portal.${tag}@client.example` },
      ],
    });
    for (const firm of [a, b]) expect({ firm: firm.id, ...(await verifyAuditChain(db.owner, firm.id)) }).toMatchObject({ firm: firm.id, ok: true, firstBrokenId: null });
  });

  it('meets no collision: two users, or two pending invitations of a firm, that lower-case alike were never storable', async () => {
    const db = t.db;
    const [a, b] = [t.firm, t.other];
    const refusal = (write: Promise<unknown>) => write.then(() => 'stored', (error: { code?: string; constraint?: string }) => `${error.code} ${error.constraint}`);
    const passwordHash = (await db.owner('users').where({ id: a.users.staff.id }).first()).password_hash as string;
    // Firm A's staff address again with capitals, in firm B and in firm A: the one index on lower(email) across all firms refuses both.
    const twin = (firm: TestFirm) => db.owner('users').insert({ firm_id: firm.id, email: a.users.staff.email.toUpperCase(), name: 'Twin', role: 'staff', password_hash: passwordHash });
    expect([await refusal(twin(b)), await refusal(twin(a))]).toEqual(['23505 users_email_unique', '23505 users_email_unique']);
    const pending = `pending.${randomUUID().slice(0, 8)}@firm.test`;
    await invitation(db, a, pending);
    expect(await refusal(invitation(db, a, pending.toUpperCase()))).toBe('23505 account_invitations_pending_email');
  });

  it('works under row-level security: each firm in scope in turn, audited there', async () => {
    const db = t.db;
    const [a, b] = [t.firm, t.other];
    await db.owner('users').where({ id: a.users.reviewer.id }).update({ email: a.users.reviewer.email.toUpperCase() });
    await db.owner('users').where({ id: b.users.reviewer.id }).update({ email: b.users.reviewer.email.toUpperCase() });
    await runStepAsPlatformRole(db, MIGRATION);
    const ids = [a.users.reviewer.id, b.users.reviewer.id];
    const rows = await db.owner('users').whereIn('id', ids).select('firm_id', 'email');
    const audited = await db.owner('audit_events').where({ action: 'user.email_normalised' }).whereIn('entity_id', ids).select('firm_id', 'entity_id');
    expect({
      emails: Object.fromEntries(rows.map((r: { firm_id: string; email: string }) => [r.firm_id === a.id ? 'a' : 'b', r.email])),
      auditedInOwnFirm: audited.map((e: { firm_id: string; entity_id: string }) => (e.firm_id === a.id ? e.entity_id === a.users.reviewer.id : e.entity_id === b.users.reviewer.id)),
    }).toEqual({ emails: { a: a.users.reviewer.email, b: b.users.reviewer.email }, auditedInOwnFirm: [true, true] });
  });
});
