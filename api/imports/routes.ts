/**
 * Imports (docs/reconciliation.md, "Imports"): create an import and get a signed, single-use, 15-minute upload URL; PUT the
 * file to it (no session: the URL is the credential); read the import back.
 */
import type { Context } from 'koa';
import type { Knex } from 'knex';
import { z } from 'zod';
import { Client } from '../../db/models/client';
import { istIso } from '../../domain/calendar/dates';
import { Import, IMPORT_KINDS, type ImportKind } from '../../db/models/import';
import { insertImportText } from '../../db/recon-rows';
import { applyScope, inTenantTransaction, setAuditAction, type TenantScope } from '../../db/tenant';
import { ApiError, forbidden, notFound, tooLarge } from '../errors';
import { whileClientWaits } from '../middleware/client-gone';
import { decodeCursor, page, pageQuery } from '../pagination';
import { idParams, period } from '../schemas';
import { route, type RouteSpec } from '../routes';
import { discardImport } from './discard';
import { assertImportPeriod } from './period-frequency';
import { parseInWorker, type ParserLogger, warmParsers } from './parse-pool';
import type { ParsedFile } from './parse-worker';
import type { ParsedUpload, ReadLimits } from './upload-result';
import { spoolBody, type Spooled } from './spool';
import type { FirmGate } from '../limits/firm-gate';
import type { UploadTokens } from './upload-token';

export type ImportSettings = {
  tokens: UploadTokens;
  /** Caps per kind of file, enforced on the declared size and again while the body streams. */
  maxJsonBytes: number;
  maxTabularBytes: number;
  /** How long an upload URL is valid. */
  urlMinutes: number;
  /** Base of the upload URL as users reach the API; the request's own origin when absent. */
  publicUrl?: string;
  /** Rows, cells and ZIP expansion one upload may reach. */
  readLimits: ReadLimits;
  /** Per-firm fairness for the upload's transactions. */
  firmGate: FirmGate;
  /** How long a read upload waits for one of its firm's slots to be stored (app.ts `uploadStoreWaitMs`). */
  storeWaitMs: number;
  /** Parses (and stores) at once in this process: each holds a whole file's rows in memory. */
  parseSlots: FirmGate;
  /** The parser threads' heap cap (parse-pool.ts `parserHeapMb`, from the caps above). */
  parserHeapMb: number;
  /** The api's logger: a parser thread that fails outside an upload is reported there (parse-pool.ts). */
  logger?: ParserLogger;
  /** Where bodies are spooled (the system's temporary folder when absent). */
  spoolDir?: string;
  /**
   * Runs in the upload's transaction once a GSTR-2B's rows are stored: supplier chases stop for
   * the documents it shows (docs/follow-ups.md, "Supplier chases").
   */
  afterGstr2bStored?: (trx: Knex.Transaction, stored: { clientId: string; importId: string; period: string }) => Promise<void>;
};

/** The raw-body upload route: the JSON body parser must leave these requests alone. */
export const UPLOAD_PATH = '/api/uploads';

const createBody = z.object({
  kind: z.enum(IMPORT_KINDS),
  period,
  filename: z.string().trim().min(1).max(255),
  contentType: z.string().trim().min(1).max(255),
  size: z.number().int().positive(),
});
const uploadQuery = z.object({ token: z.string().min(1).max(2000) });
const listQuery = z.object({
  ...pageQuery,
  period: period.optional(),
  kind: z.enum(IMPORT_KINDS).optional(),
});

export function capFor(settings: ImportSettings, kind: ImportKind): number {
  // A portal return (JSON or its Excel) has the larger cap; a register the tabular one.
  return kind === 'purchase_register' ? settings.maxTabularBytes : settings.maxJsonBytes;
}

export function presentImport(row: Import) {
  return {
    id: row.id,
    clientId: row.clientId,
    kind: row.kind,
    period: row.period,
    status: row.status,
    filename: row.filename,
    rows: row.rows,
    warnings: row.warnings,
    errors: row.errors,
    sha256: row.sha256,
    sizeBytes: row.sizeBytes === null ? null : Number(row.sizeBytes),
    duplicateOf: row.duplicateOf,
    uploadedAt: row.uploadedAt,
    discardedAt: row.discardedAt ?? null,
    createdAt: row.createdAt,
  };
}

type UploadOutcome = { ok: true; body: Record<string, unknown> } | { ok: false; error: ApiError };

