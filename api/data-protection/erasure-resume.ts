/**
 * Resuming an erasure whose deletion already committed (docs/data-export-and-erasure.md, "Client
 * erasure"). The client row is gone, so the request cannot be checked against the client's name;
 * the erasure record is what remains, and it proves the name was confirmed when the deletion was
 * asked for. Only a record whose deletion committed is resumed this way: what is left to do is to
 * delete the files, recount and sign, never to delete rows again. The record keeps the reason it was
 * first asked with: the erasure is the same one, so a resume's reason is not recorded over it.
 */
import type { Knex } from 'knex';
import { lockClientErasure } from '../../db/client-erasure';

export type ErasureRecord = { id: string; firm_id: string; workflow_id: string; status: 'running' | 'failed' | 'completed'; run_token: string | null; started_run_token: string | null };

export const ERASURE_RECORD_COLUMNS = ['id', 'firm_id', 'workflow_id', 'status', 'run_token', 'started_run_token'] as const;

/**
 * The erasure of a client that is gone, under the same per-client lock as a first request (what is
 * done with it is decided as for any erasure: erasure-request.ts). Null when there is nothing to
 * resume (no such erasure in this firm, its deletion never committed, or it is completed): the caller
 * answers 404 as for any client that does not exist. The firm is in the query as well as in RLS.
 */
export async function committedErasure(trx: Knex.Transaction, firmId: string, clientId: string): Promise<ErasureRecord | null> {
  await lockClientErasure(trx, clientId);
  const row = (await trx('client_erasures')
    .where({ firm_id: firmId, client_id: clientId })
    .whereNotNull('data_deleted_at')
    .first(...ERASURE_RECORD_COLUMNS)) as ErasureRecord | undefined;
  if (!row || row.status === 'completed') return null;
  return row;
}
