/**
 * Data export and erasure (docs/data-export-and-erasure.md): a firm admin (after re-authentication) exports a client as a
 * ZIP fetched once through a signed URL, or erases a client, and reads the signed certificate.
 * The work runs in the client export and erasure workflows; these routes record the request
 * (audited) and start the workflow with an id derived from it, so a double click finds the same
 * export or erasure. An export's workflow starts after its record committed (export-start.ts).
 */
import fs from 'node:fs';
import type { JWK } from 'jose';
import type { Knex } from 'knex';
import { z } from 'zod';
import { Client } from '../../db/models/client';
import { lockClientErasure } from '../../db/client-erasure';
import { setAuditAction } from '../../db/tenant';
import { clientErasureWorkflowId, type ClientErasureInput } from '../../workflows/client-erasure-definitions';
import { ApiError, invalidInput, notFound } from '../errors';
import { route, type RouteSpec } from '../routes';
import type { SignedUrlTokens } from '../signed-url-token';
import type { TemporalHandle } from '../temporal-client';
import { auditRestartedErasure, resumeCommittedErasure } from './erasure-resume';
import { startErasureWorkflow } from './erasure-start';
import { spendDownload } from './export-download';
import { recordExport, startExportWorkflow } from './export-start';
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
  const startErasure = (input: ClientErasureInput, workflowId: string, retryOfFailed: boolean) =>
    startErasureWorkflow(deps.temporal, input, workflowId, { retryOfFailed });

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
        const recorded = await ctx.state.tenantTransaction((trx) => recordExport(trx, { clientId: params.id, requestedBy: ctx.state.user.id, ttlMs: deps.exportTtlMs }));
        if (recorded.queued) await startExportWorkflow(deps.temporal, recorded);
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
      params: idParams,
      body: erasureBody,
      async handler(ctx, { params, body }) {
        const trx = ctx.state.trx!;
        const client = await Client.query().findById(params.id);
        if (!client) {
          // The client is gone: its deletion committed. A failure after it (files, certification)
          // is resumed by the same request; the workflow's deletion step sees the committed
          // deletion and deletes nothing again, and the certification recounts before it signs.
          // The reason and the confirmed name are the first request's (erasure-resume.ts).
          const resumed = await resumeCommittedErasure(trx, ctx.state.user!.firmId, params.id);
          if (!resumed) throw notFound('No such client.');
          const input = { firmId: resumed.firm_id, clientId: params.id, erasureId: resumed.id, cancelGraceSeconds: deps.cancelGraceSeconds };
          const started = await startErasure(input, resumed.workflow_id, resumed.wasFailed);
          if (started === 'started' && !resumed.wasFailed) await auditRestartedErasure(trx, resumed.id);
          ctx.status = 202;
          ctx.body = { erasureId: resumed.id, workflowId: resumed.workflow_id };
          return;
        }
        if (body.confirmName !== client.name) throw invalidInput({ fields: { confirmName: "must equal the client's name exactly" } }, 'Type the client\'s name to confirm the erasure.');
        await lockClientErasure(trx, client.id);
        const workflowId = clientErasureWorkflowId(client.firmId, client.id);
        let row = (await trx('client_erasures').where({ client_id: client.id }).first()) as ErasureRow | undefined;
        const retryOfFailed = row?.status === 'failed';
        await setAuditAction(trx, 'client.erasure_requested');
        if (!row) {
          [row] = (await trx('client_erasures')
            .insert({ firm_id: client.firmId, client_id: client.id, workflow_id: workflowId, reason: body.reason, requested_by: ctx.state.user!.id })
            .returning('*')) as ErasureRow[];
        } else if (row.status === 'failed') {
          // Asking again after a failure resumes the same erasure (its steps are idempotent).
          [row] = (await trx('client_erasures').where({ id: row.id }).update({ status: 'running', failure_reason: null, updated_at: trx.fn.now() }).returning('*')) as ErasureRow[];
        }
        await setAuditAction(trx, null);
        await startErasure({ firmId: client.firmId, clientId: client.id, erasureId: row!.id, cancelGraceSeconds: deps.cancelGraceSeconds }, workflowId, retryOfFailed);
        ctx.status = 202;
        ctx.body = { erasureId: row!.id, workflowId };
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
        ctx.body = presentErasure(row, deps.certificatePublicKey);
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