const urlRefused = (code: string, message: string) => new ApiError(403, code, message);

/** An import waiting for its file; `limit` is its declared size (or, for a row without one, the kind's cap). */
type Pending = { id: string; kind: ImportKind; period: string; clientId: string; clientGstin: string; filename: string; limit: number; exact: boolean };

/** The import an upload URL names, if it still waits for its file (a short read, no lock kept). */
async function pendingImport(knex: Knex, settings: ImportSettings, scope: TenantScope, importId: string): Promise<Pending | ApiError> {
  return inTenantTransaction(knex, scope, async () => {
    const row = await Import.query().findById(importId);
    if (!row) return urlRefused('upload_url_invalid', 'This upload URL is not valid.');
    if (row.status !== 'awaiting_upload') return urlRefused('upload_url_used', 'This upload URL was already used: create a new import.');
    const client = await Client.query().findById(row.clientId);
    if (!client) return urlRefused('upload_url_invalid', 'This upload URL is not valid.');
    const declared = row.declaredSize === null ? null : Number(row.declaredSize);
    const limit = declared ?? capFor(settings, row.kind);
    return { id: row.id, kind: row.kind, period: row.period, clientId: row.clientId, clientGstin: client.gstin, filename: row.filename ?? 'upload', limit, exact: declared !== null };
  });
}

type Refusal = Extract<ParsedUpload, { ok: false }>;

/** The body must be the size that was declared when the URL was made (itself under the kind's cap). */
function sizeRefusal(pending: Pending, bytes: number, overLimit: boolean): Refusal | null {
  // An empty body is the readers' to refuse (empty_file says more than a size mismatch).
  if (!overLimit && (!pending.exact || bytes === pending.limit || bytes === 0)) return null;
  const message = overLimit
    ? `The file is larger than the ${pending.limit} bytes ${pending.exact ? 'declared for this import' : 'allowed for this kind of import'}.`
    : `The file has ${bytes} bytes, not the ${pending.limit} declared for this import.`;
  return { ok: false, status: overLimit ? 413 : 400, code: overLimit ? 'too_large' : 'invalid_file', message, errors: [{ code: 'size_mismatch', message, fatal: true }] };
}

/**
 * Receives an upload in three steps, so no database connection waits for the client or the parser:
 * check the import (short read), spool the body to a private file (capped at the declared size) and
 * parse it (ZIP and row caps first; one heavy parse at a time per slot), then lock the import row,
 * check again that it still waits, and store the rows or the refusal in one transaction.
 */
async function receiveUpload(knex: Knex, settings: ImportSettings, ctx: Context, importId: string, firmId: string): Promise<UploadOutcome> {
  const scope: TenantScope = { firmId, actor: { userId: null, email: 'system:upload', role: 'system' }, requestId: ctx.state.requestId as string, ip: ctx.ip };
  const signal = ctx.state.deadline as AbortSignal | undefined;
  const pending = await settings.firmGate.run(firmId, () => pendingImport(knex, settings, scope, importId));
  if (pending instanceof ApiError) return { ok: false, error: pending };
  const announced = Number(ctx.get('content-length') || 0);
  if (announced > pending.limit) {
    // Refused before a byte is read (the URL is spent, as for any refused file).
    ctx.set('Connection', 'close');
    const refusal = sizeRefusal(pending, announced, true) as Refusal;
    return settings.firmGate.run(firmId, () => storeUpload(knex, scope, pending, { bytes: announced, sha256: '' }, refusal, signal, settings.afterGstr2bStored));
  }

  const spooled = await spoolBody(ctx.req, pending.limit, settings.spoolDir);
  try {
    const refusal = sizeRefusal(pending, spooled.bytes, spooled.overLimit);
    if (spooled.overLimit) ctx.set('Connection', 'close'); // the rest of the body is not read
    if (!refusal) {
      // The waits for a parse slot and for the firm's turn to store end early if the client goes
      // (or the deadline passes), so a gone upload does not wait for slots. A parse already running
      // runs to its end (stopping a thread costs its restart); its rows are then not stored.
      const waiting = whileClientWaits(ctx, signal);
      try {
        const release = await settings.parseSlots.enter('parse', { signal: waiting.signal });
        try {
          // On a parser thread (parse-pool.ts): this thread streams the rows it made to PostgreSQL.
          const file = await parseInWorker({ expect: { kind: pending.kind, period: pending.period, clientGstin: pending.clientGstin, filename: pending.filename, file: spooled.file }, limits: settings.readLimits }, { heapMb: settings.parserHeapMb, signal, logger: settings.logger });
          // Its user has waited for the parse: it waits its turn to be stored (longer than a read
          // would) rather than be refused and thrown away.
          return await settings.firmGate.run(firmId, () => storeUpload(knex, scope, pending, spooled, file, signal, settings.afterGstr2bStored), { waitMs: settings.storeWaitMs, signal: waiting.signal });
        } finally {
          release();
        }
      } finally {
        waiting.done();
      }
    }
    return await settings.firmGate.run(firmId, () => storeUpload(knex, scope, pending, spooled, refusal, signal, settings.afterGstr2bStored));
  } finally {
    await spooled.remove();
  }
}

