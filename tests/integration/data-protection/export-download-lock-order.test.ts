/**
 * A download holds its export's row (FOR NO KEY UPDATE) and then writes `downloaded_at`, an audited
 * write that takes the firm's audit lock. An erasure of the client deletes that row. If the erasure
 * took the audit lock first (its first audited write, here a closed period it reopens) and then
 * waited for the row, the two waited on each other and PostgreSQL aborted one. The erasure locks the
 * client's exports before its first audited write, so it waits for the download without holding the
 * audit lock: the download commits, then the erasure deletes the row. The erasure's database step
 * runs alone here (no workflow), as the owner scoped to the firm, against PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { ownerTransaction } from '../../../activities/data-protection-deps';
import { eraseClientRows } from '../../../db/client-erasure';
import { createKnex } from '../../../db/knex';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { holdThenWrite } from '../../harness/lock-waits';

jest.setTimeout(120_000);

describe("an erasure's deletion beside a download holding the export's row", () => {
  let db: TestDatabase;
  let firm: TestFirm;
  /** The erasure's own owner connection (as the worker opens one): the test's owner pool holds the download and the watcher. */
  let erasureOwner: Knex;

  beforeAll(async () => {
    db = await createTestDatabase();
    firm = await createTestFirm(db);
    erasureOwner = createKnex({ url: db.url, poolMax: 1, applicationName: 'taalmel-test-erasure' });
  });
  afterAll(async () => {
    await erasureOwner?.destroy();
    await db?.drop();
  });

  it('the download writes and commits while the erasure waits for its row; the erasure then deletes it', async () => {
    const client = firm.clients[1]!;
    // A closed period: the erasure reopens it first, an audited write that takes the firm's audit lock.
    const [period] = await db.owner('periods').insert({ firm_id: firm.id, client_id: client.id, period: '2024-05' }).returning('id');
    const periodId = (period as { id: string }).id;
    await db.owner('periods').where({ id: periodId }).update({ state: 'close_requested' });
    await db.owner('periods').where({ id: periodId }).update({ state: 'closed' });
    const exportId = randomUUID();
    await db.owner('client_exports').insert({
      id: exportId, firm_id: firm.id, client_id: client.id, workflow_id: `client-export:${firm.id}:${client.id}:${exportId}`, status: 'ready',
      file_name: `${exportId}.zip`, size_bytes: 10, expires_at: new Date(Date.now() + 86_400_000),
    });
    const erasureId = randomUUID();
    await db.owner('client_erasures').insert({ id: erasureId, firm_id: firm.id, client_id: client.id, workflow_id: `client-erasure:${firm.id}:${client.id}`, reason: 'asked by the client' });

    const { written, waited } = await holdThenWrite(db.owner, {
      // As the download does before its audited write.
      hold: (download) => download.raw('select id from client_exports where id = ? for no key update', [exportId]),
      waiter: () =>
        ownerTransaction(erasureOwner, { firmId: firm.id, actor: { userId: null, email: 'system:client-erasure', role: 'system' } }, async (trx) => {
          await trx.raw(`set local lock_timeout = '30s'`);
          await eraseClientRows(trx, { firmId: firm.id, clientId: client.id, erasureId });
          return Number((await trx('client_exports').where({ client_id: client.id }).count({ n: '*' }))[0]!.n);
        }),
      waitsOn: { what: "the erasure to wait for the export's row", query: /client_exports/i },
      // The download's audited write: the firm's audit lock must be free, not held by the waiting erasure.
      write: (download) => download('client_exports').where({ id: exportId }).update({ downloaded_at: download.fn.now(), downloaded_ip: '127.0.0.1', updated_at: download.fn.now() }),
    });
    expect({ written: written.ok || written, erased: waited }).toEqual({ written: true, erased: { ok: true, value: 0 } });
    // The download committed first: its event is in the trail before the erasure's deletion of the row.
    const events = await db.owner('audit_events').where({ entity_id: exportId }).orderBy('seq').pluck('action');
    expect(events.slice(-2)).toEqual([expect.stringMatching(/update/), 'erasure.row_deleted']);
  });
});
