/**
 * Data export and erasure (docs/data-export-and-erasure.md): a firm admin (after re-authentication) exports a client as a
 * ZIP fetched once through a signed URL, or erases a client, and reads the signed certificate.
 * The work runs in the client export and erasure workflows; these routes record the request
 * (audited) and start the workflow with an id derived from it, so a double click finds the same
 * export or erasure. Each workflow starts after its record committed (export-start.ts, erasure-start.ts).
 */
import fs from 'node:fs';
import type { JWK } from 'jose';
import type { Knex } from 'knex';
import { z } from 'zod';
import { ApiError, notFound } from '../errors';
import { route, type RouteSpec } from '../routes';
import type { SignedUrlTokens } from '../signed-url-token';
import type { TemporalHandle } from '../temporal-client';
import { clientErasureWorkflowId } from '../../workflows/client-erasure-definitions';
import { recordErasure } from './erasure-request';
import { reconcileErasure } from './erasure-reconcile';
import { lockErasureStart, lookedRecord, recordFailedStart, recordStartedRun, seeRun } from './erasure-run';
import { awaitEndedRun, erasureEnding, startErasureWorkflow } from './erasure-start';
import { spendDownload } from './export-download';
import { deadExport, recordExport, removeExportFiles, startExportWorkflow, type DeadExport } from './export-start';
import { presentErasure, presentExport, type ErasureRow, type ExportRow } from './present';

export type DataProtectionRouteDeps = {
  knex: Knex;
  temporal: TemporalHandle;
  /** How long an export is kept and its URL works (domain/data-protection.ts). */
  exportTtlMs: number;
  /** The folder the worker writes ZIPs to (shared with the api, which serves them). */
  exportDir: string;
  downloadTokens: SignedUrlTokens;
  certificatePublicKey: JWK | null;
  publicUrl?: string;
  /** Grace for the client's workflows to end after cancellation (tests shorten it). */
  cancelGraceSeconds?: number;
};

const idParams = z.object({ id: z.uuid() });
const downloadQuery = z.object({ token: z.string().min(1).max(2000) });
const erasureBody = z.object({
  reason: z.string().trim().min(1, 'say why the client is erased').max(2000),
  confirmName: z.string().max(400),
});

export const EXPORT_DOWNLOAD_PATH = '/api/exports/download';

const downloadRefused = (code: string, message: string) => new ApiError(403, code, message);