/** The one transaction of an upload: the import row locked, checked, then filled or rejected. */
async function storeUpload(knex: Knex, scope: TenantScope, pending: Pending, spooled: Pick<Spooled, 'bytes' | 'sha256'>, parsed: ParsedFile, signal: AbortSignal | undefined, afterGstr2bStored?: ImportSettings['afterGstr2bStored']): Promise<UploadOutcome> {
  return inTenantTransaction(
    knex,
    scope,
    async (trx) => {
      // FOR NO KEY UPDATE: two uploads to one URL (and a discard, FOR UPDATE) still take turns; rows
      // referencing the import are not stopped by it (docs/architecture.md, "Locks").
      const row = await Import.query().findById(pending.id).forNoKeyUpdate();
      if (!row) return { ok: false, error: urlRefused('upload_url_invalid', 'This upload URL is not valid.') };
      // The person who asked for the URL is the actor of the upload in the audit trail.
      const actor: { email: string; role: string } | undefined = row.createdBy ? await trx('users').where({ id: row.createdBy }).first('email', 'role') : undefined;
      await applyScope(trx, { ...scope, actor: { userId: row.createdBy, email: actor?.email ?? 'unknown', role: actor?.role ?? 'unknown' } });
      // Two uploads to one URL at once: the first to get here wins, the other is refused.
      if (row.status !== 'awaiting_upload') return { ok: false, error: urlRefused('upload_url_used', 'This upload URL was already used: create a new import.') };

      const now = new Date();
      if (!parsed.ok) {
        await setAuditAction(trx, 'import.rejected');
        await Import.query().patchAndFetchById(row.id, { status: 'rejected', errors: parsed.errors, sizeBytes: spooled.bytes, uploadedAt: now } as Partial<Import>);
        return { ok: false, error: new ApiError(parsed.status, parsed.code, parsed.message, { importId: row.id, errors: parsed.errors, ...(parsed.hint ? { hint: parsed.hint } : {}) }) };
      }

      const sha256 = spooled.sha256;
      // A re-upload of the same bytes is recognised (and said so); its rows are still its own.
      const earlier = await Import.query()
        .where({ client_id: row.clientId, kind: row.kind, period: row.period, sha256, status: 'validated' })
        .whereNot('id', row.id)
        .orderBy('uploaded_at')
        .first();
      const warnings = earlier ? [{ code: 'duplicate_upload', message: `The same file was already uploaded as import ${earlier.id}.` }, ...parsed.warnings] : parsed.warnings;
      await insertImportText(trx, { firmId: scope.firmId, clientId: row.clientId, importId: row.id, period: row.period }, parsed.text);
      await setAuditAction(trx, 'import.uploaded');
      await Import.query().patchAndFetchById(row.id, {
        status: 'validated',
        sha256,
        sizeBytes: spooled.bytes,
        rows: parsed.rows,
        warnings,
        detectedFormat: parsed.format,
        duplicateOf: earlier?.id ?? null,
        metadata: parsed.metadata,
        uploadedAt: now,
      } as Partial<Import>);
      await setAuditAction(trx, null);
      if (row.kind === 'gstr2b') await afterGstr2bStored?.(trx, { clientId: row.clientId, importId: row.id, period: row.period });
      return { ok: true, body: { importId: row.id, status: 'validated', rows: parsed.rows, warnings, sha256, duplicateOf: earlier?.id ?? null } };
    },
    { signal },
  );
}

/** Marks an import whose URL lapsed unused as expired (only if it is still waiting). */
async function expireImport(knex: Knex, importId: string, firmId: string): Promise<void> {
  await inTenantTransaction(knex, { firmId, actor: { userId: null, email: 'system:upload', role: 'system' } }, async (trx) => {
    await setAuditAction(trx, 'import.expired');
    await Import.query().patch({ status: 'expired' } as Partial<Import>).where({ id: importId, status: 'awaiting_upload' });
  });
}

