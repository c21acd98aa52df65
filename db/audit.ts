/**
 * The audit trail's application side. Row changes are audited by database triggers (migration 002);
 * this module records the events that are not row changes (sign-ins, refusals, exports) and
 * verifies a firm's hash chain. The actor, request id and IP come from the transaction's settings,
 * the same ones the triggers read, so both kinds of event agree on who did it.
 */
import { createHash } from 'node:crypto';
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

export type ChainVerification = {
  ok: boolean;
  checked: number;
  firstBrokenId: string | null;
  head: { seq: number; hash: string } | null;
  /** Events whose personal payload an erasure replaced by the redaction marker (their hashes still link). */
  redacted: number;
};

/** The audit action that vouches for an erasure's redactions; see verifyAuditChain. */
export const REDACTION_EVENT = 'client.erasure_redacted';
export const REDACTED = '[redacted]';

/** The SHA-256 an erasure records over the ids of the events it redacted (sorted, newline-joined). */
export function redactedIdsDigest(ids: string[]): string {
  return createHash('sha256').update([...ids].sort().join('\n')).digest('hex');
}

type ChainRow = {
  id: string;
  seq: number;
  prev_hash: string;
  hash: string;
  expected: string;
  payload_ok: boolean;
  action: string;
  after: unknown;
  redaction_id: string | null;
  marker_ok: boolean;
};

/**
 * Recomputes the chain of the transaction's firm in order: each row's hash must equal the hash of
 * its own fields, its prev_hash the previous row's hash, with no gap in the sequence, and (version 2)
 * its payload must still hash to the payload hash the chain covers. A redacted event has no payload
 * left to check; instead its redaction must be vouched for by a later `client.erasure_redacted`
 * event of the same chain naming the erasure, the number of events and a digest of their ids, so
 * wiping an unrelated event's payload is caught as well.
 */
export async function verifyAuditChain(trx: Knex.Transaction | Knex, firmId: string | null): Promise<ChainVerification> {
  const rows: ChainRow[] = (
    await trx.raw(
      `select id, seq, prev_hash, hash, audit_event_expected_hash(a) as expected,
              (hash_version <> 2 or redacted_at is not null or payload_hash = audit_payload_hash(a)) as payload_ok,
              action, case when action = ? then after end as after, redaction_id,
              (redacted_at is null or (coalesce(before, '"${REDACTED}"') = '"${REDACTED}"' and coalesce(after, '"${REDACTED}"') = '"${REDACTED}"')) as marker_ok
         from audit_events a where firm_id is not distinct from ?::uuid order by seq`,
      [REDACTION_EVENT, firmId],
    )
  ).rows;
  let previous = '';
  let expectedSeq = 1;
  const redactions = new Map<string, { ids: string[]; first: string }>();
  const vouched = new Map<string, { redactedEvents?: unknown; redactedIdsSha256?: unknown }>();
  for (const row of rows) {
    if (Number(row.seq) !== expectedSeq || row.prev_hash !== previous || row.hash !== row.expected || !row.payload_ok || !row.marker_ok) {
      return { ok: false, checked: expectedSeq, firstBrokenId: row.id, head: null, redacted: 0 };
    }
    if (row.redaction_id) {
      const group = redactions.get(row.redaction_id) ?? { ids: [], first: row.id };
      group.ids.push(row.id);
      redactions.set(row.redaction_id, group);
    }
    if (row.action === REDACTION_EVENT && row.after && typeof row.after === 'object') {
      const after = row.after as { erasureId?: unknown };
      if (typeof after.erasureId === 'string') vouched.set(after.erasureId, after as never);
    }
    previous = row.hash;
    expectedSeq += 1;
  }
  let redacted = 0;
  for (const [erasureId, group] of redactions) {
    const voucher = vouched.get(erasureId);
    if (!voucher || voucher.redactedEvents !== group.ids.length || voucher.redactedIdsSha256 !== redactedIdsDigest(group.ids)) {
      return { ok: false, checked: rows.length, firstBrokenId: group.first, head: null, redacted: 0 };
    }
    redacted += group.ids.length;
  }
  const last = rows.at(-1);
  return { ok: true, checked: rows.length, firstBrokenId: null, head: last ? { seq: Number(last.seq), hash: last.hash } : null, redacted };
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
