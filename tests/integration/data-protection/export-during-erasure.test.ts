/**
 * No export of a client whose erasure is running: the erasure has read which workflows to stop,
 * so an export started now would run on and could write the client's data to a ZIP after the
 * erasure deleted its files. The request is refused with 409 `erasure_in_progress` and writes
 * nothing; once the erasure has failed (the client still whole), the client can be exported again.
 * The real api, PostgreSQL, Temporal server and worker; the running erasure is its record, as the
 * erasure request writes it before its workflow stops the client's workflows.
 */
import fs from 'node:fs';
import { clientErasureWorkflowId } from '../../../workflows/client-erasure-definitions';
import { call, loginReauthenticated, type TestApi } from '../../harness/api';
import type { TestDatabase } from '../../harness/database';
import type { TestFirm } from '../../harness/factories';
import { startDataProtectionStack, type DataProtectionStack } from '../../harness/data-protection-stack';
import { until } from './helpers';

jest.setTimeout(120_000);

describe('an export asked while the client is being erased', () => {
  let stack: DataProtectionStack;
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;

  beforeAll(async () => {
    stack = await startDataProtectionStack('export-during-erasure');
    ({ db, api, firm } = stack);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('is refused with 409 erasure_in_progress and writes nothing; after the erasure failed, the client exports again', async () => {
    const client = firm.clients[0]!;
    const token = await loginReauthenticated(api, firm.users.firm_admin);
    const [erasure] = (await db.owner('client_erasures')
      .insert({ firm_id: firm.id, client_id: client.id, workflow_id: clientErasureWorkflowId(firm.id, client.id), reason: 'engagement ended', requested_by: firm.users.firm_admin.id })
      .returning(['id', 'status'])) as Array<{ id: string; status: string }>;
    expect(erasure!.status).toBe('running');

    const refused = await call(api, 'POST', `/api/clients/${client.id}/exports`, { token });
    expect([refused.status, refused.body.error.code, refused.body.error.details]).toEqual([409, 'erasure_in_progress', { erasureId: erasure!.id }]);
    expect(await db.owner('client_exports').where({ client_id: client.id })).toEqual([]);
    expect(fs.existsSync(stack.deps.exportDir) ? fs.readdirSync(stack.deps.exportDir) : []).toEqual([]);

    // The other client of the firm is not being erased: its export goes ahead.
    expect((await call(api, 'POST', `/api/clients/${firm.clients[1]!.id}/exports`, { token })).status).toBe(202);

    await db.owner('client_erasures').where({ id: erasure!.id }).update({ status: 'failed', failure_reason: 'rows of the client would remain after the deletion (notice_drafts 1): nothing was deleted' });
    const again = await call(api, 'POST', `/api/clients/${client.id}/exports`, { token });
    expect(again.status).toBe(202);
    await until('the export to be ready', async () => (await call(api, 'GET', `/api/exports/${again.body.exportId}`, { token })).body.status === 'ready');
  });
});
