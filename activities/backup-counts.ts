/**
 * Exact row counts of every table (and per firm, for tables with a firm_id column), read on the
 * connection given, so inside whatever snapshot its transaction holds: the backup counts inside the
 * snapshot it exports to pg_dump, the drill counts the restored copy.
 */
import pg from 'pg';
import { NO_FIRM, type DatabaseCounts } from '../domain/backup-counts';

type TableRow = { schema: string; table: string; has_firm: boolean };

/** Ordinary tables pg_dump dumps the data of: not system catalogues, not members of extensions. */
const TABLES_SQL = `
  select n.nspname as schema, c.relname as table,
         exists (select 1 from pg_attribute a
                  where a.attrelid = c.oid and a.attname = 'firm_id' and a.attnum > 0 and not a.attisdropped) as has_firm
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
   where c.relkind = 'r'
     and n.nspname <> 'information_schema' and n.nspname !~ '^pg_'
     and not exists (select 1 from pg_depend d
                      where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
   order by 1, 2`;

export async function countRows(client: pg.ClientBase, onTable?: (table: string) => void): Promise<DatabaseCounts> {
  const { rows: tables } = await client.query<TableRow>(TABLES_SQL);
  const counts: DatabaseCounts = { tables: {}, firms: {} };
  for (const t of tables) {
    const key = `${t.schema}.${t.table}`;
    const qualified = `${pg.escapeIdentifier(t.schema)}.${pg.escapeIdentifier(t.table)}`;
    onTable?.(key);
    if (t.has_firm) {
      // One scan gives both the total and the split per firm.
      const { rows } = await client.query<{ firm: string; n: string }>(
        `select coalesce(firm_id::text, $1) as firm, count(*) as n from ${qualified} group by 1 order by 1`,
        [NO_FIRM],
      );
      const perFirm: Record<string, number> = {};
      for (const row of rows) perFirm[row.firm] = Number(row.n);
      counts.firms[key] = perFirm;
      counts.tables[key] = Object.values(perFirm).reduce((sum, n) => sum + n, 0);
    } else {
      const { rows } = await client.query<{ n: string }>(`select count(*) as n from ${qualified}`);
      counts.tables[key] = Number(rows[0]?.n ?? 0);
    }
  }
  return counts;
}

/** The latest applied migration, or null when the database has no migrations table. */
export async function latestMigrationOf(client: pg.ClientBase): Promise<string | null> {
  const { rows: exists } = await client.query<{ found: boolean }>(`select to_regclass('public.knex_migrations') is not null as found`);
  if (!exists[0]?.found) return null;
  const { rows } = await client.query<{ name: string }>('select name from public.knex_migrations order by id desc limit 1');
  return rows[0]?.name ?? null;
}
