/**
 * The client export's steps. The ZIP is built inside one REPEATABLE READ transaction of the firm
 * (a job actor; row-level security applies), so every file in it describes the same moment, and is
 * streamed to disk entry by entry:
 *   client.json, tables/<table>.json (every catalogued table: all the client's rows),
 *   reconciliations/<period>-<run id>.xlsx (each completed run, the same workbook the api exports),
 *   files/<table>/<name> (files catalogued tables point at), files/<table>/<id>-<name> (bytes kept in
 *   catalogued rows, such as follow-up uploads), audit/events.json (the client's events),
 *   manifest.json (counts per table, SHA-256 and size of every other entry, time, latest migration).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Knex } from 'knex';
import { CLIENT_TABLES, exportedTables } from '../db/client-data-catalogue';
import { lockClientErasure } from '../db/client-erasure';
import { clientAuditCondition, clientEntityIds, clientRows, clientTableRows } from '../db/client-data';
import { migrationStatus } from '../db/migrator';
import { xlsxExport } from '../db/reconciliation-workbook';
import { inFirmJobTransaction, inTenantTransaction, type TenantScope } from '../db/tenant';
import type { ClientExportBuilt } from '../workflows/client-export-definitions';
import { exportFileName, requireDataProtection, type DataProtectionActivityDeps } from './data-protection-deps';
import { ZipWriter } from './zip-writer';

const JOB = 'client-export';

export const EXPORT_FORMAT = 'taalmel-client-export/1';

async function* jsonArray(rows: AsyncIterable<unknown>, counted: (n: number) => void): AsyncGenerator<string> {
  yield '[';
  let n = 0;
  for await (const row of rows) {
    yield `${n === 0 ? '\n' : ',\n'}${JSON.stringify(row)}`;
    n += 1;
  }
  yield n ? '\n]\n' : ']\n';
  counted(n);
}

/**
 * Columns the catalogue never exports (credentials, password hashes, uploaded bytes). The audit
 * trail writes them `[secret]`, but events written before a column was marked secret still hold
 * the value (migration 024: the checklist links' token hashes): the export masks them the same way.
 */
const SECRET_COLUMNS = [...new Set(Object.values(CLIENT_TABLES).flatMap((t) => t.omitColumns ?? []))];

function withoutSecrets(snapshot: unknown): unknown {
  if (!snapshot || typeof snapshot !== 'object' || Array.isArray(snapshot)) return snapshot;
  const copy = { ...(snapshot as Record<string, unknown>) };
  for (const column of SECRET_COLUMNS) if (copy[column] !== undefined && copy[column] !== null) copy[column] = '[secret]';
  return copy;
}

async function* auditEvents(trx: Knex, firmId: string, clientId: string): AsyncGenerator<Record<string, unknown>> {
  const condition = clientAuditCondition(clientId, await clientEntityIds(trx, clientId));
  let after = 0;
  for (;;) {
    const { rows } = await trx.raw(
      `select seq, id, at, actor_id, actor_email, actor_role, action, entity_type, entity_id, before, after, request_id, ip, redacted_at
         from audit_events a where a.firm_id = ? and a.seq > ? and ${condition.sql} order by a.seq limit 2000`,
      [firmId, after, ...condition.bindings] as never[],
    );
    for (const row of rows as Array<Record<string, unknown>>) yield { ...row, before: withoutSecrets(row.before), after: withoutSecrets(row.after) };
    if (rows.length < 2000) return;
    after = Number((rows as Array<{ seq: number }>).at(-1)!.seq);
  }
}

async function* fileChunks(file: string): AsyncGenerator<Buffer> {
  for await (const chunk of fs.createReadStream(file)) yield chunk as Buffer;
}

/** Bytes kept in a row (bytea), read a slice at a time so a large upload is never whole in memory. */
async function* storedChunks(trx: Knex, table: string, column: string, id: string): AsyncGenerator<Buffer> {
  const SLICE = 1024 * 1024;
  for (let from = 1; ; from += SLICE) {
    const row = (await trx(table).where({ id }).first(trx.raw('substring(?? from ? for ?) as part', [column, from, SLICE]))) as { part: Buffer | null } | undefined;
    const part = row?.part;
    if (!part || part.length === 0) return;
    yield part;
    if (part.length < SLICE) return;
  }
}

