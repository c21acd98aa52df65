/**
 * Platform operators (migration 016): made and revoked by ops commands as the database owner; the
 * api checks a bearer token through codec_operator_access, which also audits the request.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { recordAuditEvent } from './audit';
import { inSystemTransaction } from './tenant';

export type PlatformOperator = { id: string; email: string };

const TOKEN_PREFIX = 'tmo_';

export function operatorTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new operator and its token (shown once; only the hash is stored), audited in the platform chain. Owner connection. */
export async function createPlatformOperator(owner: Knex, input: { email: string; name: string }): Promise<PlatformOperator & { token: string }> {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return inSystemTransaction(owner, 'create-operator', async (trx) => {
    const [row] = (await trx('platform_operators')
      .insert({ email: input.email, name: input.name, token_hash: operatorTokenHash(token) })
      .returning(['id', 'email'])) as PlatformOperator[];
    const operator = row as PlatformOperator;
    await recordAuditEvent(trx, { action: 'platform_operator.created', entityType: 'platform_operator', entityId: operator.id, after: { email: operator.email, name: input.name } });
    return { ...operator, token };
  });
}

/** Revokes every active token of that email, audited; the number revoked. Owner connection. */
export async function revokePlatformOperator(owner: Knex, email: string): Promise<number> {
  return inSystemTransaction(owner, 'revoke-operator', async (trx) => {
    const ids = (await trx('platform_operators').whereRaw('lower(email) = lower(?)', [email]).whereNull('revoked_at').update({ revoked_at: trx.fn.now() }).returning('id')) as Array<{ id: string }>;
    for (const { id } of ids) await recordAuditEvent(trx, { action: 'platform_operator.revoked', entityType: 'platform_operator', entityId: id, after: { email } });
    return ids.length;
  });
}

/**
 * The operator a codec request's token belongs to, or null; either way the request is written to
 * the platform audit chain in the same statement (application role).
 */
export async function authoriseCodecRequest(
  knex: Knex,
  request: { token: string | null; operation: 'decode' | 'encode' | 'sign_in'; payloads: number | null; namespace: string; requestId: string; ip: string },
): Promise<PlatformOperator | null> {
  const result = await knex.raw('select operator_id, operator_email from codec_operator_access(?, ?, ?, ?, ?, ?)', [
    request.token ? operatorTokenHash(request.token) : '',
    request.operation,
    request.payloads,
    request.namespace,
    request.requestId,
    request.ip,
  ]);
  const row = (result.rows as Array<{ operator_id: string; operator_email: string }>)[0];
  return row ? { id: row.operator_id, email: row.operator_email } : null;
}
