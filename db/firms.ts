/**
 * Platform operations over firms: onboarding a firm with its first admin, and walking every firm
 * for platform jobs. Each runs in an explicit, audited system context.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { normaliseEmail } from '../domain/email';
import { recordAuditEvent } from './audit';
import { hashPassword } from './security/passwords';
import { inSystemTransaction, inTenantTransaction } from './tenant';

export type OnboardedFirm = { firmId: string; adminEmail: string; adminUserId: string };

function slugFor(name: string): string {
  const base = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 48) || 'firm';
  return `${base}-${randomUUID().slice(0, 6)}`;
}

export async function onboardFirm(knex: Knex, input: { name: string; adminEmail: string; adminName: string; password: string }): Promise<OnboardedFirm> {
  const firmId = randomUUID();
  const adminEmail = normaliseEmail(input.adminEmail);
  const actor = { userId: null, email: 'system:create-firm', role: 'system' };
  return inTenantTransaction(knex, { firmId, actor }, async (trx) => {
    await trx('firms').insert({ id: firmId, name: input.name, slug: slugFor(input.name) });
    const [user] = await trx('users')
      .insert({ firm_id: firmId, email: adminEmail, name: input.adminName, role: 'firm_admin', password_hash: await hashPassword(input.password) })
      .returning('id');
    await recordAuditEvent(trx, { action: 'firm.onboarded', entityType: 'firm', entityId: firmId, after: { name: input.name, adminEmail } });
    return { firmId, adminEmail, adminUserId: (user as { id: string }).id };
  });
}

/**
 * Every firm's id (system context: the only thing it may read of the firms table). A deleted firm
 * (its tombstone, docs/data-export-and-erasure.md) is left out: nightly jobs must write nothing for
 * it after its audit chain was sealed. The chain-heads export asks for it too, to keep its sealed head.
 */
export async function allFirmIds(knex: Knex, options: { includeDeleted?: boolean } = {}): Promise<string[]> {
  return inSystemTransaction(knex, 'list-firms', async (trx) => {
    const q = trx('firms').select('id').orderBy('created_at');
    if (!options.includeDeleted) q.whereNull('deleted_at');
    return (await q).map((r: { id: string }) => r.id);
  });
}