function safeName(name: string): string {
  return path.basename(name).replace(/[^\w.-]/g, '_');
}

export function createClientExportActivities(deps: DataProtectionActivityDeps) {
  async function writeZip(trx: Knex.Transaction, scope: TenantScope, exportId: string, clientId: string, file: string) {
    const dp = requireDataProtection(deps);
    const context = Context.current();
    const beat = () => {
      context.heartbeat();
      if (context.cancellationSignal.aborted) throw new Error('export cancelled');
    };
    const zip = new ZipWriter(file);
    const counts: Record<string, number> = {};
    try {
      const client = await trx('clients').where({ id: clientId }).first();
      if (!client) throw new Error('the client no longer exists');
      counts.clients = 1;
      await zip.add('client.json', [`${JSON.stringify(client, null, 2)}\n`]);

      for (const table of exportedTables()) {
        await zip.add(`tables/${table}.json`, jsonArray(clientTableRows(trx, table, clientId), (n) => (counts[table] = n)), beat);
      }

      const runs: Array<Record<string, unknown>> = await trx('reconciliation_runs').where({ client_id: clientId, status: 'completed' }).orderBy(['period', 'created_at']);
      for (const run of runs) {
        // The same workbook as GET /api/reconciliations/:runId/export?format=xlsx, read in this transaction.
        const workbook = xlsxExport({ knex: trx, scope, runId: String(run.id) });
        await zip.add(`reconciliations/${run.period}-${run.id}.xlsx`, workbook, beat);
      }

      for (const [table, spec] of Object.entries(CLIENT_TABLES)) {
        if (spec.export !== true || !spec.fileColumn) continue;
        const rows: Array<Record<string, unknown>> = await clientRows(trx, table, clientId).select(spec.fileColumn).whereNotNull(spec.fileColumn);
        for (const row of rows) {
          const name = String(row[spec.fileColumn]);
          await zip.add(`files/${table}/${safeName(name)}`, fileChunks(path.join(dp.fileStoreDir, name)), beat);
        }
      }

      for (const [table, spec] of Object.entries(CLIENT_TABLES)) {
        if (spec.export !== true || !spec.storedFile) continue;
        const { content, name } = spec.storedFile;
        const rows: Array<{ id: string; name: string }> = await clientRows(trx, table, clientId).select('id', `${name} as name`).whereNotNull(content).orderBy('id');
        for (const row of rows) await zip.add(`files/${table}/${row.id}-${safeName(row.name)}`, storedChunks(trx, table, content, row.id), beat);
      }

      await zip.add('audit/events.json', jsonArray(auditEvents(trx, scope.firmId, clientId), (n) => (counts.audit_events = n)), beat);

      const manifest = {
        format: EXPORT_FORMAT,
        exportId,
        firmId: scope.firmId,
        clientId,
        exportedAt: new Date().toISOString(),
        latestMigration: (await migrationStatus(trx)).latest,
        counts,
        files: [...zip.entries],
      };
      await zip.add('manifest.json', [`${JSON.stringify(manifest, null, 2)}\n`]);
      const written = await zip.close();
      return { ...written, manifest };
    } catch (error) {
      await zip.abort(error as Error);
      throw error;
    }
  }

  return {
    async clientExportBuild(input: { firmId: string; exportId: string }): Promise<ClientExportBuilt> {
      const dp = requireDataProtection(deps);
      const row = await inFirmJobTransaction(deps.knex, input.firmId, JOB, async (trx) => {
        const seen = (await trx('client_exports').where({ id: input.exportId }).first('client_id')) as { client_id: string } | undefined;
        if (!seen) return undefined;
        // The api starts this workflow after the request committed, so an erasure of the client may
        // have been asked in between (and found no workflow of this export to stop). Under the
        // erasure's own lock, taken before the row's (the order of the api's requests): an export
        // not yet running does not start while an erasure runs.
        await lockClientErasure(trx, seen.client_id);
        const found = await trx('client_exports').where({ id: input.exportId }).forNoKeyUpdate().first();
        if (found?.status === 'queued') {
          const erasing = await trx('client_erasures').where({ client_id: found.client_id, status: 'running' }).first('id');
          if (erasing) return { ...found, erasing: true };
          // Built now, it would be deleted at once: a start that came too late (export-start.ts replaces it when asked again).
          if (new Date(found.expires_at) <= new Date()) return { ...found, stale: true };
          await trx('client_exports').where({ id: input.exportId }).update({ status: 'running', updated_at: trx.fn.now() });
        }
        return found as { client_id: string; status: string; size_bytes: number; sha256: string; manifest: { files: unknown[] }; erasing?: true; stale?: true } | undefined;
      });
      // The api records the export before it starts this workflow, so a missing row was deleted (the
      // client's erasure) or never committed: no retry brings it back.
      if (!row) throw ApplicationFailure.nonRetryable(`export ${input.exportId} no longer exists (its client may have been erased)`, 'ClientExportGone');
      if (row.erasing) throw ApplicationFailure.nonRetryable(`export ${input.exportId} was not built: the client is being erased`, 'ClientBeingErased');
      if (row.stale) throw ApplicationFailure.nonRetryable(`export ${input.exportId} was not built: it expired before its build began`, 'ClientExportExpired');
      if (row.status === 'ready') return { exportId: input.exportId, sizeBytes: Number(row.size_bytes), sha256: row.sha256, files: row.manifest.files.length };
      if (row.status !== 'queued' && row.status !== 'running') throw ApplicationFailure.nonRetryable(`export ${input.exportId} is ${row.status}`, 'ClientExportEnded');

      fs.mkdirSync(dp.exportDir, { recursive: true, mode: 0o700 });
      const name = exportFileName(input.exportId);
      const partial = path.join(dp.exportDir, `${name}.partial`);
      const scope: TenantScope = { firmId: input.firmId, actor: { userId: null, email: `system:${JOB}`, role: 'system' } };
      try {
        const built = await inTenantTransaction(deps.knex, scope, (trx) => writeZip(trx, scope, input.exportId, row.client_id, partial), { isolationLevel: 'repeatable read' });
        fs.renameSync(partial, path.join(dp.exportDir, name));
        // Only over the `running` this build (or an earlier attempt of it) set: an export replaced or
        // ended meanwhile (export-start.ts records it failed when its run closed) is not made ready by a
        // late build of a run that no longer counts; the workflow's removal then deletes its file.
        const written = await inFirmJobTransaction(deps.knex, input.firmId, JOB, (trx) =>
          trx('client_exports').where({ id: input.exportId, status: 'running' }).update({
            status: 'ready',
            file_name: name,
            size_bytes: built.sizeBytes,
            sha256: built.sha256,
            manifest: JSON.stringify({ counts: built.manifest.counts, files: built.manifest.files, latestMigration: built.manifest.latestMigration, exportedAt: built.manifest.exportedAt }),
            ready_at: trx.fn.now(),
            updated_at: trx.fn.now(),
          }),
        );
        if (!written) throw ApplicationFailure.nonRetryable(`export ${input.exportId} ended while it was built: it is not made ready`, 'ClientExportEnded');
        return { exportId: input.exportId, sizeBytes: built.sizeBytes, sha256: built.sha256, files: built.manifest.files.length + 1 };
      } catch (error) {
        fs.rmSync(partial, { force: true });
        throw error;
      }
    },

    /**
     * Records why the export ends (expired after its time, or failed), then deletes the ZIP and any
     * partial one. In that order the status never says "ready" for a file that is gone (its download
     * is refused from the moment it is marked); a retry finds the status set and deletes what is left.
     */
    async clientExportRemove(input: { firmId: string; exportId: string; outcome: 'expired' | 'failed'; reason: string | null }): Promise<void> {
      const dp = requireDataProtection(deps);
      const name = exportFileName(input.exportId);
      await inFirmJobTransaction(deps.knex, input.firmId, JOB, (trx) =>
        trx('client_exports')
          .where({ id: input.exportId })
          .whereIn('status', ['queued', 'running', 'ready'])
          .update({ status: input.outcome, failure_reason: input.reason, updated_at: trx.fn.now() }),
      );
      fs.rmSync(path.join(dp.exportDir, name), { force: true });
      fs.rmSync(path.join(dp.exportDir, `${name}.partial`), { force: true });
    },
  };
}
