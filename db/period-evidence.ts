/**
 * The evidence a close request binds to (docs/period-close.md, "The rules of a request"): the period's latest validated
 * import of each kind, the latest completed reconciliation run on exactly those two imports, and
 * that run's summary. Its hash (sha256 of canonical JSON) is stored on the request and compared
 * again at approval: any newer import or run changes it, and the approval is refused as stale.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { canonicalJson } from '../domain/periods';

export type EvidenceImport = { id: string; sha256: string | null };

export type CloseEvidence = {
  clientId: string;
  period: string;
  registerImport: EvidenceImport;
  gstr2bImport: EvidenceImport;
  run: { id: string; summary: unknown };
};

export type EvidenceLookup =
  | { ok: true; evidence: CloseEvidence; hash: string }
  | { ok: false; missing: Array<'purchase_register' | 'gstr2b' | 'reconciliation'>; imports: { registerImportId: string | null; gstr2bImportId: string | null } };

export function evidenceHash(evidence: CloseEvidence): string {
  return createHash('sha256').update(canonicalJson(evidence)).digest('hex');
}

/** Reads the period's current evidence in the caller's tenant transaction (row-level security applies). */
export async function currentEvidence(trx: Knex.Transaction, clientId: string, period: string): Promise<EvidenceLookup> {
  const { rows: imports } = await trx.raw<{ rows: Array<{ id: string; kind: string; sha256: string | null }> }>(
    `select distinct on (kind) id, kind, sha256
       from imports
      where firm_id = app_current_firm() and client_id = ? and period = ? and status = 'validated'
      order by kind, uploaded_at desc nulls last, created_at desc, id desc`,
    [clientId, period],
  );
  const register = imports.find((i) => i.kind === 'purchase_register');
  const gstr2b = imports.find((i) => i.kind === 'gstr2b');
  const missing: Array<'purchase_register' | 'gstr2b' | 'reconciliation'> = [];
  if (!register) missing.push('purchase_register');
  if (!gstr2b) missing.push('gstr2b');
  const importIds = { registerImportId: register?.id ?? null, gstr2bImportId: gstr2b?.id ?? null };
  if (!register || !gstr2b) return { ok: false, missing: [...missing, 'reconciliation'], imports: importIds };

  const { rows: runs } = await trx.raw<{ rows: Array<{ id: string; summary: unknown }> }>(
    `select id, summary
       from reconciliation_runs
      where firm_id = app_current_firm() and client_id = ? and period = ? and status = 'completed'
        and register_import_id = ? and gstr2b_import_id = ?
      order by completed_at desc nulls last, created_at desc, id desc
      limit 1`,
    [clientId, period, register.id, gstr2b.id],
  );
  const run = runs[0];
  if (!run) return { ok: false, missing: ['reconciliation'], imports: importIds };

  const evidence: CloseEvidence = {
    clientId,
    period,
    registerImport: { id: register.id, sha256: register.sha256 },
    gstr2bImport: { id: gstr2b.id, sha256: gstr2b.sha256 },
    run: { id: run.id, summary: run.summary ?? null },
  };
  return { ok: true, evidence, hash: evidenceHash(evidence) };
}
