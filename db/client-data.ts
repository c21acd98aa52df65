/**
 * Reading a client's data table by table (for the export and the erasure's counts): rows in keyset
 * pages over each table's primary key, so a lakh rows never sit in memory, and the set of audit
 * events that are the client's. Tables come from the catalogue (client-data-catalogue.ts), never
 * from input.
 */
import type { Knex } from 'knex';
import { CLIENT_TABLES, PORTAL_USER_DEPENDENTS } from './client-data-catalogue';

const PAGE = 2000;

export async function primaryKeyColumns(trx: Knex, table: string): Promise<string[]> {
  const { rows } = await trx.raw(
    `select a.attname as name from pg_index i
       join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
      where i.indrelid = ?::regclass and i.indisprimary
      order by array_position(i.indkey::int2[], a.attnum)`,
    [table],
  );
  const columns = (rows as Array<{ name: string }>).map((r) => r.name);
  if (!columns.length) throw new Error(`table ${table} has no primary key: the client export pages by it`);
  return columns;
}

async function hasColumn(trx: Knex, table: string, column: string): Promise<boolean> {
  const { rows } = await trx.raw(`select 1 from pg_attribute where attrelid = ?::regclass and attname = ? and not attisdropped`, [table, column]);
  return rows.length > 0;
}

/**
 * The rows of a catalogued table that belong to the client (or to any of the clients): by its
 * client_id, or for a table without one, through its parent's rows. Every reader and deleter of a
 * client's data selects with this, so a table reached through a parent is never left out.
 */
export function clientRows(trx: Knex, table: string, clientIds: string | string[]): Knex.QueryBuilder {
  const ids = typeof clientIds === 'string' ? [clientIds] : clientIds;
  const through = CLIENT_TABLES[table]?.through;
  if (!through) return trx(table).whereIn(`${table}.client_id`, ids);
  return trx(table).whereIn(`${table}.${through.column}`, clientRows(trx, through.parent, ids).select(`${through.parent}.id`));
}

/**
 * Every row of `table` belonging to the client that an export writes, in primary key order, without
 * the omitted columns: all of them, or those whose parent matches the catalogue's `exportOnlyWith`.
 */
export async function* clientTableRows(trx: Knex, table: string, clientId: string): AsyncGenerator<Record<string, unknown>> {
  const keys = await primaryKeyColumns(trx, table);
  const omit = CLIENT_TABLES[table]?.omitColumns ?? [];
  const only = CLIENT_TABLES[table]?.exportOnlyWith;
  let after: unknown[] | null = null;
  for (;;) {
    const q = clientRows(trx, table, clientId).select(`${table}.*`).orderBy(keys).limit(PAGE);
    if (only) {
      const where = Object.fromEntries(Object.entries(only.where).map(([column, value]) => [`exported_parent.${column}`, value]));
      q.whereExists((parent) => parent.select(trx.raw('1')).from(`${only.parent} as exported_parent`).whereRaw('exported_parent.id = ??', [`${table}.${only.column}`]).where(where));
    }
    if (after) q.whereRaw(`(${keys.map(() => '??').join(', ')}) > (${keys.map(() => '?').join(', ')})`, [...keys, ...after] as never[]);
    const rows: Array<Record<string, unknown>> = await q;
    for (const row of rows) {
      const copy = { ...row };
      for (const column of omit) delete copy[column];
      yield copy;
    }
    if (rows.length < PAGE) return;
    const last = rows[rows.length - 1]!;
    after = keys.map((k) => last[k]);
  }
}

export async function countClientRows(trx: Knex, table: string, clientId: string): Promise<number> {
  const [row] = await clientRows(trx, table, clientId).count<Array<{ count: number }>>({ count: '*' });
  return Number(row?.count ?? 0);
}

/**
 * Ids of the client's rows in the tables other catalogued tables are reached through (its notices),
 * by parent table. An erasure reads them before it deletes anything and keeps them with its record
 * and in the erasure log: once the parents are gone, they are the only tie between a child row
 * some deletion missed and this client.
 */
export type ParentIds = Record<string, string[]>;

export async function clientParentIds(trx: Knex, clientId: string): Promise<ParentIds> {
  const parents = [...new Set(Object.values(CLIENT_TABLES).flatMap((t) => (t.through ? [t.through.parent] : [])))];
  const ids: ParentIds = {};
  for (const parent of parents) ids[parent] = ((await clientRows(trx, parent, clientId).select(`${parent}.id`)) as Array<{ id: string }>).map((r) => r.id);
  return ids;
}

