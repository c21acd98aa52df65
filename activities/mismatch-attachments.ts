/**
 * The files a mismatch follow-up's message carries: each named supplier's statement (the run's
 * per-supplier workbook, docs/reconciliation.md "The supplier statement"), built here, inside the
 * sending activity, from the stored results. Nothing of it crosses Temporal: the workflow only
 * knows the follow-up's id.
 *
 * It runs inside the sending transaction (the client's row is locked, so the message and what it
 * lists are settled): the export's page reads nest in it as savepoints on the same connection,
 * which also means a worker never waits for a second pooled connection while holding one.
 */
import type { Knex } from 'knex';
import type { FollowUpItem } from '../db/models/follow-up';
import { supplierStatementFile } from '../db/reconciliation-workbook';
import type { TenantScope } from '../db/tenant';

export type Attachment = { filename: string; content: Buffer };

/**
 * One statement per supplier that still has an outstanding item in this request, in item order. The
 * items' result rows stay on their statement even if a reviewer ignored them since the request was
 * made: the message lists them, so its statement must not say nothing is outstanding.
 */
export async function supplierStatements(trx: Knex.Transaction, scope: TenantScope, runId: string, outstanding: FollowUpItem[]): Promise<Attachment[]> {
  const gstins = [...new Set(outstanding.map((i) => i.supplierGstin).filter((g): g is string => Boolean(g)))];
  if (gstins.length === 0) return [];
  const run: { period: string; gstin: string } | undefined = await trx('reconciliation_runs as r').join('clients as c', 'c.id', 'r.client_id').select('r.period', 'c.gstin').where('r.id', runId).first();
  if (!run) return [];
  const keepResultIds: ReadonlySet<string> = new Set(outstanding.map((i) => i.resultId).filter((id): id is string => Boolean(id)));
  const files: Attachment[] = [];
  // One after another: the nested reads share the one connection.
  for (const supplierGstin of gstins) files.push(await supplierStatementFile({ knex: trx, scope, runId, supplierGstin, keepResultIds }, { clientGstin: run.gstin, period: run.period }));
  return files;
}
