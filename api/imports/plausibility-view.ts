/**
 * The plausibility warnings of imports (domain/recon/plausibility.ts), repeated wherever someone
 * is about to rely on them: the run request and the period view name the import each belongs to.
 */
import type { Knex } from 'knex';
import { Import } from '../../db/models/import';
import { currentEvidence } from '../../db/period-evidence';
import { PLAUSIBILITY_CODES } from '../../domain/recon/plausibility';
import type { Issue } from '../../domain/recon/types';

export type ImportWarning = Issue & { importId: string; kind: string };

export function importWarnings(rows: ReadonlyArray<Pick<Import, 'id' | 'kind' | 'warnings'>>): ImportWarning[] {
  return rows.flatMap((row) => (row.warnings as Issue[]).filter((w) => PLAUSIBILITY_CODES.has(w.code)).map((w) => ({ importId: row.id, kind: row.kind, ...w })));
}

/** The warnings of the period's latest register and 2B (the imports a close would rest on). */
export async function periodImportWarnings(trx: Knex.Transaction, clientId: string, period: string): Promise<ImportWarning[]> {
  const found = await currentEvidence(trx, clientId, period);
  const ids = found.ok ? [found.evidence.registerImport.id, found.evidence.gstr2bImport.id] : [found.imports.registerImportId, found.imports.gstr2bImportId];
  const present = ids.filter((id): id is string => id !== null);
  return present.length ? importWarnings(await Import.query().findByIds(present).orderBy('kind', 'desc')) : [];
}
