/**
 * GET /api/audit/export streams a large trail (docs/security-and-tenancy.md, "Audit trail"): 20 000
 * events download, as CSV and as JSON, byte for byte as the trail read whole in one transaction
 * would have been written (the shape the export always had), through the export's own event and no
 * further; pages are read as the download takes them; and the hash chain still verifies.
 */
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { auditCsvExport, auditJsonExport, AUDIT_CSV_COLUMNS, auditCsvRecord, filteredAuditEvents, type AuditFilters } from '../../../api/audit/export';
import { presentAuditEvent } from '../../../api/presenters';
import type { AuditEvent } from '../../../db/models/audit-event';
import { inTenantTransaction, type TenantScope } from '../../../db/tenant';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';

const EVENTS = 20_000;

/**
 * `count` events of the firm, chained exactly as the chain trigger (migration 011) chains them:
 * seq, prev_hash, payload hash and hash by the database's own functions, so the chain verifies.
 * Written in one loop that carries the last seq and hash, with the trigger off for this transaction
 * only: the trigger finds the last event by a scan of the table, and 20 000 of those take minutes
 * on a busy machine. Payloads a CSV must quote (commas, quotes, new lines), cells a spreadsheet would
 * run (`=`), text outside ASCII, and empty payloads and entities.
 */
async function insertChainedEvents(db: TestDatabase, firm: TestFirm, count: number): Promise<void> {
  const firmId = z.uuid().parse(firm.id);
  const actorId = z.uuid().parse(firm.users.firm_admin.id);
  const email = z.email().parse(firm.users.firm_admin.email);
  await db.owner.transaction(async (trx) => {
    await trx.raw('alter table audit_events disable trigger audit_events_chain');
    await trx.raw(`
      do $$
      declare e audit_events; last_seq bigint; last_hash text;
      begin
        select seq, hash into last_seq, last_hash from audit_events where firm_id = '${firmId}' order by seq desc limit 1;
        for g in 1..${count} loop
          e := null;
          e.id := gen_random_uuid();
          e.firm_id := '${firmId}';
          e.actor_id := '${actorId}';
          e.actor_email := '${email}';
          e.actor_role := 'firm_admin';
          e.action := case when g % 3 = 0 then 'client.update' else 'test.bulk' end;
          e.entity_type := case when g % 5 = 0 then 'client' else 'bulk' end;
          e.entity_id := case when g % 4 = 0 then null else gen_random_uuid() end;
          e.before := case when g % 2 = 0 then null else jsonb_build_object('n', g - 1) end;
          e.after := jsonb_build_object('n', g, 'note', case when g % 7 = 0 then '=SUM(A1:A9)' when g % 11 = 0 then 'a, "quoted"' || chr(10) || 'line' else 'ग्राहक ' || g end);
          e.request_id := 'req-' || g;
          e.ip := '10.0.0.' || (g % 250);
          e.seq := coalesce(last_seq, 0) + 1;
          e.prev_hash := coalesce(last_hash, '');
          e.at := clock_timestamp();
          e.hash_version := 2;
          e.payload_hash := audit_payload_hash(e);
          e.hash := audit_event_hash_v2(e);
          insert into audit_events select (e).*;
          last_seq := e.seq;
          last_hash := e.hash;
        end loop;
      end $$`);
    await trx.raw('alter table audit_events enable trigger audit_events_chain');
  });
}

