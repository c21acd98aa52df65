/**
 * The database half of a client erasure, in the caller's transaction (the owner's, scoped to the
 * firm): delete every row of the client in every catalogued table (children before parents, from the
 * foreign keys), its portal users with their sessions, and the client row; then redact the personal
 * payload of the client's audit events and vouch for it with a chained `client.erasure_redacted`
 * event. Used by the erasure workflow and by a restore re-applying the erasure log.
 */
import type { Knex } from 'knex';
import type { ErasureDeleted } from '../domain/data-protection';
import { recordAuditEvent, redactedIdsDigest, REDACTED, REDACTION_EVENT } from './audit';
import { CLIENT_TABLES, deletionOrder, erasedTables, FOREIGN_KEYS_SQL, PORTAL_USER_DEPENDENTS } from './client-data-catalogue';
import { clientAuditCondition, clientEntityIds, clientParentIds, clientRows, countErasureRows, erasureRows, mergeParentIds, pgArray, primaryKeyColumns, type ErasureScope, type ParentIds } from './client-data';
import { countClientNotifications, eraseClientNotifications, lockClientNotifications } from './client-notifications';
import { lockKey } from './advisory-lock';
import { setAuditAction } from './tenant';

/**
 * One erasure or export request of a client at a time, and an export's build against an erasure
 * asked meanwhile: each takes this lock (to its commit) before it reads whether an erasure runs.
 */
export async function lockClientErasure(trx: Knex.Transaction, clientId: string): Promise<void> {
  await lockKey(trx, `taalmel.erasure:${clientId}`);
}

/** The audit action of an erasure's restart: a failed one reopened, or a run that ended or that Temporal does not have (docs/data-export-and-erasure.md). */
export const ERASURE_RESTARTED_EVENT = 'client.erasure_restarted';

/**
 * Records that the erasure's run of `runToken` started: the api's start was accepted, a request or a
 * status read saw a run with it, or the run itself says so as its first step (workflows/client-erasure.ts):
 * once Temporal forgets a closed run, this is what tells a run that ended from a start that never
 * happened (api/data-protection/erasure-run.ts). Not audited (a quiet column: the decision to start
 * was audited when it was recorded); a record whose token has changed meanwhile is left alone, so an
 * older run never speaks for the current decision.
 */
export async function recordStartedRun(trx: Knex, erasureId: string, runToken: string | null): Promise<void> {
  if (!runToken) return;
  await trx('client_erasures').where({ id: erasureId, run_token: runToken }).whereRaw('started_run_token is distinct from ?::uuid', [runToken]).update({ started_run_token: runToken });
}

/**
 * `parentIds`: the ones an earlier attempt of the same erasure kept (or the erasure log holds), so a
 * child row whose parent is already gone is deleted and counted too. The counts need the firm-wide
 * session this runs in (client-data.ts, erasureRows).
 */
export async function eraseClientRows(trx: Knex.Transaction, input: { firmId: string; clientId: string; erasureId: string; parentIds?: ParentIds }): Promise<ErasureDeleted> {
  const { firmId, clientId, erasureId } = input;
  // Read before anything is deleted: the only tie between a notice's rows and the client once the notice is gone.
  const scope: ErasureScope = { clientIds: [clientId], parentIds: mergeParentIds(input.parentIds, await clientParentIds(trx, clientId)) };
  const tables = erasedTables();
  const edges: Array<{ child: string; parent: string }> = (await trx.raw(FOREIGN_KEYS_SQL, [pgArray(tables), pgArray(tables)])).rows;
  const order = deletionOrder(tables, edges);
  // Every row this transaction deletes is locked before its first audited write (docs/architecture.md, "Locks").
  await lockErasedRows(trx, clientId, scope, order);
  // The marker lets the audit trail accept this erasure's redactions; it never outlives this transaction.
  await trx('erasures_in_progress').insert({ id: erasureId, firm_id: firmId, client_id: clientId });
  const ids = await clientEntityIds(trx, clientId, scope.parentIds);

  const files: string[] = [];
  for (const [table, spec] of Object.entries(CLIENT_TABLES)) {
    if (!spec.fileColumn || spec.erase !== 'delete') continue;
    const rows: Array<Record<string, string>> = await clientRows(trx, table, clientId).select(spec.fileColumn).whereNotNull(spec.fileColumn);
    files.push(...rows.map((r) => `${table}/${r[spec.fileColumn!]}`));
  }

  const tally: ErasureDeleted['tables'] = {};
  for (const table of tables) tally[table] = { before: await countErasureRows(trx, table, scope), after: 0 };
  tally.clients = { before: Number((await trx('clients').where({ id: clientId }).count({ n: '*' }))[0]?.n ?? 0), after: 0 };

  await setAuditAction(trx, 'erasure.row_deleted');
  // The period lock refuses deletes in closed periods; closed → reopened is a transition the state guard allows.
  await trx('periods').where({ client_id: clientId, state: 'closed' }).update({ state: 'reopened', transition_note: `erasure ${erasureId}`, updated_at: trx.fn.now() });
  if (ids.portalUserIds.length) {
    for (const { table, column } of PORTAL_USER_DEPENDENTS) await trx(table).whereIn(column, ids.portalUserIds).del();
  }
  // The firm's people's notifications about the client carry its data in their payloads (client-notifications.ts).
  tally.notifications = await eraseClientNotifications(trx, scope);
  for (const table of order) await erasureRows(trx, table, scope).del();
  await trx('clients').where({ id: clientId }).del();
  // Counted so a row left behind shows: a table reached through a parent (a notice's drafts, reviews,
  // hearings, alerts) by the parent ids read above, not through the parents, deleted too (client-data.ts).
  for (const table of tables) tally[table]!.after = await countErasureRows(trx, table, scope);
  tally.clients.after = Number((await trx('clients').where({ id: clientId }).count({ n: '*' }))[0]?.n ?? 0);
  await setAuditAction(trx, null);

  // Redact the client's events (including the deletions just recorded); their hashes stay.
  const condition = clientAuditCondition(clientId, ids);
  const { rows: redacted } = await trx.raw(
    `update audit_events a set
        before = case when a.before is null then null else '"${REDACTED}"'::jsonb end,
        after = case when a.after is null then null else '"${REDACTED}"'::jsonb end,
        actor_email = case when a.actor_id = any(?::uuid[]) then '${REDACTED}' else a.actor_email end,
        ip = case when a.actor_id = any(?::uuid[]) then null else a.ip end,
        redacted_at = now(), redaction_id = ?
      where a.firm_id = ? and a.redacted_at is null and a.hash_version = 2 and ${condition.sql}
      returning a.id`,
    [pgArray(ids.portalUserIds), pgArray(ids.portalUserIds), erasureId, firmId, ...condition.bindings] as never[],
  );
  const redactedIds = (redacted as Array<{ id: string }>).map((r) => r.id);
  const { rows: unredactable } = await trx.raw(`select count(*)::int as n from audit_events a where a.firm_id = ? and a.hash_version <> 2 and ${condition.sql}`, [
    firmId,
    ...condition.bindings,
  ] as never[]);
  await recordAuditEvent(trx, {
    action: REDACTION_EVENT,
    entityType: 'client_erasure',
    entityId: erasureId,
    after: { erasureId: erasureId, clientId, redactedEvents: redactedIds.length, redactedIdsSha256: redactedIdsDigest(redactedIds), unredactableEvents: Number(unredactable[0]?.n ?? 0) },
  });
  await trx('erasures_in_progress').where({ id: erasureId }).del();

  return { tables: tally, files, portalUsers: ids.portalUserIds.length, redactedAuditEvents: redactedIds.length, parentIds: scope.parentIds };
}

