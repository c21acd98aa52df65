/** Shared by the data protection tests: ZIP reading, a real reconciliation, waiting for states. */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { Knex } from 'knex';
import * as yauzl from 'yauzl';
import { call } from '../../harness/api';
import { importFile, reconData } from '../recon/recon-helpers';

const openZip = promisify<Buffer, yauzl.Options, yauzl.ZipFile>(yauzl.fromBuffer);

// Kept importable from here for the suites that build their own stack.
export { dataProtectionDepsIn } from '../../harness/data-protection-stack';

/** Every entry of a ZIP, by name. */
export async function readZip(bytes: Buffer): Promise<Map<string, Buffer>> {
  const zip = await openZip(bytes, { lazyEntries: true });
  const entries = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', resolve);
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (error, stream) => {
        if (error || !stream) return reject(error ?? new Error('no stream'));
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('error', reject);
        stream.on('end', () => {
          entries.set(entry.fileName, Buffer.concat(chunks));
          zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });
  return entries;
}

/** Polls until the probe answers; on timeout the error names what it waited for and what `why` finds. */
export async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000, why?: () => Promise<string>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${why ? `: ${await why().catch((e: Error) => e.message)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export const RECON_PERIOD = '2024-06';

/** Uploads a register and a GSTR-2B of `n` documents (period 2024-06) and runs a real reconciliation to completion. */
export async function reconcile(api: { url: string }, token: string, client: { id: string; gstin: string }, n = 30): Promise<string> {
  const period = RECON_PERIOD;
  const data = reconData(client.gstin, n);
  const twoB = await importFile(api, token, client.id, 'gstr2b', period, data.twoB, 'application/json');
  const register = await importFile(api, token, client.id, 'purchase_register', period, data.csv, 'text/csv');
  if (twoB.uploaded.status !== 200 || register.uploaded.status !== 200) throw new Error(`uploads: ${twoB.uploaded.status} ${register.uploaded.status} ${twoB.uploaded.text} ${register.uploaded.text}`);
  const started = await call(api, 'POST', `/api/clients/${client.id}/reconciliations`, { token, body: { period, registerImportId: register.importId, gstr2bImportId: twoB.importId } });
  if (started.status !== 202) throw new Error(`start: ${started.status} ${started.text}`);
  const runId = started.body.runId as string;
  await until('the reconciliation to complete', async () => (await call(api, 'GET', `/api/reconciliations/${runId}`, { token })).body.status === 'completed');
  return runId;
}

/**
 * A follow-up of the client with one received upload (its bytes kept in the row, as the checklist
 * link's upload stores them), written as the owner; the follow-up's workflow is not started. With
 * `reconciliationRunId` it is a mismatch follow-up of that run (the erasure must delete it before the run).
 */
export async function seedFollowUpFile(owner: Knex, firmId: string, clientId: string, userId: string, file: { name: string; bytes: Buffer }, reconciliationRunId: string | null = null): Promise<{ fileId: string; sha256: string }> {
  const followUpId = randomUUID();
  const sha256 = createHash('sha256').update(file.bytes).digest('hex');
  const fileId = await owner.transaction(async (trx) => {
    await trx('follow_ups').insert({
      id: followUpId, firm_id: firmId, client_id: clientId, title: 'Purchase invoices', due_date: '2026-12-31', owner_id: userId,
      policy: JSON.stringify({}), clock: JSON.stringify({}), workflow_id: `follow-up:${firmId}:${followUpId}`, created_by: userId, reconciliation_run_id: reconciliationRunId,
    });
    const [item] = await trx('follow_up_items').insert({ firm_id: firmId, client_id: clientId, follow_up_id: followUpId, position: 1, description: 'Invoices for November' }).returning('id');
    const [link] = await trx('follow_up_links')
      .insert({ firm_id: firmId, client_id: clientId, follow_up_id: followUpId, token_hash: randomBytes(16).toString('hex'), expires_at: new Date(Date.now() + 86_400_000) })
      .returning('id');
    const [row] = await trx('follow_up_files')
      .insert({
        firm_id: firmId, client_id: clientId, follow_up_id: followUpId, item_id: (item as { id: string }).id, link_id: (link as { id: string }).id,
        filename: file.name, declared_type: 'application/pdf', declared_size: file.bytes.length, status: 'received', detected_type: 'application/pdf',
        size_bytes: file.bytes.length, sha256, content: file.bytes, upload_expires_at: new Date(Date.now() + 3600_000), received_at: new Date(),
      })
      .returning('id');
    return (row as { id: string }).id;
  });
  return { fileId, sha256 };
}

/**
 * A notice of the client with what hangs off it: an uploaded document (bytes in the row), a draft
 * naming the client, a review, a hearing and a reminder that fired. The draft, review, hearing and
 * reminder carry no client_id of their own.
 */
export async function seedNoticeWithPapers(
  owner: Knex,
  firmId: string,
  client: { id: string; gstin: string; name: string },
  userId: string,
  document: { name: string; bytes: Buffer },
): Promise<{ noticeId: string; documentId: string; sha256: string }> {
  const noticeId = randomUUID();
  const sha256 = createHash('sha256').update(document.bytes).digest('hex');
  const documentId = await owner.transaction(async (trx) => {
    await trx('notices').insert({ id: noticeId, firm_id: firmId, client_id: client.id, gstin: client.gstin, form: 'ASMT-10', reference: `ZD${noticeId.slice(0, 8)}`, served_on: '2024-07-01', workflow_id: `notice:${firmId}:${noticeId}` });
    const [doc] = await trx('notice_documents')
      .insert({
        firm_id: firmId, client_id: client.id, notice_id: noticeId, kind: 'notice', filename: document.name, declared_type: 'application/pdf', declared_size: document.bytes.length,
        status: 'received', detected_type: 'application/pdf', size_bytes: document.bytes.length, sha256, content: document.bytes,
        upload_expires_at: new Date(Date.now() + 3600_000), received_at: new Date(), uploaded_by: userId,
      })
      .returning('id');
    await trx('notice_drafts').insert({ firm_id: firmId, notice_id: noticeId, version: 1, text: `Reply for ${client.name}: the difference is a timing one.`, drafted_by: userId });
    await trx('notice_reviews').insert({ firm_id: firmId, notice_id: noticeId, decision: 'changes_requested', comment: 'Attach the ledger', reviewer_id: userId, draft_version: 1 });
    await trx('notice_hearings').insert({ firm_id: firmId, notice_id: noticeId, at: new Date('2024-08-01T05:30:00Z'), place: 'Range office' });
    await trx('notice_alerts').insert({ firm_id: firmId, notice_id: noticeId, step_key: 'reminder:7', audience: 'assignee', reason: 'due in 7 days', planned_at: new Date('2024-07-24T04:30:00Z'), recipients: 1 });
    return (doc as { id: string }).id;
  });
  return { noticeId, documentId, sha256 };
}
