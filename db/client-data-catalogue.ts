/**
 * Where a client's data lives, table by table: what a client export writes and what a client
 * erasure deletes. One list, so export and erasure cannot disagree. A test compares it with the
 * database's own catalogue: a table with a `client_id` column that is not listed here fails the
 * suite, and so does a table without one that hangs off a listed table by a foreign key (a notice's
 * drafts, reviews, hearings), so a new per-client table must decide its export and erasure when it
 * is added.
 *
 * Deletion order is not written here: the erasure reads the foreign keys between these tables and
 * deletes children before parents.
 */

export type ClientTable = {
  /** Written to the ZIP as tables/<table>.json (array of rows); false for rows kept out, with why. */
  export: true | { skip: string };
  /** Deleted by an erasure, or kept with the reason the certificate states. */
  erase: 'delete' | { keep: string };
  /** Columns never exported (secrets, hashes of passwords). */
  omitColumns?: string[];
  /** A column naming a file under the file store that belongs to the row (exported and deleted with it). */
  fileColumn?: string;
  /** Bytes kept in the row itself (bytea): exported as files/<table>/<id>-<name>, read in slices. */
  storedFile?: { content: string; name: string };
  /** A column holding a Temporal workflow id the erasure cancels before deleting. */
  workflowIdColumn?: string;
  /** For a table without a client_id: its rows are the client's through `column`, the id of a row of `parent`. */
  through?: { parent: string; column: string };
  /**
   * Exported only when the row's parent (`column` holds its id) matches `where`; erased, counted and
   * purged like every other row. For rows that exist a moment before they mean anything: a run's
   * result rows are written in two commits, and between them (or after a lost second commit) some are
   * stored for a run that is not complete, which no reader may take for its results.
   */
  exportOnlyWith?: { parent: string; column: string; where: Record<string, string> };
};

export const CLIENT_TABLES: Record<string, ClientTable> = {
  imports: { export: true, erase: 'delete' },
  import_rows: { export: true, erase: 'delete' },
  reconciliation_runs: { export: true, erase: 'delete', workflowIdColumn: 'workflow_id' },
  // Only a completed run's results are results (docs/reconciliation.md, "Runs"): the api refuses the
  // others' (409), and the export leaves out rows of a run that has not completed.
  reconciliation_results: { export: true, erase: 'delete', exportOnlyWith: { parent: 'reconciliation_runs', column: 'run_id', where: { status: 'completed' } } },
  reconciliation_suppliers: { export: true, erase: 'delete' },
  reconciliation_decisions: { export: true, erase: 'delete' },
  periods: { export: true, erase: 'delete' },
  close_requests: { export: true, erase: 'delete', workflowIdColumn: 'workflow_id' },
  // Compliance calendar (migration 009): returns filed, frequency changes, deadline alerts.
  filings: { export: true, erase: 'delete' },
  client_frequency_changes: { export: true, erase: 'delete' },
  calendar_alerts: { export: true, erase: 'delete' },
  // Portal users of the client: exported without credentials, deleted with their sessions (revoked).
  follow_ups: { export: true, erase: 'delete', workflowIdColumn: 'workflow_id' },
  follow_up_items: { export: true, erase: 'delete' },
  // The link's token hash is a credential: revoked by the deletion, never handed out.
  follow_up_links: { export: true, erase: 'delete', omitColumns: ['token_hash'] },
  // Uploaded bytes live in the row (bytea): the JSON carries the file's name, size and SHA-256, and
  // the bytes themselves go to the ZIP as a file of their own (hashed in the manifest).
  follow_up_files: { export: true, erase: 'delete', omitColumns: ['content'], storedFile: { content: 'content', name: 'filename' } },
  outbox: { export: true, erase: 'delete' },
  // Invitations of the client's portal users: the link's token hash is a credential, never handed out.
  account_invitations: { export: true, erase: 'delete', omitColumns: ['token_hash'] },
  notices: { export: true, erase: 'delete', workflowIdColumn: 'workflow_id' },
  // A notice's drafts, reviews, hearings and the reminders that fired carry no client_id of their
  // own: they are the client's through their notice.
  notice_drafts: { export: true, erase: 'delete', through: { parent: 'notices', column: 'notice_id' } },
  notice_reviews: { export: true, erase: 'delete', through: { parent: 'notices', column: 'notice_id' } },
  notice_hearings: { export: true, erase: 'delete', through: { parent: 'notices', column: 'notice_id' } },
  notice_alerts: { export: true, erase: 'delete', through: { parent: 'notices', column: 'notice_id' } },
  // A notice's papers (its PDF, working papers, the reply, orders, evidence): bytes in the row, like
  // follow-up files, so the bytes go to the ZIP as files of their own.
  notice_documents: { export: true, erase: 'delete', omitColumns: ['content'], storedFile: { content: 'content', name: 'filename' } },
  users: { export: true, erase: 'delete', omitColumns: ['password_hash', 'totp_secret', 'totp_pending_secret', 'totp_last_step'] },
  client_exports: {
    export: { skip: 'earlier exports of the client are files handed out already, not client data' },
    erase: 'delete',
    fileColumn: 'file_name',
    workflowIdColumn: 'workflow_id',
  },
  client_erasures: {
    export: { skip: 'the erasure record exists only once the client is being erased' },
    erase: { keep: "the firm's record of the erasure it instructed: ids, counts and the certificate, no personal data" },
  },
  // Retention (migration 020): what the nightly run purged of the client, per period and class (ids and counts).
  retention_purges: { export: true, erase: 'delete' },
  retention_purges_in_progress: {
    export: { skip: 'a marker that exists only inside a retention purge transaction' },
    erase: { keep: 'never committed: it exists only inside the purging transaction' },
  },
  erasures_in_progress: {
    export: { skip: 'a marker that exists only inside an erasure transaction' },
    erase: { keep: 'never committed: it exists only inside the erasing transaction' },
  },
};

