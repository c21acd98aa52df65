/**
 * Migration 041 on real PostgreSQL: client emails written with capitals before every write path
 * lower-cased them (a PATCH, a console edit) are brought to lower case, firm by firm, each change
 * audited in its own firm's trail as `client.email_normalised`; addresses already in lower case,
 * and two clients sharing one mailbox, are left as they are. The harness's owner is a superuser,
 * which row-level security does not bind; the second case runs the migration's step as a role it
 * does bind and that may use the system context, as a production owner that is no superuser: the
 * platform role (migration 008; the owner is made a member of it).
 */
import type { TestFirm } from '../../harness/factories';
import { runStepAsPlatformRole, scopesSeenMigrating, undoMigration } from '../../harness/migration-steps';
import { withTwoFirms } from '../../harness/two-firms';

const MIGRATION = '041-client-emails-lower-case';

describe('migration 041: client emails in lower case', () => {
  const t = withTwoFirms({});
  const firms = () => [t.firm, t.other];

  it('lower-cases the capitals of every firm, audited in each firm, and nothing else', async () => {
    const db = t.db;
    await undoMigration(db, MIGRATION);
    const [a, b] = [t.firm, t.other];
    // As a PATCH or a console edit stored them before: capitals kept; two clients of firm B share one mailbox.
    const written: Array<[TestFirm, number, string]> = [
      [a, 0, 'Ravi.Kumar@Example.COM'],
      [a, 1, 'already@lower.example'],
      [b, 0, 'Shared@Books.Example'],
      [b, 1, 'shared@books.example'],
    ];
    for (const [firm, n, email] of written) await db.owner('clients').where({ id: firm.clients[n]!.id }).update({ email });
    const eventsBefore = Number((await db.owner('audit_events').where({ action: 'client.email_normalised' }).count({ n: '*' }).first())?.n);
    const scopes = await scopesSeenMigrating(db, MIGRATION, ['clients']);
    expect(scopes.filter((s) => s.row_firm !== s.scope)).toEqual([]);
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
        .sort((x, y) => firms().findIndex((f) => f.id === x.firmId) - firms().findIndex((f) => f.id === y.firmId)),
    }).toEqual({
      before: 0,
      events: [
        { firmId: a.id, clientId: a.clients[0]!.id, actor: 'system:migration', from: 'Ravi.Kumar@Example.COM', to: 'ravi.kumar@example.com' },
        { firmId: b.id, clientId: b.clients[0]!.id, actor: 'system:migration', from: 'Shared@Books.Example', to: 'shared@books.example' },
      ],
    });
  });

  it('works under row-level security: each firm in scope in turn, audited there', async () => {
    const db = t.db;
    const [a, b] = [t.firm, t.other];
    await db.owner('clients').where({ id: a.clients[1]!.id }).update({ email: 'Bound@Rls.Example' });
    await db.owner('clients').where({ id: b.clients[1]!.id }).update({ email: 'Also@Bound.Example' });
    await runStepAsPlatformRole(db, MIGRATION);
    const rows = await db.owner('clients').whereIn('id', [a.clients[1]!.id, b.clients[1]!.id]).select('firm_id', 'email');
    const audited = await db.owner('audit_events').where({ action: 'client.email_normalised' }).whereIn('entity_id', [a.clients[1]!.id, b.clients[1]!.id]).select('firm_id', 'entity_id');
    expect({
      emails: Object.fromEntries(rows.map((r: { firm_id: string; email: string }) => [r.firm_id === a.id ? 'a' : 'b', r.email])),
      auditedInOwnFirm: audited.map((e: { firm_id: string; entity_id: string }) => (e.firm_id === a.id ? e.entity_id === a.clients[1]!.id : e.entity_id === b.clients[1]!.id)),
    }).toEqual({ emails: { a: 'bound@rls.example', b: 'also@bound.example' }, auditedInOwnFirm: [true, true] });
  });
});
