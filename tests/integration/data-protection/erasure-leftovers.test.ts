/**
 * A verified erasure must see what it failed to delete, also in the tables reached only through a
 * parent (a notice's drafts, reviews, hearings, alerts), whose parent the erasure deletes too. A
 * trigger plants a leftover: it silently keeps one draft of the erased client's notice, through the
 * erasure's own delete and the notice's cascade. The erasure's `after` count, the certificate's
 * recount and the restore drill's erasure check must each report that draft, and only it. Real
 * PostgreSQL; the erasure's activities are called as the workflow calls them.
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

  it('counts a draft that survives its notice in the erasure, its certificate and the restore drill', async () => {
    const [erased, kept] = firm.clients as [TestFirm['clients'][number], TestFirm['clients'][number]];
    const userId = firm.users.staff.id;
    const notice = await seedNoticeWithPapers(db.owner, firm.id, erased, userId, pdf);
    // Rows that are not the erased client's must never be counted: another client's notice, another firm's.
    const keptNotice = await seedNoticeWithPapers(db.owner, firm.id, kept, userId, pdf);
    const otherNotice = await seedNoticeWithPapers(db.owner, other.id, other.clients[0]!, other.users.staff.id, pdf);
    await db.owner('notice_drafts').insert({ firm_id: firm.id, notice_id: notice.noticeId, version: 2, text: 'KEEP: planted leftover', drafted_by: userId });
    await plantLeftovers();

    const [erasure] = await db.owner('client_erasures')
      .insert({ firm_id: firm.id, client_id: erased.id, workflow_id: clientErasureWorkflowId(firm.id, erased.id), reason: 'engagement ended', requested_by: firm.users.firm_admin.id })
      .returning('id');
    const activities = createClientErasureActivities({ knex: db.app, logger: pino({ level: 'silent' }), dataProtection: deps });
    const input = { firmId: firm.id, erasureId: (erasure as { id: string }).id };

    const deleted = await activities.erasureDeleteData(input);
    expect(await db.owner('notices').where({ id: notice.noticeId })).toEqual([]);
    expect((await db.owner('notice_drafts').where({ notice_id: notice.noticeId }).select('text')).map((r: { text: string }) => r.text)).toEqual(['KEEP: planted leftover']);
    const through = (tables: Record<string, unknown>) => Object.fromEntries(THROUGH_NOTICE.map((t) => [t, tables[t]]));
    expect(through(deleted.tables)).toEqual({
      notice_drafts: { before: 2, after: 1 },
      notice_reviews: { before: 1, after: 0 },
      notice_hearings: { before: 1, after: 0 },
      notice_alerts: { before: 1, after: 0 },
    });

    await activities.erasureCertify(input);
    const { certificate } = await db.owner('client_erasures').where({ id: input.erasureId }).first('certificate');
    expect(through(certificate.remaining)).toEqual({ notice_drafts: 1, notice_reviews: 0, notice_hearings: 0, notice_alerts: 0 });
    expect(through(certificate.deleted.tables)).toEqual(through(deleted.tables));

    // The drill re-applies the log (the client is already gone) and finds the draft.
    expect(await erasureLogCheck(db.owner, deps.erasureLogDir)).toEqual({ name: 'erasure-log', ok: false, detail: 'rows of erased clients remain after re-applying the log: notice_drafts 1' });

    // The other client's and the other firm's notices kept every row.
    for (const noticeId of [keptNotice.noticeId, otherNotice.noticeId]) {
      for (const table of THROUGH_NOTICE) expect({ table, n: Number((await db.owner(table).where({ notice_id: noticeId }).count({ n: '*' }))[0]!.n) }).toEqual({ table, n: 1 });
    }

    // With the leftover gone, the same check passes: it was that draft, nothing else, that failed it.
    await db.owner.raw('drop trigger keep_planted_draft on notice_drafts');
    await db.owner('notice_drafts').where({ notice_id: notice.noticeId }).del();
    expect(await erasureLogCheck(db.owner, deps.erasureLogDir)).toEqual({
      name: 'erasure-log',
      ok: true,
      detail: "1 erasure(s) in the log; 0 re-applied to this copy (the backup predates them); no erased client's rows remain",
    });
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
