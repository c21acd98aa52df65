/**
 * A ready export whose ZIP the api cannot read (an api that does not share the workers' export
 * folder, a file lost from it) answers 503 `export_file_unavailable` in the error shape of
 * docs/api.md and leaves the single-use URL unspent: once the file is back, the same URL downloads
 * it, once. The real api, PostgreSQL, Temporal server and worker.
 */
import fs from 'node:fs';
import path from 'node:path';
import { call, loginReauthenticated, type TestApi } from '../../harness/api';
import type { TestDatabase } from '../../harness/database';
import type { TestFirm } from '../../harness/factories';
import { startDataProtectionStack, type DataProtectionStack } from '../../harness/data-protection-stack';
import { until } from './helpers';

jest.setTimeout(120_000);

describe('downloading an export whose file the api cannot read', () => {
  let stack: DataProtectionStack;
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;

  beforeAll(async () => {
    stack = await startDataProtectionStack('export-file-missing');
    ({ db, api, firm } = stack);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers 503 export_file_unavailable without spending the URL, then downloads once the file is back', async () => {
    const client = firm.clients[0]!;
    const token = await loginReauthenticated(api, firm.users.firm_admin);
    const started = await call(api, 'POST', `/api/clients/${client.id}/exports`, { token });
    expect(started.status).toBe(202);
    const ready = await until('the export to be ready', async () => {
      const res = await call(api, 'GET', `/api/exports/${started.body.exportId}`, { token });
      return res.body.status === 'ready' ? res.body : null;
    });
    const zip = path.join(stack.deps.exportDir, `${started.body.exportId}.zip`);
    const aside = `${zip}.aside`;
    fs.renameSync(zip, aside);
    const url = new URL(ready.downloadUrl as string);
    const download = () => fetch(`${api.url}${url.pathname}${url.search}`);

    const missing = await download();
    expect([missing.status, ((await missing.json()) as { error: { code: string } }).error.code]).toEqual([503, 'export_file_unavailable']);
    expect(await db.owner('client_exports').where({ id: started.body.exportId }).first('downloaded_at')).toEqual({ downloaded_at: null });
    expect((await call(api, 'GET', `/api/exports/${started.body.exportId}`, { token })).body.downloadUrl).not.toBeNull();

    fs.renameSync(aside, zip);
    const first = await download();
    expect([first.status, first.headers.get('content-type'), Buffer.from(await first.arrayBuffer()).length]).toEqual([200, 'application/zip', ready.sizeBytes]);
    const second = await download();
    expect([second.status, ((await second.json()) as { error: { code: string } }).error.code]).toEqual([403, 'download_url_used']);
  });
});