export function importRoutes(deps: { knex: Knex; settings: ImportSettings; /** Today in India: the import window's date. */ today: () => string }): RouteSpec[] {
  const { knex, settings } = deps;
  return [
    route({
      method: 'post',
      path: '/api/clients/:id/imports',
      action: 'imports.create',
      params: idParams,
      body: createBody,
      async handler(ctx, { params, body }) {
        const client = await Client.query().findById(params.id);
        if (!client) throw notFound('No such client.');
        await assertImportPeriod(ctx.state.trx, client, body.kind, body.period, deps.today());
        const cap = capFor(settings, body.kind);
        if (body.size > cap) throw tooLarge(`The file is larger than the ${Math.round(cap / 1048576)} MB allowed for this kind of import.`);
        const expiresAt = new Date(Date.now() + settings.urlMinutes * 60_000);
        const row = await Import.query().insertAndFetch({
          clientId: client.id,
          kind: body.kind,
          period: body.period,
          filename: body.filename,
          contentType: body.contentType,
          declaredSize: body.size,
          createdBy: ctx.state.user.id,
          uploadExpiresAt: expiresAt,
        } as Partial<Import>);
        const token = await settings.tokens.sign({ importId: row.id, firmId: row.firmId, expiresAt });
        warmParsers(settings.parserHeapMb, settings.logger); // the file follows
        const base = (settings.publicUrl ?? ctx.origin).replace(/\/+$/, '');
        ctx.status = 201;
        ctx.body = { importId: row.id, uploadUrl: `${base}${UPLOAD_PATH}?token=${encodeURIComponent(token)}`, expiresAt: istIso(expiresAt) };
      },
    }),
    route({
      method: 'put',
      path: UPLOAD_PATH,
      action: 'public',
      query: uploadQuery,
      async handler(ctx, { query }) {
        const checked = await settings.tokens.verify(query.token);
        if (!checked.ok && checked.reason === 'expired') {
          // The signature held, so the ids are ours to trust: record the lapse, then refuse.
          await expireImport(knex, checked.claims.importId, checked.claims.firmId);
          throw urlRefused('upload_url_expired', 'This upload URL has expired: create a new import.');
        }
        if (!checked.ok) throw forbidden('upload_url_invalid', 'This upload URL is not valid.');
        const outcome = await receiveUpload(knex, settings, ctx, checked.claims.importId, checked.claims.firmId);
        if (!outcome.ok) throw outcome.error;
        ctx.body = outcome.body;
      },
    }),
    route({
      method: 'get',
      path: '/api/clients/:id/imports',
      action: 'imports.read',
      params: idParams,
      query: listQuery,
      async handler(ctx, { params, query }) {
        if (!(await Client.query().findById(params.id))) throw notFound('No such client.');
        // Newest first; the cursor is the (microsecond-exact) creation time and the id.
        const after = decodeCursor(query.cursor, 2);
        const q = Import.query()
          .select('*', Import.raw('(extract(epoch from created_at) * 1000000)::bigint as cursor_us'))
          .where('client_id', params.id)
          .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
          .limit(query.limit + 1);
        if (query.period) q.where('period', query.period);
        if (query.kind) q.where('kind', query.kind);
        if (after) q.whereRaw('((extract(epoch from created_at) * 1000000)::bigint, id) < (?::bigint, ?::uuid)', after);
        const result = page(await q, query.limit, (row) => [String((row as unknown as { cursorUs: number }).cursorUs), row.id]);
        ctx.body = { items: result.items.map(presentImport), nextCursor: result.nextCursor };
      },
    }),
    route({
      method: 'get',
      path: '/api/imports/:id',
      action: 'imports.read',
      params: idParams,
      async handler(ctx, { params }) {
        const row = await Import.query().findById(params.id);
        if (!row) throw notFound('No such import.');
        ctx.body = presentImport(row);
      },
    }),
    route({
      method: 'delete',
      path: '/api/imports/:id',
      action: 'imports.discard',
      params: idParams,
      async handler(ctx, { params }) {
        const { row } = await discardImport(ctx.state.trx, params.id, ctx.state.user.id);
        ctx.body = presentImport(row);
      },
    }),
  ];
}