export function dataProtectionRoutes(deps: DataProtectionRouteDeps): RouteSpec[] {
  const base = () => (deps.publicUrl ?? '').replace(/\/+$/, '');

  return [
    route<z.infer<typeof idParams>>({
      method: 'post',
      path: '/api/clients/:id/exports',
      action: 'clients.export',
      sensitive: true,
      // Recorded in a transaction of its own, the workflow started after its commit (export-start.ts).
      transaction: 'handler',
      params: idParams,
      async handler(ctx, { params }) {
        const record = (dead?: DeadExport) =>
          ctx.state.tenantTransaction((trx) => recordExport(trx, { clientId: params.id, requestedBy: ctx.state.user.id, ttlMs: deps.exportTtlMs, dead }));
        let recorded = await record();
        // A running export whose workflow has closed is never built: replaced by a new one (export-start.ts).
        const dead = recorded.status === 'running' ? await deadExport(deps.temporal, recorded) : null;
        if (dead) recorded = await record(dead);
        if (recorded.replaced) removeExportFiles(deps.exportDir, recorded.replaced);
        if (recorded.status === 'queued') await startExportWorkflow(deps.temporal, recorded);
        ctx.status = 202;
        ctx.body = { exportId: recorded.exportId, workflowId: recorded.workflowId };
      },
    }),
    route<unknown, z.infer<typeof downloadQuery>>({
      method: 'get',
      // Declared before /api/exports/:id, which would otherwise take 'download' for an id.
      path: EXPORT_DOWNLOAD_PATH,
      action: 'public',
      query: downloadQuery,
      async handler(ctx, { query }) {
        const claims = deps.downloadTokens.verifyClaims(query.token);
        if (claims === 'expired') throw downloadRefused('download_url_expired', 'This download URL has expired: request a new export.');
        if (typeof claims === 'string') throw downloadRefused('download_url_invalid', 'This download URL is not valid.');
        const scope = { firmId: claims.firmId, actor: { userId: null, email: 'holder of a signed download URL', role: 'public' }, requestId: ctx.state.requestId, ip: ctx.ip };
        const outcome = await spendDownload(deps, scope, claims.id, ctx.ip);
        if ('refused' in outcome) {
          if (outcome.refused === 'used') throw downloadRefused('download_url_used', 'This download URL has been used: each export downloads once. Request a new export.');
          if (outcome.refused === 'not_ready') throw new ApiError(409, 'export_not_ready', 'The export is not ready yet.');
          if (outcome.refused === 'missing') throw new ApiError(503, 'export_file_unavailable', "The export's file cannot be read on this server; the URL was not used. Try again later, or request a new export.");
          throw downloadRefused('download_url_expired', 'This export has expired: request a new one.');
        }
        ctx.type = 'application/zip';
        ctx.set('content-disposition', `attachment; filename="client-export-${outcome.row.client_id}-${outcome.row.id}.zip"`);
        ctx.set('cache-control', 'no-store');
        ctx.length = Number(outcome.row.size_bytes);
        ctx.body = fs.createReadStream('', { fd: outcome.fd });
      },
    }),
    route<z.infer<typeof idParams>>({
      method: 'get',
      path: '/api/exports/:id',
      action: 'clients.export',
      params: idParams,
      async handler(ctx, { params }) {
        const row = (await ctx.state.trx!('client_exports').where({ id: params.id }).first()) as ExportRow | undefined;
        if (!row) throw notFound('No such export.');
        const token = deps.downloadTokens.signClaims({ id: row.id, firmId: row.firm_id, expiresAt: new Date(row.expires_at) });
        ctx.body = presentExport(row, `${base() || ctx.origin}${EXPORT_DOWNLOAD_PATH}?token=${encodeURIComponent(token)}`);
      },
    }),
    route<z.infer<typeof idParams>, unknown, z.infer<typeof erasureBody>>({
      method: 'post',
      path: '/api/clients/:id/erasure',
      action: 'clients.erase',
      sensitive: true,
      // Recorded in a transaction of its own, the workflow started after its commit (erasure-request.ts, erasure-start.ts).
      transaction: 'handler',
      params: idParams,
      body: erasureBody,
      async handler(ctx, { params, body }) {
        const user = ctx.state.user;
        const workflowId = clientErasureWorkflowId(user.firmId, params.id);
        // One look-decide-start of the client's erasure at a time (erasure-run.ts, lockErasureStart): a
        // transaction of the pool that reads and writes no table (no tenant scope, no firm slot, no audit
        // lock) holds it to the end, around the short tenant transactions below.
        const recorded = await deps.knex.transaction(async (guard) => {
          await lockErasureStart(guard, params.id);
          // What Temporal says of the erasure's run is read first, with no transaction of the record open;
          // the decision it leads to is recorded (and audited) before any start (erasure-request.ts).
          // Before that, the record's start bookkeeping: whether no run in Temporal is one that ended and
          // was forgotten, or a start Temporal refused (erasure-run.ts).
          const record = async () => {
            const looked = await ctx.state.tenantTransaction((trx) => lookedRecord(trx, params.id));
            const seen = await seeRun(deps.temporal, workflowId);
            return ctx.state.tenantTransaction((trx) =>
              recordErasure(trx, { firmId: user.firmId, clientId: params.id, reason: body.reason, confirmName: body.confirmName, requestedBy: user.id, seen, looked }),
            );
          };
          let decided = await record();
          if (decided.status === 'failed') {
            // Reopened only once its last run has closed (erasure-start.ts); a run still open is 409 with nothing written.
            await awaitEndedRun(deps.temporal, decided.workflowId, decided.erasureId);
            decided = await record();
            if (decided.status === 'failed') throw erasureEnding();
          }
          if (decided.start) {
            const input = { firmId: decided.firmId, clientId: decided.clientId, erasureId: decided.erasureId, cancelGraceSeconds: deps.cancelGraceSeconds };
            const start = await startErasureWorkflow(deps.temporal, input, decided.workflowId, decided.runToken).catch(async (error: unknown) => {
              // Refused: recorded (quiet), so the next look starts this decision instead of taking it for a run that ended.
              await ctx.state.tenantTransaction((trx) => recordFailedStart(trx, deps.temporal, decided.workflowId, decided.erasureId, decided.runToken)).catch(() => undefined);
              throw error;
            });
            // After the start (a short write of its own, not audited): once Temporal forgets the run, the
            // record still shows it started, so it is restarted with an audit event, not taken for never
            // started. A run found open is recorded by whoever started it, or by the next look that sees it.
            // The start happened either way, so a failed write here does not fail the request.
            if (start === 'started') await ctx.state.tenantTransaction((trx) => recordStartedRun(trx, decided.erasureId, decided.runToken)).catch(() => undefined);
          }
          return decided;
        });
        ctx.status = 202;
        ctx.body = { erasureId: recorded.erasureId, workflowId: recorded.workflowId };
      },
    }),
    route<z.infer<typeof idParams>>({
      method: 'get',
      path: '/api/erasures/:id',
      action: 'clients.erase',
      params: idParams,
      async handler(ctx, { params }) {
        const row = (await ctx.state.trx!('client_erasures').where({ id: params.id }).first()) as ErasureRow | undefined;
        if (!row) throw notFound('No such erasure.');
        // A `running` record with nothing running is started or recorded failed here (erasure-reconcile.ts).
        ctx.body = presentErasure(await reconcileErasure(deps, ctx.state.trx!, row), deps.certificatePublicKey);
      },
    }),
    route({
      method: 'get',
      path: '/api/certificate-key',
      action: 'public',
      async handler(ctx) {
        if (!deps.certificatePublicKey) throw new ApiError(503, 'unavailable', 'No certificate key is configured.');
        ctx.body = deps.certificatePublicKey;
      },
    }),
  ];
}

