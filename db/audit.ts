/**
 * The audit trail's application side. Row changes are audited by database triggers (migration 002);
 * this module records the events that are not row changes (sign-ins, refusals, exports) and
 * verifies a firm's hash chain. The actor, request id and IP come from the transaction's settings,
 * the same ones the triggers read, so both kinds of event agree on who did it.
 */
import type { Knex } from 'knex';

export type AuditEventInput = {
  action: string;
  entityType: string;
  entityId?: string | null;
  before?: unknown;
  after?: unknown;
};

/** Records one event in the given tenant (or system) transaction. */
export async function recordAuditEvent(trx: Knex.Transaction, event: AuditEventInput): Promise<void> {
  await trx.raw(
    `insert into audit_events (firm_id, actor_id, actor_email, actor_role, action, entity_type, entity_id, before, after, request_id, ip, seq, prev_hash, hash)
     values (app_current_firm(),
             nullif(current_setting('app.user_id', true), '')::uuid,
             coalesce(nullif(current_setting('app.user_email', true), ''), 'system'),
             coalesce(nullif(current_setting('app.role', true), ''), 'system'),
             ?, ?, ?, ?::jsonb, ?::jsonb,
             nullif(current_setting('app.request_id', true), ''),
             nullif(current_setting('app.ip', true), ''),
             0, '', '')`,
    [
      event.action,
      event.entityType,
      event.entityId ?? null,
      event.before === undefined ? null : JSON.stringify(event.before),
      event.after === undefined ? null : JSON.stringify(event.after),
    ],
  );
}

/**
 * A sign-in attempt that belongs to no firm (unknown email, throttled), in the platform chain:
 * through the one definer function migration 008 grants the application role.
 */
export async function recordSignInEvent(
  knex: Knex,
  event: { action: 'auth.login_failed' | 'auth.login_throttled'; details: Record<string, unknown>; requestId: string; ip: string },
): Promise<void> {
  await knex.raw('select record_signin_event(?, ?::jsonb, ?, ?)', [event.action, JSON.stringify(event.details), event.requestId, event.ip]);
}

export type ChainVerification = { ok: boolean; checked: number; firstBrokenId: string | null; head: { seq: number; hash: string } | null };

/**
 * Recomputes the chain of the transaction's firm in order: each row's hash must equal the hash of
 * its own fields and its prev_hash the previous row's hash, with no gap in the sequence.
 */
export async function verifyAuditChain(trx: Knex.Transaction | Knex, firmId: string | null): Promise<ChainVerification> {
  const rows: Array<{ id: string; seq: number; prev_hash: string; hash: string; expected: string }> = (
    await trx.raw(
      `select id, seq, prev_hash, hash, audit_event_hash(a) as expected
         from audit_events a where firm_id is not distinct from ?::uuid order by seq`,
      [firmId],
    )
  ).rows;
  let previous = '';
  let expectedSeq = 1;
  for (const row of rows) {
    if (Number(row.seq) !== expectedSeq || row.prev_hash !== previous || row.hash !== row.expected) {
      return { ok: false, checked: expectedSeq, firstBrokenId: row.id, head: null };
    }
    previous = row.hash;
    expectedSeq += 1;
  }
  const last = rows.at(-1);
  return { ok: true, checked: rows.length, firstBrokenId: null, head: last ? { seq: Number(last.seq), hash: last.hash } : null };
}

export type FirmChainReport = { firmId: string | null } & ChainVerification;

/**
 * Every chain in the database (each firm's and the platform's). Needs a connection that sees every
 * audit row: the owner (the restore drill on its scratch copy) or a superuser.
 */
export async function verifyAllAuditChains(knex: Knex): Promise<{ ok: boolean; chains: FirmChainReport[] }> {
  const firms: Array<{ firm_id: string | null }> = await knex('audit_events').distinct('firm_id');
  const chains: FirmChainReport[] = [];
  for (const { firm_id: firmId } of firms) chains.push({ firmId, ...(await verifyAuditChain(knex, firmId)) });
  return { ok: chains.every((c) => c.ok), chains };
}
