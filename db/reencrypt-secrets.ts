/**
 * Moves every stored secret (TOTP seeds, firm SMTP/GSP credentials) under the secret box's current
 * key, firm by firm, each firm in its own audited transaction. Run it after adding a new key and
 * making it current; once it reports zero values left on old keys, the old key can be removed.
 */
import type { Knex } from 'knex';
import { allFirmIds } from './firms';
import type { SecretBox } from './security/secret-box';
import { inFirmJobTransaction, setAuditAction } from './tenant';

export type ReencryptReport = { firms: number; reencrypted: number; alreadyCurrent: number };

export async function reencryptAllSecrets(knex: Knex, box: SecretBox): Promise<ReencryptReport> {
  const report: ReencryptReport = { firms: 0, reencrypted: 0, alreadyCurrent: 0 };
  const columns: Array<[string, string[]]> = [
    ['users', ['totp_secret', 'totp_pending_secret']],
    ['firm_secrets', ['ciphertext']],
  ];
  for (const firmId of await allFirmIds(knex)) {
    report.firms += 1;
    await inFirmJobTransaction(knex, firmId, 'reencrypt-secrets', async (trx) => {
      await setAuditAction(trx, 'secrets.reencrypted');
      for (const [table, cols] of columns) {
        for (const row of await trx(table).select('id', ...cols).forUpdate()) {
          const patch: Record<string, string> = {};
          for (const col of cols) {
            const value = row[col] as string | null;
            if (!value) continue;
            const next = box.reencrypt(value);
            if (next === value) report.alreadyCurrent += 1;
            else {
              patch[col] = next;
              report.reencrypted += 1;
            }
          }
          if (Object.keys(patch).length) {
            if (table === 'firm_secrets') patch.key_id = box.currentKeyId;
            await trx(table).where({ id: row.id }).update(patch);
          }
        }
      }
    });
  }
  return report;
}