/** Both lists of ids, each id once. */
export function mergeParentIds(a: ParentIds | undefined, b: ParentIds | undefined): ParentIds {
  const merged: ParentIds = {};
  for (const ids of [a ?? {}, b ?? {}]) for (const [parent, list] of Object.entries(ids)) merged[parent] = [...new Set([...(merged[parent] ?? []), ...list])];
  return merged;
}

/** An erasure's rows: the clients' ids, and the ids of their parent rows read before the deletion. */
export type ErasureScope = { clientIds: string[]; parentIds: ParentIds };

/**
 * The rows of a catalogued table an erasure deletes and then counts as left: what it counts as
 * `after`, its certificate as `remaining` and the restore drill as left over. A table with a
 * client_id is read by it. A table reached through a parent is read by the parent ids the erasure
 * kept (`notice_id` in the client's notice ids), not through the parent rows, which the erasure
 * deletes too: through them, a child row left behind would read 0. A row whose parent was another
 * client's, or that some other deletion orphaned, is never counted against this client.
 *
 * Needs a firm-wide session (the erasure's owner transaction, the firm job session, the drill's
 * owner connection): a session limited to some clients (a portal user's) does not see every row of
 * this client's tables, and a row it cannot see would count as gone.
 */
export function erasureRows(trx: Knex, table: string, scope: ErasureScope): Knex.QueryBuilder {
  const through = CLIENT_TABLES[table]?.through;
  if (!through) return clientRows(trx, table, scope.clientIds);
  return trx(table).whereRaw('??.?? = any(?::uuid[])', [table, through.column, pgArray(scope.parentIds[through.parent] ?? [])]);
}

export async function countErasureRows(trx: Knex, table: string, scope: ErasureScope): Promise<number> {
  const [row] = await erasureRows(trx, table, scope).count<Array<{ count: number }>>({ count: '*' });
  return Number(row?.count ?? 0);
}

/**
 * Who and what the client's audit events are about: the client, every row of its tables that has
 * an id, its portal users and their sessions and notifications. Read before an erasure deletes them.
 */
export async function clientEntityIds(trx: Knex, clientId: string, parentIds?: ParentIds): Promise<{ entityIds: string[]; portalUserIds: string[] }> {
  const entityIds = new Set<string>([clientId]);
  for (const [table, spec] of Object.entries(CLIENT_TABLES)) {
    // Tables kept and never exported (the erasure's own records) are not the client's data.
    if ((spec.erase !== 'delete' && spec.export !== true) || !(await hasColumn(trx, table, 'id'))) continue;
    // An erasure passes the parent ids it kept, so a child row whose parent an earlier attempt
    // deleted is still the client's (its deletion's audit event is redacted with the rest).
    const query = parentIds ? erasureRows(trx, table, { clientIds: [clientId], parentIds }) : clientRows(trx, table, clientId);
    const rows: Array<{ id: string }> = await query.select(`${table}.id`);
    for (const r of rows) entityIds.add(r.id);
  }
  const portalUserIds = ((await trx('users').select('id').where('client_id', clientId)) as Array<{ id: string }>).map((r) => r.id);
  for (const { table, column } of PORTAL_USER_DEPENDENTS) {
    if (!portalUserIds.length || !(await hasColumn(trx, table, 'id'))) continue;
    const rows: Array<{ id: string }> = await trx(table).select('id').whereIn(column, portalUserIds);
    for (const r of rows) entityIds.add(r.id);
  }
  return { entityIds: [...entityIds], portalUserIds };
}

/**
 * The condition (on audit_events aliased `a`) for the client's events: about one of its entities,
 * carrying its client id in a snapshot, or done by one of its portal users.
 */
/**
 * A PostgreSQL array literal for a `?::uuid[]` or `?::text[]` binding (knex would expand a JS array
 * into a list of parameters). Only for ids and table names, which contain no quotes or commas.
 */
export function pgArray(values: string[]): string {
  for (const v of values) if (!/^[\w-]+$/.test(v)) throw new Error(`not an id: ${v}`);
  return `{${values.join(',')}}`;
}

export function clientAuditCondition(clientId: string, ids: { entityIds: string[]; portalUserIds: string[] }): { sql: string; bindings: unknown[] } {
  return {
    sql: `(a.entity_id = any(?::uuid[]) or a.actor_id = any(?::uuid[]) or a.before->>'client_id' = ? or a.after->>'client_id' = ?
           or a.before->>'user_id' = any(?::text[]) or a.after->>'user_id' = any(?::text[]))`,
    bindings: [pgArray(ids.entityIds), pgArray(ids.portalUserIds), clientId, clientId, pgArray(ids.portalUserIds), pgArray(ids.portalUserIds)],
  };
}
