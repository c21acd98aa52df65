/**
 * The firm's in-app notifications about a client (docs/data-export-and-erasure.md, step 2 of the
 * erasure). They belong to the firm's people, not to the client, so the catalogue cannot reach them
 * by a client_id; but their payloads carry the client's data: its id, the follow-up's title, the
 * notice's reference and a reviewer's comment, the client's name in the calendar digest. An erasure
 * removes them, a digest listing several clients loses only this client's items, and every count of
 * what is left (the deletion's, the certificate's recount, the restore drill's) reads them with the
 * same condition, so a notification the erasure missed fails the erasure like a row would.
 *
 * A notification is the client's when its payload names the client (`clientId`: close requests,
 * follow-ups, notice reminders), one of its notices (`noticeId`: a reviewer's "changes requested",
 * which names no client), or lists the client among its `items` (the calendar digest). Notice ids
 * come from the erasure's scope: read before the notices are deleted (client-data.ts).
 */
import type { Knex } from 'knex';
import { pgArray, type ErasureScope } from './client-data';

/** Items of a digest payload as an array, whatever the payload holds. */
const ITEMS = `case when jsonb_typeof(n.payload->'items') = 'array' then n.payload->'items' else '[]'::jsonb end`;

function condition(scope: ErasureScope): { sql: string; bindings: string[] } {
  const clients = pgArray(scope.clientIds);
  const notices = pgArray(scope.parentIds.notices ?? []);
  return {
    sql: `(n.payload->>'clientId' = any(?::text[]) or n.payload->>'noticeId' = any(?::text[])
           or exists (select 1 from jsonb_array_elements(${ITEMS}) i where i->>'clientId' = any(?::text[])))`,
    bindings: [clients, notices, clients],
  };
}

/** Notifications whose payload still carries the client. Needs a firm-wide session, like every erasure count. */
export async function countClientNotifications(trx: Knex, scope: ErasureScope): Promise<number> {
  const c = condition(scope);
  const { rows } = await trx.raw(`select count(*)::int as n from notifications n where ${c.sql}`, c.bindings);
  return Number((rows as Array<{ n: number }>)[0]?.n ?? 0);
}

/**
 * Locks, `FOR UPDATE` and in key order, every notification the erasure will delete or strip of the
 * client's items: part of the erasure's lock pass before its first audited write (client-erasure.ts,
 * lockErasedRows). A person marking one read holds it to the commit; were the erasure to reach it only
 * while deleting, holding the firm's audit lock, and that transaction then write anything audited,
 * each would wait for the other. Counted, not fetched.
 */
export async function lockClientNotifications(trx: Knex.Transaction, scope: ErasureScope): Promise<void> {
  const c = condition(scope);
  await trx.raw(`select count(*) from (select 1 from notifications n where ${c.sql} order by n.id for update) locked`, c.bindings);
}

/**
 * In the erasure's transaction: a digest that also lists other clients keeps their items; every other
 * notification about the client is deleted. Returns the counts before and after.
 */
export async function eraseClientNotifications(trx: Knex.Transaction, scope: ErasureScope): Promise<{ before: number; after: number }> {
  const before = await countClientNotifications(trx, scope);
  if (before === 0) return { before, after: 0 };
  const clients = pgArray(scope.clientIds);
  const c = condition(scope);
  // Only the digest's items name the client: drop those items, keep the rest of the digest.
  await trx.raw(
    `update notifications n
        set payload = jsonb_set(n.payload, '{items}', (select coalesce(jsonb_agg(i), '[]'::jsonb) from jsonb_array_elements(${ITEMS}) i where not coalesce(i->>'clientId' = any(?::text[]), false))),
            updated_at = now()
      where ${c.sql}
        and not coalesce(n.payload->>'clientId' = any(?::text[]) or n.payload->>'noticeId' = any(?::text[]), false)
        and exists (select 1 from jsonb_array_elements(${ITEMS}) i where not coalesce(i->>'clientId' = any(?::text[]), false))`,
    [clients, ...c.bindings, clients, pgArray(scope.parentIds.notices ?? []), clients],
  );
  await trx.raw(`delete from notifications n where ${c.sql}`, c.bindings);
  return { before, after: await countClientNotifications(trx, scope) };
}
