/**
 * The demo firm a fresh `npm start` signs into: a firm admin, a manager, a staff user, two
 * clients with valid GSTINs, and a portal user of the first client (the client's own read-only
 * view). Runs once: when the firm exists it changes nothing. Passwords are random per install
 * and exist in plaintext only in the returned credentials (hashes with argon2id).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { lockKey } from '../advisory-lock';
import type { Knex } from 'knex';
import { gstinCheckCharacter } from '../../domain/gstin';
import { hashPassword } from '../security/passwords';

export const DEMO_FIRM_SLUG = 'demo';

export type DemoCredentials = {
  users: Array<{ email: string; password: string; role: string }>;
  clients: Array<{ id: string; name: string; gstin: string }>;
};

const DEMO_USERS = [
  { email: 'admin@demo.taalmel.test', name: 'Asha Admin', role: 'firm_admin' },
  { email: 'manager@demo.taalmel.test', name: 'Mohan Manager', role: 'manager' },
  { email: 'staff@demo.taalmel.test', name: 'Sita Staff', role: 'staff' },
  // The first demo client's own accountant, signing in to the client portal.
  { email: 'client@demo.taalmel.test', name: 'Kiran Client', role: 'client' },
] as const;

const DEMO_CLIENTS = [
  { name: 'Meridian Components Pvt Ltd', gstinStem: '27AAJCM4455Q1Z', email: 'accounts@meridian.example', filingFrequency: 'monthly' },
  { name: 'Deccan Textiles', gstinStem: '29ABCDE1234F1Z', email: 'finance@deccan.example', filingFrequency: 'quarterly' },
] as const;

export function randomPassword(): string {
  // 18 random bytes → 24 base64url characters: well past the 12-character minimum.
  return randomBytes(18).toString('base64url');
}

/** Seeds the demo firm when it is missing; returns its credentials, or null when it already existed. */
export async function seedDemoFirm(owner: Knex): Promise<DemoCredentials | null> {
  return owner.transaction(async (trx) => {
    // Two starts racing on a fresh database must not both seed.
    await lockKey(trx, 'taalmel:seed-demo-firm', 'text32');
    const existing = await trx('firms').where({ slug: DEMO_FIRM_SLUG }).first('id');
    if (existing) return null;

    const firmId = randomUUID();
    // The audit triggers record this as the seeding job, not an anonymous writer.
    await trx.raw(`select set_config('app.firm_id', ?, true), set_config('app.user_email', 'system:seed-demo', true), set_config('app.role', 'system', true)`, [firmId]);
    await trx('firms').insert({ id: firmId, name: 'Demo & Co, Chartered Accountants', slug: DEMO_FIRM_SLUG });

    const clients: DemoCredentials['clients'] = [];
    for (const c of DEMO_CLIENTS) {
      const gstin = c.gstinStem + gstinCheckCharacter(c.gstinStem);
      const [row] = await trx('clients')
        .insert({ firm_id: firmId, name: c.name, gstin, email: c.email, filing_frequency: c.filingFrequency, state_code: gstin.slice(0, 2) })
        .returning('id');
      clients.push({ id: (row as { id: string }).id, name: c.name, gstin });
    }

    const users: DemoCredentials['users'] = [];
    for (const u of DEMO_USERS) {
      const password = randomPassword();
      const clientId = u.role === 'client' ? (clients[0]?.id ?? null) : null;
      const [row] = await trx('users')
        .insert({ firm_id: firmId, email: u.email, name: u.name, role: u.role, client_id: clientId, password_hash: await hashPassword(password) })
        .returning('id');
      users.push({ email: u.email, password, role: u.role });
      // The staff member owns the demo clients: the calendar's daily sweep tells them (and the manager).
      if (u.role === 'staff') await trx('clients').where({ firm_id: firmId }).update({ owner_id: (row as { id: string }).id });
    }
    return { users, clients };
  });
}