/**
 * Locks, `FOR UPDATE`, every row the erasure deletes, before it takes the firm's audit lock (its first
 * audited write). Another transaction that holds one of these rows (a notice's step, a run's manual
 * action, an upload, a follow-up, a sign-in...) takes the audit lock after it; were the erasure to
 * hold the audit lock and then wait for that row, each would wait for the other and PostgreSQL would
 * abort one. Locked first, the erasure waits for such a transaction to commit, holding nothing it
 * needs. One order, so two lockers of the same rows never cross: the client row, then the client's
 * tables parents before children (the reverse of the deletion order: a period before its close
 * requests, a notice before its drafts, as the other paths lock them), each in primary-key order, then
 * the firm's people's notifications about the client (they name its rows; deleted before them), then
 * the rows hanging off its portal users. The rows are counted, not fetched: lakhs of them never reach
 * this process.
 */
export async function lockErasedRows(trx: Knex.Transaction, clientId: string, scope: ErasureScope, deletionOrderOfTables: string[]): Promise<void> {
  const locked = (rows: Knex.QueryBuilder) => trx.count({ n: '*' }).from(rows.as('locked'));
  await locked(trx('clients').where({ id: clientId }).select(trx.raw('1')).forUpdate());
  for (const table of [...deletionOrderOfTables].reverse()) {
    const keys = (await primaryKeyColumns(trx, table)).map((k) => `${table}.${k}`);
    await locked(erasureRows(trx, table, scope).select(trx.raw('1')).orderBy(keys).forUpdate());
  }
  await lockClientNotifications(trx, scope);
  const portalUserIds = ((await trx('users').where({ client_id: clientId }).select('id')) as Array<{ id: string }>).map((r) => r.id);
  if (!portalUserIds.length) return;
  for (const { table, column } of PORTAL_USER_DEPENDENTS) {
    const keys = (await primaryKeyColumns(trx, table)).map((k) => `${table}.${k}`);
    await locked(trx(table).whereIn(column, portalUserIds).select(trx.raw('1')).orderBy(keys).forUpdate());
  }
}

/** What is left after the deletion, per table (tables an erasure deletes, and the client row); only tables with rows left. */
export async function erasureLeftovers(trx: Knex, scope: ErasureScope): Promise<Record<string, number>> {
  const left: Record<string, number> = {};
  for (const table of erasedTables()) {
    const n = await countErasureRows(trx, table, scope);
    if (n > 0) left[table] = n;
  }
  const notifications = await countClientNotifications(trx, scope);
  if (notifications > 0) left.notifications = notifications;
  const clients = Number((await trx('clients').whereIn('id', scope.clientIds).count({ n: '*' }))[0]?.n ?? 0);
  if (clients > 0) left.clients = clients;
  return left;
}

/** `notice_drafts 1, clients 1`: leftovers as the erasure's failure reason and the drill's detail name them. */
export function describeLeftovers(left: Record<string, number>): string {
  return Object.entries(left)
    .map(([table, n]) => `${table} ${n}`)
    .join(', ');
}