describe('audit export, streamed', () => {
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;
  let admin: string;
  let scope: TenantScope;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db, { maxSessionsPerUser: 5 });
    firm = await createTestFirm(db);
    scope = { firmId: firm.id, actor: { userId: firm.users.firm_admin.id, email: firm.users.firm_admin.email, role: 'firm_admin' } };
    await insertChainedEvents(db, firm, EVENTS);
    admin = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
    expect((await call(api, 'POST', '/api/auth/reauth', { token: admin, body: { password: firm.users.firm_admin.password } })).status).toBe(204);
  }, 240_000);
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  async function download(path: string): Promise<{ status: number; type: string | null; bytes: Buffer; requestId: string }> {
    const res = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${admin}` } });
    return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()), requestId: res.headers.get('x-request-id') ?? '' };
  }

  /** What the export always wrote: the matching events through its own event, read whole in one transaction. */
  async function wholeTrail(requestId: string, filters: AuditFilters) {
    const own = await db.owner('audit_events').where({ firm_id: firm.id, request_id: requestId, action: 'audit.exported' }).first('seq');
    expect({ requestId, ownEvent: Boolean(own) }).toEqual({ requestId, ownEvent: true });
    const rows: AuditEvent[] = await inTenantTransaction(db.app, scope, async () => filteredAuditEvents(filters).where('seq', '<=', Number(own.seq)).orderBy('seq', 'asc'));
    return { through: Number(own.seq), rows: rows.map(presentAuditEvent) };
  }

  /** Equal bytes, or where they first differ and what each side holds there. */
  function expectSameBytes(what: string, got: Buffer, want: Buffer) {
    if (got.equals(want)) return;
    let at = 0;
    while (at < got.length && at < want.length && got[at] === want[at]) at += 1;
    const around = (b: Buffer) => b.subarray(Math.max(0, at - 80), at + 80).toString('utf8');
    expect({ what, lengths: [got.length, want.length], firstDifferenceAt: at, got: around(got) }).toEqual({ what, lengths: [want.length, want.length], firstDifferenceAt: want.length, got: around(want) });
  }

  it('downloads the whole trail as CSV and as JSON in the bytes the export always wrote, and the chain verifies', async () => {
    const csv = await download('/api/audit/export?format=csv');
    expect({ status: csv.status, type: csv.type }).toEqual({ status: 200, type: 'text/csv; charset=utf-8' });
    const csvTrail = await wholeTrail(csv.requestId, {});
    expect(csvTrail.rows.length).toBeGreaterThan(EVENTS);
    // The whole trail: every seq from the first to the export's own event, once.
    expect(csvTrail.rows.map((r) => r.seq)).toEqual(Array.from({ length: csvTrail.through }, (_, i) => i + 1));
    expectSameBytes('csv', csv.bytes, Buffer.from(stringify(csvTrail.rows.map(auditCsvRecord), { header: true, columns: AUDIT_CSV_COLUMNS })));

    const json = await download('/api/audit/export?format=json');
    expect({ status: json.status, type: json.type }).toEqual({ status: 200, type: 'application/json; charset=utf-8' });
    const jsonTrail = await wholeTrail(json.requestId, {});
    // The CSV export's own event is in this one; this one's is its last line.
    expect(jsonTrail.through).toBe(csvTrail.through + 1);
    expectSameBytes('json', json.bytes, Buffer.from(JSON.stringify(jsonTrail.rows)));

    const verify = await call(api, 'GET', '/api/audit/verify', { token: admin });
    expect(verify.body).toEqual({ ok: true, checked: expect.any(Number), firstBrokenId: null, redacted: 0 });
    expect(verify.body.checked).toBeGreaterThanOrEqual(jsonTrail.through);
  });

  it('applies the filters page by page as it did in one read', async () => {
    const filters = { action: 'client.update', entityType: 'client' };
    const csv = await download(`/api/audit/export?format=csv&action=${filters.action}&entityType=${filters.entityType}`);
    expect(csv.status).toBe(200);
    const trail = await wholeTrail(csv.requestId, filters);
    expect(trail.rows.length).toBeGreaterThan(1000);
    expectSameBytes('filtered csv', csv.bytes, Buffer.from(stringify(trail.rows.map(auditCsvRecord), { header: true, columns: AUDIT_CSV_COLUMNS })));
  });

  it('reads a page only when the download has taken the ones before (backpressure)', async () => {
    const pageSize = 500;
    const through = Number((await db.owner('audit_events').where({ firm_id: firm.id }).max({ last: 'seq' }))[0]!.last);
    let pagesRead = 0;
    const counter = (q: { sql: string }) => {
      if (/from "audit_events"/.test(q.sql) && /limit/.test(q.sql)) pagesRead += 1;
    };
    db.app.on('query', counter);
    try {
      for (const [format, stream] of [
        ['csv', auditCsvExport({ knex: db.app, scope, filters: {}, throughSeq: through, pageSize })],
        ['json', auditJsonExport({ knex: db.app, scope, filters: {}, throughSeq: through, pageSize })],
      ] as const) {
        pagesRead = 0;
        let received = 0;
        let worst = 0;
        for await (const chunk of stream) {
          received += Buffer.byteLength(chunk as Buffer | string);
          // At each chunk the consumer takes, the pages read stay within a few of what it took (by
          // bytes, each event is well over 40 of them): an export read whole would have read all first.
          worst = Math.max(worst, pagesRead - Math.ceil(received / (40 * pageSize)));
        }
        expect({ format, pagesRead, readAheadBeyondTaken: worst <= 3 }).toEqual({ format, pagesRead: Math.ceil(through / pageSize) + (through % pageSize === 0 ? 1 : 0), readAheadBeyondTaken: true });
      }
    } finally {
      db.app.off('query', counter);
    }
  });
});
