/**
 * A client export never hands out a credential, also not through the audit events it carries:
 * checklist links written before the trail marked their token hash secret (migration 024) have it
 * in their audit snapshots; the export writes it `[secret]`, as the trail does now, and leaves it
 * out of tables/follow_up_links.json. The real api, PostgreSQL, Temporal server and worker; the
 * older trigger is put back for one insert to write such an event.
 */import { call, loginReauthenticated, type TestApi } from '../../harness/api';
import type { TestDatabase } from '../../harness/database';
import type { TestFirm } from '../../harness/factories';
import { startDataProtectionStack, type DataProtectionStack } from '../../harness/data-protection-stack';
import { auditTriggerSql } from '../../../db/audit-triggers';
import { readZip, seedFollowUpFile, until } from './helpers';

jest.setTimeout(120_000);

describe('the audit events of a client export', () => {
  let stack: DataProtectionStack;
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;

  beforeAll(async () => {
    stack = await startDataProtectionStack('export-audit-secrets');
    ({ db, api, firm } = stack);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('masks a token hash an older audit snapshot holds', async () => {
    const client = firm.clients[0]!;
    const setTrigger = async (secret: string[]) => {
      await db.owner.raw('DROP TRIGGER follow_up_links_audit ON follow_up_links');
      await db.owner.raw(auditTriggerSql('follow_up_links', 'follow_up_link', secret, ['last_used_at']));
    };
    await setTrigger([]);
    try {
      await seedFollowUpFile(db.owner, firm.id, client.id, firm.users.staff.id, { name: 'bill.pdf', bytes: Buffer.from('%PDF-1.7\nbill\n') });
    } finally {
      await setTrigger(['token_hash']);
    }
    const { token_hash: tokenHash } = (await db.owner('follow_up_links').where({ client_id: client.id }).first('token_hash')) as { token_hash: string };
    const planted = await db.owner('audit_events').where({ firm_id: firm.id, entity_type: 'follow_up_link' }).first('after');
    expect(planted.after.token_hash).toBe(tokenHash);

    const token = await loginReauthenticated(api, firm.users.firm_admin);
    const started = await call(api, 'POST', `/api/clients/${client.id}/exports`, { token });
    const ready = await until('the export to be ready', async () => {
      const res = await call(api, 'GET', `/api/exports/${started.body.exportId}`, { token });
      return res.body.status === 'ready' ? res.body : null;
    });
    const url = new URL(ready.downloadUrl as string);
    const entries = await readZip(Buffer.from(await (await fetch(`${api.url}${url.pathname}${url.search}`)).arrayBuffer()));
    const events = JSON.parse(entries.get('audit/events.json')!.toString('utf8')) as Array<{ entity_type: string; after: Record<string, unknown> }>;
    expect(events.filter((e) => e.entity_type === 'follow_up_link').map((e) => e.after.token_hash)).toEqual(['[secret]']);
    for (const [name, bytes] of entries) expect({ name, holdsTokenHash: bytes.toString('utf8').includes(tokenHash) }).toEqual({ name, holdsTokenHash: false });
  });
});
