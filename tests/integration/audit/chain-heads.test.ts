import fs from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import type { RunningWorker } from '../../../ops/worker';
import { rootMessage } from '../../../workflows/failures';
import { backupDepsFor, tempBackupDir } from '../backup/helpers';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';

describe('daily audit chain heads', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let dir: string;
  let firms: TestFirm[];
  const taskQueue = uniqueTaskQueue('audit-heads');

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = tempBackupDir();
    firms = [await createTestFirm(db), await createTestFirm(db)];
    temporal = await connectTestTemporal();
    worker = await startTestWorker({ knex: db.app, taskQueue, backup: backupDepsFor(db, dir) });
  });
  afterAll(async () => {
    await worker?.shutdown();
    await temporal?.close();
    await db?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const run = (date: string) =>
    temporal.client.workflow.execute('auditChainHeadsWorkflow', { taskQueue, workflowId: `audit-heads-${date}-${taskQueue}`, args: [date] });

  it('writes every firm head to a file beside the backups', async () => {
    const result = await run('2026-11-19');
    expect(result.firms).toBe(2);
    const file = JSON.parse(fs.readFileSync(path.join(dir, 'audit-heads', '2026-11-19.json'), 'utf8'));
    for (const firm of firms) {
      const last = await db.owner('audit_events').where({ firm_id: firm.id }).orderBy('seq', 'desc').first();
      expect(file.heads).toContainEqual({ firmId: firm.id, seq: Number(last.seq), hash: last.hash, ok: true, firstBrokenId: null });
    }
  });

  it('notices a trail rebuilt after the previous export, even if the new chain verifies', async () => {
    const firm = firms[0]!;
    // Someone with database access deletes the trail and writes a fresh, internally valid one.
    await db.owner.transaction(async (trx) => {
      await trx.raw('alter table audit_events disable trigger audit_events_no_update');
      await trx('audit_events').where({ firm_id: firm.id }).del();
      await trx.raw('alter table audit_events enable trigger audit_events_no_update');
    });
    await db.owner('clients').where({ id: firm.clients[0]!.id }).update({ name: 'Rewritten history' });
    const error = await run('2026-11-20').then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(rootMessage(error)).toMatch(new RegExp(`firm ${firm.id}: the event at seq \\d+ no longer has the hash`));
    expect(fs.existsSync(path.join(dir, 'audit-heads', '2026-11-20.json'))).toBe(true);
  });
});