/** Rows of other tables that hang off the client's portal users; deleted before the users (revocation). */
export const PORTAL_USER_DEPENDENTS: Array<{ table: string; column: string }> = [
  { table: 'sessions', column: 'user_id' },
  { table: 'user_known_ips', column: 'user_id' },
  { table: 'notifications', column: 'user_id' },
];

export function exportedTables(): string[] {
  return Object.entries(CLIENT_TABLES)
    .filter(([, t]) => t.export === true)
    .map(([name]) => name);
}

export function erasedTables(): string[] {
  return Object.entries(CLIENT_TABLES)
    .filter(([, t]) => t.erase === 'delete')
    .map(([name]) => name);
}

export function keptTables(): Array<{ table: string; reason: string }> {
  return Object.entries(CLIENT_TABLES).flatMap(([table, t]) => (t.erase === 'delete' ? [] : [{ table, reason: t.erase.keep }]));
}

/** The database's own list of tables with a client_id column (public schema). */
export const CLIENT_ID_TABLES_SQL = `
  select c.relname as table
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname = 'public' and c.relkind in ('r', 'p')
     and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'client_id' and not a.attisdropped)
   order by 1`;

/**
 * Tables without a client_id that reference one of the given tables (the client's tables and
 * `clients`) by a foreign key: rows that are the client's only through a parent. References to
 * `users` are left out (most name a firm member; a portal user's rows are PORTAL_USER_DEPENDENTS).
 */
export const CHILD_TABLES_SQL = `
  select distinct child.relname as table, parent.relname as parent
    from pg_constraint k
    join pg_class child on child.oid = k.conrelid
    join pg_namespace n on n.oid = child.relnamespace
    join pg_class parent on parent.oid = k.confrelid
   where k.contype = 'f' and n.nspname = 'public' and parent.relname = any(?::text[]) and parent.relname <> 'users'
     and not exists (select 1 from pg_attribute a where a.attrelid = child.oid and a.attname = 'client_id' and not a.attisdropped)
   order by 1, 2`;

/**
 * Ties between tables that triggers keep instead of a foreign key (checked once a statement rather
 * than once a row: migrations 040 and 043); ordered like foreign keys.
 */
export const KEYS_KEPT_BY_TRIGGERS: Array<{ child: string; parent: string }> = [
  { child: 'import_rows', parent: 'imports' },
  { child: 'reconciliation_results', parent: 'reconciliation_runs' },
];

/** Foreign keys among the given tables, and the ties above: [child, parent] pairs (self references left out). */
export const FOREIGN_KEYS_SQL = `
  with wanted (children, parents) as (select ?::text[], ?::text[])
  select child.relname::text as child, parent.relname::text as parent
    from pg_constraint k
    join pg_class child on child.oid = k.conrelid
    join pg_class parent on parent.oid = k.confrelid
    cross join wanted
   where k.contype = 'f' and child.relname = any(wanted.children) and parent.relname = any(wanted.parents) and child.oid <> parent.oid
  union
  select kept.child, kept.parent
    from (values ${KEYS_KEPT_BY_TRIGGERS.map((k) => `('${k.child}', '${k.parent}')`).join(', ')}) as kept (child, parent)
    cross join wanted
   where kept.child = any(wanted.children) and kept.parent = any(wanted.parents)`;

/** Children before parents (Kahn's algorithm over the child → parent edges); ties in name order. */
export function deletionOrder(tables: string[], edges: Array<{ child: string; parent: string }>): string[] {
  const remaining = new Set(tables);
  const order: string[] = [];
  while (remaining.size) {
    const ready = [...remaining].filter((t) => !edges.some((e) => e.parent === t && e.child !== t && remaining.has(e.child))).sort();
    if (!ready.length) throw new Error(`foreign keys form a cycle among ${[...remaining].join(', ')}`);
    for (const t of ready) {
      order.push(t);
      remaining.delete(t);
    }
  }
  return order;
}
