/**
 * Builds a firm with one user per role and two clients, straight into the test database as its
 * owner (as onboarding would), with known passwords.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { gstinCheckCharacter } from '../../domain/gstin';
import { hashPassword } from '../../db/security/passwords';
import type { Knex } from 'knex';
import type { Role } from '../../api/rbac/permissions';
import { inTenantTransaction } from '../../db/tenant';
import type { TestDatabase } from './database';

export type TestUser = { id: string; email: string; password: string; role: Role; clientId: string | null };
export type TestFirm = { id: string; name: string; users: Record<Role, TestUser>; clients: Array<{ id: string; gstin: string; name: string }> };

let cachedHash: Promise<string> | null = null;
export const TEST_PASSWORD = 'correct horse battery staple 42';

function randomPan(): string {
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const pick = (n: number) => Array.from(randomBytes(n), (b) => letters[b % 26]).join('');
  return `${pick(3)}C${pick(1)}${String(randomBytes(2).readUInt16BE(0) % 10000).padStart(4, '0')}${pick(1)}`;
}

export function validGstin(state = '27'): string {
  const stem = `${state}${randomPan()}1Z`;
  return stem + gstinCheckCharacter(stem);
}

export async function createTestFirm(db: TestDatabase, name = `Firm ${randomBytes(3).toString('hex')}`): Promise<TestFirm> {
  cachedHash ??= hashPassword(TEST_PASSWORD);
  const passwordHash = await cachedHash;
  const firmId = randomUUID();
  const tag = randomBytes(4).toString('hex');
  return db.owner.transaction(async (trx) => {
    await trx.raw(`select set_config('app.firm_id', ?, true)`, [firmId]);
    await trx('firms').insert({ id: firmId, name, slug: `firm-${tag}` });
    const clients = [];
    for (const clientName of ['Alpha Traders', 'Beta Industries']) {
      const gstin = validGstin();
      const [row] = await trx('clients')
        .insert({ firm_id: firmId, name: clientName, gstin, email: `${clientName.split(' ')[0]?.toLowerCase()}@${tag}.example`, filing_frequency: 'monthly', state_code: '27' })
        .returning('id');
      clients.push({ id: (row as { id: string }).id, gstin, name: clientName });
    }
    const users = {} as Record<Role, TestUser>;
    for (const role of ['firm_admin', 'manager', 'reviewer', 'staff', 'client'] as Role[]) {
      const email = `${role}.${tag}@firm.test`;
      const clientId = role === 'client' ? (clients[0]?.id ?? null) : null;
      const [row] = await trx('users')
        .insert({ firm_id: firmId, email, name: `${role} of ${name}`, role, client_id: clientId, password_hash: passwordHash })
        .returning('id');
      users[role] = { id: (row as { id: string }).id, email, password: TEST_PASSWORD, role, clientId };
    }
    return { id: firmId, name, users, clients };
  });
}

/** A transaction in `firm`'s scope as its staff user, through the application role (row-level security applies). */
export function asStaffOf<T>(db: TestDatabase, firm: TestFirm, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return inTenantTransaction(db.app, { firmId: firm.id, actor: { userId: firm.users.staff.id, email: firm.users.staff.email, role: 'staff' } }, fn);
}
