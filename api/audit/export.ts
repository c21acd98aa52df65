/**
 * The audit trail's export (docs/security-and-tenancy.md, "Audit trail"), streamed: a firm's trail
 * can hold lakhs of events, so it is read in keyset pages by `seq`, each page in its own short
 * tenant transaction (row-level security and the model's firm filter apply), and a page is read
 * only when the download has taken the one before (backpressure: the stream pulls the next page
 * when its consumer asks for more). No connection, lock or firm slot is held while a slow client
 * downloads.
 *
 * Every page stops at `throughSeq`, the firm's last event when the export was asked for (its own
 * `audit.exported` event). A firm's `seq` is given out under the firm's audit lock, held to the
 * commit, so every event up to it has committed by the time the pages are read, and none after it
 * is included: the export holds exactly what one read in the request's transaction would have, in
 * the same bytes (CSV or a JSON array).
 */
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { Knex } from 'knex';
import { AuditEvent } from '../../db/models/audit-event';
import { inTenantTransaction, type TenantScope } from '../../db/tenant';
import { safeCell } from '../../domain/csv-safe';
import { presentAuditEvent } from '../presenters';

export type AuditFilters = { entityType?: string; entityId?: string; actorId?: string; action?: string; from?: string; to?: string };

/** Events per page: a page's rows and their JSON in memory at once, a transaction per page. */
export const AUDIT_EXPORT_PAGE = 1000;

/** The firm's events matching the filters (the list and the export share it). */
export function filteredAuditEvents(f: AuditFilters) {
  const q = AuditEvent.query();
  if (f.entityType) q.where('entity_type', f.entityType);
  if (f.entityId) q.where('entity_id', f.entityId);
  if (f.actorId) q.where('actor_id', f.actorId);
  if (f.action) q.where('action', f.action);
  if (f.from) q.where('at', '>=', f.from);
  if (f.to) q.where('at', '<', f.to);
  return q;
}

export type AuditExportSource = { knex: Knex; scope: TenantScope; filters: AuditFilters; throughSeq: number; pageSize?: number };

/** The firm's last event's `seq`, read in the caller's tenant transaction (0 for an empty trail). */
export async function lastAuditSeq(): Promise<number> {
  const row = (await AuditEvent.query().max('seq as last').first()) as unknown as { last: string | number | null } | undefined;
  return Number(row?.last ?? 0);
}

/** The matching events in `seq` order, a page per transaction, up to `throughSeq`. */
export async function* auditEventPages(src: AuditExportSource): AsyncGenerator<AuditEvent[]> {
  const size = src.pageSize ?? AUDIT_EXPORT_PAGE;
  let after = 0;
  for (;;) {
    const rows: AuditEvent[] = await inTenantTransaction(src.knex, src.scope, async () =>
      filteredAuditEvents(src.filters).where('seq', '>', after).where('seq', '<=', src.throughSeq).orderBy('seq', 'asc').limit(size),
    );
    if (rows.length > 0) yield rows;
    if (rows.length < size) return;
    after = Number(rows[rows.length - 1]!.seq);
  }
}

export const AUDIT_CSV_COLUMNS = ['seq', 'id', 'at', 'actorId', 'actorEmail', 'actorRole', 'action', 'entityType', 'entityId', 'before', 'after', 'requestId', 'ip'];

/** An event as a CSV record: every cell through safeCell (payloads hold client-supplied text). */
export function auditCsvRecord(e: ReturnType<typeof presentAuditEvent>): string[] {
  return [e.seq, e.id, e.at.toISOString(), e.actor.id, e.actor.email, e.actor.role, e.action, e.entityType, e.entityId, e.before, e.after, e.requestId, e.ip].map(safeCell);
}

/**
 * The CSV download, a page of records at a time (the bytes of one stringifier over every record).
 * Lazy like the JSON one: nothing is read until the response pulls, which Koa does only after the
 * request's transaction has committed. A stream piped here would start reading at once, and the
 * first page could then miss the export's own uncommitted `audit.exported` event.
 */
export function auditCsvExport(src: AuditExportSource): Readable {
  async function* chunks() {
    let header = true;
    for await (const page of auditEventPages(src)) {
      yield stringify(page.map((e) => auditCsvRecord(presentAuditEvent(e))), { header, columns: AUDIT_CSV_COLUMNS });
      header = false;
    }
    if (header) yield stringify([], { header: true, columns: AUDIT_CSV_COLUMNS });
  }
  return Readable.from(chunks(), { highWaterMark: 1 });
}

/** The JSON download: the bytes of JSON.stringify(array of events), written a page at a time. */
export function auditJsonExport(src: AuditExportSource): Readable {
  async function* chunks() {
    let first = true;
    yield '[';
    for await (const page of auditEventPages(src)) {
      yield `${first ? '' : ','}${page.map((e) => JSON.stringify(presentAuditEvent(e))).join(',')}`;
      first = false;
    }
    yield ']';
  }
  // One chunk (a page) read ahead at most: the default of sixteen would hold sixteen pages.
  return Readable.from(chunks(), { highWaterMark: 1 });
}
