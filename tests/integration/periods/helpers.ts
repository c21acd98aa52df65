/**
 * Period-close test setup: a period with validated imports and a completed reconciliation run,
 * written straight into the database as its owner (as the imports and reconciliation features
 * would), so these tests do not depend on the upload API.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { TestDatabase } from '../../harness/database';

export type SeededPeriod = { registerImportId: string; gstr2bImportId: string; runId: string };

function sha(): string {
  return randomBytes(32).toString('hex');
}

export async function insertValidatedImport(db: TestDatabase, firmId: string, clientId: string, period: string, kind: 'gstr2b' | 'purchase_register', uploadedAt = new Date()): Promise<string> {
  const [row] = await db
    .owner('imports')
    .insert({ firm_id: firmId, client_id: clientId, kind, period, filename: `${kind}-${period}.dat`, status: 'validated', sha256: sha(), size_bytes: 1024, rows: 10, uploaded_at: uploadedAt })
    .returning('id');
  return (row as { id: string }).id;
}

const heads = (igst: number, cgst = 0, sgst = 0) => ({ igst, cgst, sgst, cess: 0, total: igst + cgst + sgst });
/**
 * A run summary as the reconciliation activity stores it: money in paise (₹1,800.50 at risk,
 * ₹92,000 available). The API shows it in rupees.
 */
export const STORED_SUMMARY = {
  run: {
    input: { booksRows: 10, portalDocuments: 9 },
    books: { exact_match: { count: 8, taxable: 40_000_000, tax: 7_200_000 }, mismatch: { count: 1, taxable: 1_000_000, tax: 180_050 }, missing_in_2b: { count: 1, taxable: 0, tax: 0 } },
    portal: { exact_match: { count: 8, taxable: 40_000_000, tax: 7_200_000 }, mismatch: { count: 1, taxable: 1_000_000, tax: 2_000_000 } },
    rejected: { count: 0, taxable: 0, tax: 0 },
    itc: { as2b: heads(9_200_000), atRisk: heads(0, 90_025, 90_025), matched: heads(7_200_000), missed: heads(0) },
  },
  resultCounts: { exact_match: 8, mismatch: 1, missing_in_2b: 1 },
  results: 10,
  suppliers: 3,
  warnings: [],
  warningCount: 0,
  durationMs: 12,
};

export async function seedReconciledPeriod(db: TestDatabase, firmId: string, clientId: string, period: string): Promise<SeededPeriod> {
  const registerImportId = await insertValidatedImport(db, firmId, clientId, period, 'purchase_register');
  const gstr2bImportId = await insertValidatedImport(db, firmId, clientId, period, 'gstr2b');
  const [run] = await db
    .owner('reconciliation_runs')
    .insert({
      firm_id: firmId,
      client_id: clientId,
      period,
      register_import_id: registerImportId,
      gstr2b_import_id: gstr2bImportId,
      options: {},
      workflow_id: `reconciliation-test-${randomUUID()}`,
      status: 'completed',
      summary: STORED_SUMMARY,
      completed_at: new Date(),
    })
    .returning('id');
  return { registerImportId, gstr2bImportId, runId: (run as { id: string }).id };
}


/** Distinct periods per test, so tests in one file never share a period; from January 2025 on, months long over (a close needs an ended period). */
let month = 0;
export function nextPeriod(): string {
  month += 1;
  const year = 2025 + Math.floor((month - 1) / 12);
  return `${year}-${String(((month - 1) % 12) + 1).padStart(2, '0')}`;
}
