/**
 * A verified erasure must see what it failed to delete, also in the tables reached only through a
 * parent (a notice's drafts, reviews, hearings, alerts), whose parent the erasure deletes too, and
 * must never blame it on a client it does not belong to. Those rows are tied to the client by the
 * notice ids the erasure read before deleting, kept with its record and in the erasure log. A
 * trigger plants a leftover: it silently keeps a draft whose text starts KEEP:, through the
 * erasure's own delete and the notice's cascade. The deletion step refuses to commit an erasure
 * that would leave it, the certification refuses to certify one that left it, and the restore
 * drill's erasure check reports it; an orphan of another client's notice counts for none of them.
 * Real PostgreSQL; the erasure's activities are called as the workflow calls them.
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
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { dataProtectionDepsIn, seedNoticeWithPapers } from './helpers';

jest.setTimeout(60_000);

const THROUGH_NOTICE = ['notice_drafts', 'notice_reviews', 'notice_hearings', 'notice_alerts'];

describe('erasure leftovers in tables reached through a parent', () => {
  let db: TestDatabase;
  let firm: TestFirm;
  let other: TestFirm;
  let deps: DataProtectionDeps;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-leftovers-'));
  const pdf = { name: 'notice.pdf', bytes: Buffer.from('%PDF-1.7\nplanted leftover test\n') };

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ deps } = await dataProtectionDepsIn(root, db.url));
    firm = await createTestFirm(db, 'Leftover Firm');
    other = await createTestFirm(db, 'Other Firm');
  });
  // The leftover: deletes of a draft whose text starts KEEP: do nothing, the erasure's own and the notice's cascade alike.
  const plantLeftovers = () => db.owner.raw('create trigger keep_planted_draft before delete on notice_drafts for each row execute function keep_planted_draft()');
  afterEach(() => db.owner.raw('drop trigger if exists keep_planted_draft on notice_drafts'));
  beforeAll(() =>
    db.owner.raw(`create function keep_planted_draft() returns trigger language plpgsql as $$
      begin if old.text like 'KEEP:%' then return null; end if; return old; end $$`),
  );
  afterAll(async () => {
    await db?.drop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const count = async (table: string, noticeId: string) => Number((await db.owner(table).where({ notice_id: noticeId }).count({ n: '*' }))[0]!.n);
  const through = (tables: Record<string, unknown>) => Object.fromEntries(THROUGH_NOTICE.map((t) => [t, tables[t]]));
  const activities = () => createClientErasureActivities({ knex: db.app, logger: pino({ level: 'silent' }), dataProtection: deps });
  const newErasure = async (f: TestFirm, clientId: string) => {
    const [row] = await db.owner('client_erasures')
      .insert({ firm_id: f.id, client_id: clientId, workflow_id: clientErasureWorkflowId(f.id, clientId), reason: 'engagement ended', requested_by: f.users.firm_admin.id })
      .returning('id');
    return { firmId: f.id, erasureId: (row as { id: string }).id };
  };
  const failure = (promise: Promise<unknown>) => promise.then(() => 'no failure', (error: Error) => error.message);

  it("refuses to commit an erasure that would leave a notice's draft, resumes once it can, and never counts another client's orphans", async () => {
    const [erased, kept] = firm.clients as [TestFirm['clients'][number], TestFirm['clients'][number]];
    const userId = firm.users.staff.id;
    const notice = await seedNoticeWithPapers(db.owner, firm.id, erased, userId, pdf);
    // Rows that are not the erased client's must never be counted: another client's notice, another firm's.
    const keptNotice = await seedNoticeWithPapers(db.owner, firm.id, kept, userId, pdf);
    const otherNotice = await seedNoticeWithPapers(db.owner, other.id, other.clients[0]!, other.users.staff.id, pdf);
    await db.owner('notice_drafts').insert({ firm_id: firm.id, notice_id: notice.noticeId, version: 2, text: 'KEEP: planted leftover', drafted_by: userId });
    await plantLeftovers();
    // Another client's orphan in the same firm: its notice deleted, its KEEP draft kept by the trigger.
    const orphaned = await seedNoticeWithPapers(db.owner, firm.id, kept, userId, pdf);
    await db.owner('notice_drafts').insert({ firm_id: firm.id, notice_id: orphaned.noticeId, version: 2, text: 'KEEP: orphan of another client', drafted_by: userId });
    await db.owner('notice_documents').where({ notice_id: orphaned.noticeId }).del();
    await db.owner('notices').where({ id: orphaned.noticeId }).del();
    expect(await count('notice_drafts', orphaned.noticeId)).toBe(1);

    const input = await newErasure(firm, erased.id);
    const erasing = activities();
    // The deletion would leave the planted draft: it rolls back whole, and the erasure fails naming it.
    expect(await failure(erasing.erasureDeleteData(input))).toBe('rows of the client would remain after the deletion (notice_drafts 1): nothing was deleted');
    expect((await db.owner('clients').where({ id: erased.id })).length).toBe(1);
    expect((await db.owner('notices').where({ id: notice.noticeId })).length).toBe(1);
    expect(await count('notice_drafts', notice.noticeId)).toBe(2);
    expect(await db.owner('client_erasures').where({ id: input.erasureId }).first('deleted', 'data_deleted_at')).toEqual({ deleted: null, data_deleted_at: null });
    await erasing.erasureFailed({ ...input, reason: 'rows of the client would remain after the deletion (notice_drafts 1): nothing was deleted' });
    expect(await db.owner('client_erasures').where({ id: input.erasureId }).first('status', 'certificate_jws')).toEqual({ status: 'failed', certificate_jws: null });

    // The cause fixed for this client's draft (another client's orphan stays), the same erasure resumes.
    await db.owner('notice_drafts').where({ notice_id: notice.noticeId }).update({ text: 'planted, now deletable' });
    const deleted = await erasing.erasureDeleteData(input);
    expect(await db.owner('notices').where({ id: notice.noticeId })).toEqual([]);
    expect(through(deleted.tables)).toEqual({
      notice_drafts: { before: 2, after: 0 },
      notice_reviews: { before: 1, after: 0 },
      notice_hearings: { before: 1, after: 0 },
      notice_alerts: { before: 1, after: 0 },
    });
    expect(deleted.parentIds).toEqual({ notices: [notice.noticeId] });

    await erasing.erasureCertify(input);
    const record = await db.owner('client_erasures').where({ id: input.erasureId }).first('status', 'certificate');
    expect(record.status).toBe('completed');
    expect(through(record.certificate.remaining)).toEqual({ notice_drafts: 0, notice_reviews: 0, notice_hearings: 0, notice_alerts: 0 });
    const entry = JSON.parse(fs.readFileSync(path.join(deps.erasureLogDir, `${input.erasureId}.json`), 'utf8'));
    expect(entry).toMatchObject({ erasureId: input.erasureId, firmId: firm.id, clientId: erased.id, parentIds: { notices: [notice.noticeId] } });

    // The drill: nothing of this client is left; the other client's orphan (in the same firm) is not its.
    expect(await erasureLogCheck(db.owner, deps.erasureLogDir)).toEqual({
      name: 'erasure-log',
      ok: true,
      // The erasure ran on this very database: nothing needed re-applying, and the words say so.
      detail: "1 erasure(s) in the log; none needed re-applying (this copy holds none of their clients); no erased client's rows remain",
    });
    expect(await count('notice_drafts', orphaned.noticeId)).toBe(1);
    for (const noticeId of [keptNotice.noticeId, otherNotice.noticeId]) {
      for (const table of THROUGH_NOTICE) expect({ table, n: await count(table, noticeId) }).toEqual({ table, n: 1 });
    }
    await db.owner.raw('drop trigger keep_planted_draft on notice_drafts');
    await db.owner('notice_drafts').where({ notice_id: orphaned.noticeId }).del();
  });

  it('does not certify an erasure that left a row, and the restore drill finds it', async () => {
    const client = other.clients[0]!;
    const notice = await seedNoticeWithPapers(db.owner, other.id, client, other.users.staff.id, pdf);
    const input = await newErasure(other, client.id);
    const erasing = activities();
    const deleted = await erasing.erasureDeleteData(input);
    // Two notices: this one and the one the first test gave the client.
    expect(through(deleted.tables)).toEqual({
      notice_drafts: { before: 2, after: 0 },
      notice_reviews: { before: 2, after: 0 },
      notice_hearings: { before: 2, after: 0 },
      notice_alerts: { before: 2, after: 0 },
    });
    expect(deleted.parentIds?.notices).toContain(notice.noticeId);
    // A draft of the erased notice turns up after the deletion committed (planted past its foreign key).
    const { rows } = await db.owner.raw(
      `select conname, pg_get_constraintdef(oid) as def from pg_constraint where conrelid = 'notice_drafts'::regclass and confrelid = 'notices'::regclass and contype = 'f'`,
    );
    const fk = rows[0] as { conname: string; def: string };
    await db.owner.raw(`alter table notice_drafts drop constraint ${fk.conname}`);
    try {
      await db.owner('notice_drafts').insert({ firm_id: other.id, notice_id: notice.noticeId, version: 3, text: 'left behind', drafted_by: other.users.staff.id });
      expect(await failure(erasing.erasureCertify(input))).toBe('data of the client remains after the deletion (notice_drafts 1): the erasure is not certified');
      expect(await db.owner('client_erasures').where({ id: input.erasureId }).first('status', 'certificate', 'certificate_jws')).toEqual({ status: 'running', certificate: null, certificate_jws: null });
      // The deletion is committed, so the log has it (a restore re-applies it), and the drill reports the draft.
      expect(fs.existsSync(path.join(deps.erasureLogDir, `${input.erasureId}.json`))).toBe(true);
      expect(await erasureLogCheck(db.owner, deps.erasureLogDir)).toEqual({ name: 'erasure-log', ok: false, detail: 'rows of erased clients remain after re-applying the log: notice_drafts 1' });
      await db.owner('notice_drafts').where({ notice_id: notice.noticeId }).del();
    } finally {
      await db.owner.raw(`alter table notice_drafts add constraint ${fk.conname} ${fk.def}`);
    }
    // With the row gone, the certification goes through and says nothing remains.
    await erasing.erasureCertify(input);
    const record = await db.owner('client_erasures').where({ id: input.erasureId }).first('status', 'certificate');
    expect([record.status, Object.values(record.certificate.remaining as Record<string, number>).filter((n) => n > 0)]).toEqual(['completed', []]);
  });

  it('re-applying a logged erasure to a copy that still holds the client reports the draft the re-applied erasure left', async () => {
    const client = other.clients[1]!;
    const notice = await seedNoticeWithPapers(db.owner, other.id, client, other.users.staff.id, pdf);
    await db.owner('notice_drafts').insert({ firm_id: other.id, notice_id: notice.noticeId, version: 2, text: 'KEEP: planted leftover', drafted_by: other.users.staff.id });
    await plantLeftovers();
    // A log of its own: this client's erasure, recorded after the backup the copy was made from.
    const logDir = path.join(root, 'second-log');
    fs.mkdirSync(logDir);
    const erasureId = '7d3c1a52-9a9e-4f43-9a51-2b8f0c7f1e01';
    fs.writeFileSync(path.join(logDir, `${erasureId}.json`), JSON.stringify({ erasureId, firmId: other.id, clientId: client.id, dataDeletedAt: new Date().toISOString() }));

    expect(await erasureLogCheck(db.owner, logDir)).toEqual({ name: 'erasure-log', ok: false, detail: 'rows of erased clients remain after re-applying the log: notice_drafts 1' });
    const record = await db.owner('client_erasures').where({ id: erasureId }).first('deleted');
    expect(record.deleted.tables.notice_drafts).toEqual({ before: 2, after: 1 });
    expect(await db.owner('clients').where({ id: client.id })).toEqual([]);
  });
});
