/**
 * The firm's in-app notifications about an erased client go with it. They are the firm's people's,
 * not the client's rows, but their payloads carry its data: a close request's reminder and a
 * follow-up's escalation name the client, a reviewer's "changes requested" names one of its notices
 * (and quotes the comment), the calendar digest lists the client by name among other clients. The
 * erasure deletes the first kind, keeps a digest's other clients' items, counts them in the
 * certificate, and the restore drill erases and checks them too (also for a client erased before
 * erasures took notifications along). The certification refuses while one remains. Real PostgreSQL; the erasure's activities are called alone,
 * as the workflow calls them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createClientErasureActivities } from '../../../activities/client-erasure';
import type { DataProtectionDeps } from '../../../activities/data-protection-deps';
import { erasureLogCheck } from '../../../activities/erasure-log';
import { clientErasureWorkflowId } from '../../../workflows/client-erasure-definitions';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, validGstin, type TestFirm } from '../../harness/factories';
import { dataProtectionDepsIn, seedNoticeWithPapers } from './helpers';

jest.setTimeout(60_000);

describe('erasure of the firm notifications about the client (activities alone)', () => {
  let db: TestDatabase;
  let firm: TestFirm;
  let deps: DataProtectionDeps;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-notifications-'));

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ deps } = await dataProtectionDepsIn(root, db.url));
    firm = await createTestFirm(db, 'Notified Firm');
  });
  afterAll(async () => {
    await db?.drop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const notify = async (userId: string, kind: string, payload: Record<string, unknown>) =>
    ((await db.owner('notifications').insert({ firm_id: firm.id, user_id: userId, kind, payload: JSON.stringify(payload) }).returning('id')) as Array<{ id: string }>)[0]!.id;
  const payloads = async () => (await db.owner('notifications').where({ firm_id: firm.id }).orderBy('kind').select('kind', 'payload')) as Array<{ kind: string; payload: Record<string, unknown> }>;

  it('deletes the notifications about the client, keeps the digest items of other clients, and certifies none remain', async () => {
    const [erased, kept] = firm.clients as [TestFirm['clients'][number], TestFirm['clients'][number]];
    const { manager, staff, firm_admin: admin } = firm.users;
    const notice = await seedNoticeWithPapers(db.owner, firm.id, erased, staff.id, { name: 'n.pdf', bytes: Buffer.from('%PDF-1.7\nx\n') });
    await notify(manager.id, 'period_close.reminder', { closeRequestId: '0b8a3c1e-5f59-4a43-8d43-3d7e3f1c2b10', clientId: erased.id, period: '2024-06' });
    await notify(staff.id, 'notice.changes_requested', { noticeId: notice.noticeId, form: 'ASMT-10', reference: 'ZD-ERASED', comment: `Mention ${erased.name}'s ledger` });
    await notify(admin.id, 'follow_up.escalation', { clientId: kept.id, title: 'Invoices of the kept client' });
    await notify(staff.id, 'sign_in_new_ip', { ip: '203.0.113.9' });
    await notify(manager.id, 'calendar.due_soon', {
      day: '2024-07-01',
      items: [
        { clientId: erased.id, clientName: erased.name, returnType: 'GSTR-3B', period: '2024-06' },
        { clientId: kept.id, clientName: kept.name, returnType: 'GSTR-3B', period: '2024-06' },
      ],
    });
    await notify(staff.id, 'calendar.due_soon', { day: '2024-07-02', items: [{ clientId: erased.id, clientName: erased.name, returnType: 'GSTR-1', period: '2024-06' }] });

    const [row] = await db.owner('client_erasures')
      .insert({ firm_id: firm.id, client_id: erased.id, workflow_id: clientErasureWorkflowId(firm.id, erased.id), reason: 'engagement ended', requested_by: admin.id })
      .returning('id');
    const input = { firmId: firm.id, erasureId: (row as { id: string }).id };
    const erasing = createClientErasureActivities({ knex: db.app, logger: pino({ level: 'silent' }), dataProtection: deps });
    const deleted = await erasing.erasureDeleteData(input);
    expect(deleted.tables.notifications).toEqual({ before: 4, after: 0 });
    expect(JSON.stringify(await payloads())).not.toContain(erased.id);
    expect(JSON.stringify(await payloads())).not.toContain(erased.name);
    expect(await payloads()).toEqual([
      { kind: 'calendar.due_soon', payload: { day: '2024-07-01', items: [{ clientId: kept.id, clientName: kept.name, returnType: 'GSTR-3B', period: '2024-06' }] } },
      { kind: 'follow_up.escalation', payload: { clientId: kept.id, title: 'Invoices of the kept client' } },
      { kind: 'sign_in_new_ip', payload: { ip: '203.0.113.9' } },
    ]);

    await erasing.erasureCertify(input);
    const record = await db.owner('client_erasures').where({ id: input.erasureId }).first('status', 'certificate');
    expect([record.status, record.certificate.remaining.notifications, record.certificate.deleted.tables.notifications]).toEqual(['completed', 0, { before: 4, after: 0 }]);

    // A notification about the client written after the deletion (as by an erasure made before they
    // were taken along): the restore drill erases it from the copy and then finds nothing left.
    await notify(manager.id, 'period_close.escalation', { clientId: erased.id, period: '2024-06' });
    expect(await erasureLogCheck(db.owner, deps.erasureLogDir)).toMatchObject({ name: 'erasure-log', ok: true });
    expect(JSON.stringify(await payloads())).not.toContain(erased.id);
  });

  it('does not certify an erasure while a notification about the client remains (one written after the deletion), and names it', async () => {
    const gstin = validGstin();
    const [client] = (await db.owner('clients')
      .insert({ firm_id: firm.id, name: 'Late Notice Client', gstin, email: 'late@notified.example', filing_frequency: 'monthly', state_code: '27' })
      .returning(['id', 'name'])) as Array<{ id: string; name: string }>;
    const [row] = await db.owner('client_erasures')
      .insert({ firm_id: firm.id, client_id: client!.id, workflow_id: clientErasureWorkflowId(firm.id, client!.id), reason: 'engagement ended', requested_by: firm.users.firm_admin.id })
      .returning('id');
    const input = { firmId: firm.id, erasureId: (row as { id: string }).id };
    const erasing = createClientErasureActivities({ knex: db.app, logger: pino({ level: 'silent' }), dataProtection: deps });
    await erasing.erasureDeleteData(input);
    // As a workflow of the client that wrote one more reminder after the deletion committed.
    const late = await notify(firm.users.manager.id, 'period_close.reminder', { clientId: client!.id, period: '2024-07' });
    const refused = await erasing.erasureCertify(input).then(
      () => 'certified',
      (error: Error) => error.message,
    );
    const signed = (await db.owner('client_erasures').where({ id: input.erasureId }).first('certificate_jws')).certificate_jws !== null;
    expect({ refused, signed }).toEqual({ refused: expect.stringMatching(/remains after the deletion \(notifications 1\)/), signed: false });
    // Once it is gone (a person removed it), the certification signs.
    await db.owner('notifications').where({ id: late }).del();
    await erasing.erasureCertify(input);
    const record = await db.owner('client_erasures').where({ id: input.erasureId }).first('status', 'certificate');
    expect([record.status, record.certificate.remaining.notifications]).toEqual(['completed', 0]);
  });
});
