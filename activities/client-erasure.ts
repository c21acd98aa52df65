/**
 * The client erasure's steps (see docs/data-export-and-erasure.md):
 * 1. stop the client's running workflows: every workflow id its catalogued rows name, and any
 *    workflow tagged with its client id; cancelled, then terminated after the grace period;
 * 2. in one owner transaction: delete every catalogued row of the client (children before
 *    parents), its portal users with their sessions, and the client row; redact the personal
 *    payload of the client's audit events and vouch for the redaction with a chained event;
 * 3. delete the files those rows named; 4. write, sign and store the certificate, and append the
 *    erasure to the erasure log outside the database.
 * Every step is idempotent: a retried or resumed erasure finishes the same work.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Knex } from 'knex';
import { backupsHoldDataUntil } from '../domain/data-protection';
import { verifyAuditChain } from '../db/audit';
import { CLIENT_TABLES, erasedTables, keptTables } from '../db/client-data-catalogue';
import { clientRows, countErasureRows, type ErasureScope } from '../db/client-data';
import { describeLeftovers, eraseClientRows, erasureLeftovers, recordStartedRun } from '../db/client-erasure';
import { countClientNotifications } from '../db/client-notifications';
import { certificateKeyFromSeed, signCertificate } from '../db/security/certificate-key';
import type { ErasureLogEntry } from './erasure-log';
import { inFirmJobTransaction } from '../db/tenant';
import type { ErasureDeleted, StoppedWorkflows } from '../workflows/client-erasure-definitions';
import { ownerTransaction, requireDataProtection, withOwnerConnection, type DataProtectionActivityDeps } from './data-protection-deps';

const JOB = 'erasure';
const ACTOR = { userId: null, email: `system:${JOB}`, role: 'system' };

type ErasureRow = {
  id: string;
  client_id: string;
  status: string;
  reason: string;
  requested_by: string | null;
  created_at: Date;
  deleted: ErasureDeleted | null;
  data_deleted_at: Date | null;
  certificate_jws: string | null;
  run_token: string | null;
};

async function erasureRow(trx: Knex, erasureId: string): Promise<ErasureRow> {
  const row = (await trx('client_erasures').where({ id: erasureId }).first()) as ErasureRow | undefined;
  if (!row) throw new Error(`erasure ${erasureId} is not visible yet`);
  return row;
}

/**
 * The fence of a run's writes to its erasure record: a run started with a run token (in its memo, passed
 * to its steps) writes only while that token is still the record's. A newer decision (a restart, a
 * reopen) gives the record a new token, and then an older run's late step (its failure, its deletion,
 * its certificate) writes nothing: it fails as superseded, and its failure is not recorded either.
 * Runs without a token (begun before tokens) write as before.
 */
function superseded(erasureId: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`erasure ${erasureId}: this run is no longer the erasure's current run (a newer run was decided); it writes nothing`, 'ErasureRunSuperseded');
}

function checkFence(erasure: { id: string; run_token?: string | null }, runToken: string | undefined): void {
  if (runToken !== undefined && erasure.run_token !== runToken) throw superseded(erasure.id);
}

/** The record's where clause with the fence (the run's token), when the run has one. */
const fenced = (erasureId: string, runToken: string | undefined) => (runToken === undefined ? { id: erasureId } : { id: erasureId, run_token: runToken });

function isGone(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  return e.name === 'WorkflowNotFoundError' || /not found|already completed|already closed/i.test(e.message ?? '');
}

export function createClientErasureActivities(deps: DataProtectionActivityDeps) {
  /** One owner transaction for one step, on a connection opened and closed around it. */
  const asOwner = <T>(firmId: string, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> =>
    withOwnerConnection(deps, 'taalmel-erasure', (owner) => ownerTransaction(owner, { firmId, actor: ACTOR }, fn));

  return {
    /**
     * The run's first step: records that the run of its token started. The api records it too once
     * Temporal accepts the start, but an api that stops (or whose write fails) between that accept and
     * its write would leave a run that did the work looking, once Temporal forgets it, like a start that
     * never happened (docs/data-export-and-erasure.md, "When nothing runs"). Written here, no run does
     * any of the erasure's work before its start is on the record.
     */
    async erasureRunStarted(input: { firmId: string; erasureId: string; runToken: string }): Promise<void> {
      await inFirmJobTransaction(deps.knex, input.firmId, JOB, (trx) => recordStartedRun(trx, input.erasureId, input.runToken));
    },

    async erasureStopWorkflows(input: { firmId: string; erasureId: string; graceSeconds: number }): Promise<StoppedWorkflows> {
      const context = Context.current();
      const { clientId, ids } = await inFirmJobTransaction(deps.knex, input.firmId, JOB, async (trx) => {
        const erasure = await erasureRow(trx, input.erasureId);
        const found = new Set<string>();
        for (const [table, spec] of Object.entries(CLIENT_TABLES)) {
          if (!spec.workflowIdColumn) continue;
          const rows: Array<Record<string, string>> = await clientRows(trx, table, erasure.client_id).distinct(spec.workflowIdColumn);
          for (const r of rows) found.add(r[spec.workflowIdColumn]!);
        }
        return { clientId: erasure.client_id, ids: found };
      });
      const client = context.client;
      // Workflows tagged with the client (search attribute) but not named by a row, where the server indexes them.
      try {
        for await (const wf of client.workflow.list({ query: `TaalmelClientId = '${clientId}' AND ExecutionStatus = 'Running'` })) ids.add(wf.workflowId);
      } catch (error) {
        deps.logger.warn({ err: error }, 'erasure: could not list workflows by client search attribute; using the ones the rows name');
      }
      const own = context.info.workflowExecution?.workflowId;
      if (own) ids.delete(own);

      const running: string[] = [];
      for (const id of ids) {
        try {
          const description = await client.workflow.getHandle(id).describe();
          if (description.status.name !== 'RUNNING') continue;
          await client.workflow.getHandle(id).cancel();
          running.push(id);
        } catch (error) {
          if (!isGone(error)) throw error;
        }
      }
      const deadline = Date.now() + input.graceSeconds * 1000;
      let open = running;
      while (open.length && Date.now() < deadline) {
        context.heartbeat({ waitingFor: open.length });
        await new Promise((resolve) => setTimeout(resolve, 250));
        const still: string[] = [];
        for (const id of open) {
          const description = await client.workflow.getHandle(id).describe().catch((error: unknown) => (isGone(error) ? null : Promise.reject(error)));
          if (description?.status.name === 'RUNNING') still.push(id);
        }
        open = still;
      }
      for (const id of open) {
        await client.workflow
          .getHandle(id)
          .terminate(`client erased (erasure ${input.erasureId})`)
          .catch((error: unknown) => (isGone(error) ? undefined : Promise.reject(error)));
      }
      deps.logger.info({ erasureId: input.erasureId, cancelled: running.length, terminated: open.length }, 'erasure: client workflows stopped');
      return { cancelled: running.filter((id) => !open.includes(id)), terminated: open };
    },

    async erasureDeleteData(input: { firmId: string; erasureId: string; runToken?: string }): Promise<ErasureDeleted> {
      return asOwner(input.firmId, async (trx) => {
        const erasure = await erasureRow(trx, input.erasureId);
        checkFence(erasure, input.runToken);
        if (erasure.data_deleted_at && erasure.deleted) return erasure.deleted; // committed by an earlier attempt
        const deleted = await eraseClientRows(trx, { firmId: input.firmId, clientId: erasure.client_id, erasureId: erasure.id });
        // A row the deletion could not remove: roll the whole step back rather than commit a partial
        // erasure. The client stays whole, the erasure fails with what would remain, and once the
        // cause is fixed the same request resumes it. Retrying now would leave the same rows.
        const left = Object.entries(deleted.tables).filter(([, t]) => t.after > 0);
        if (left.length) {
          const what = describeLeftovers(Object.fromEntries(left.map(([table, t]) => [table, t.after])));
          deps.logger.error({ erasureId: erasure.id, left: what }, 'erasure: rows of the client would remain; nothing deleted');
          throw ApplicationFailure.nonRetryable(`rows of the client would remain after the deletion (${what}): nothing was deleted`, 'ErasureIncomplete');
        }
        // Fenced again at the write: a decision committed meanwhile rolls the whole deletion back.
        const written = await trx('client_erasures').where(fenced(erasure.id, input.runToken)).update({ deleted: JSON.stringify(deleted), data_deleted_at: trx.fn.now(), updated_at: trx.fn.now() });
        if (!written) throw superseded(erasure.id);
        return deleted;
      });
    },

    async erasureDeleteFiles(input: { firmId: string; erasureId: string }): Promise<{ deleted: number }> {
      const dp = requireDataProtection(deps);
      const erasure = await inFirmJobTransaction(deps.knex, input.firmId, JOB, (trx) => erasureRow(trx, input.erasureId));
      let deleted = 0;
      for (const ref of erasure.deleted?.files ?? []) {
        const [table, ...rest] = ref.split('/');
        // Exports live in the export folder; every other catalogued file under the file store.
        const root = table === 'client_exports' ? dp.exportDir : dp.fileStoreDir;
        const file = path.join(root, path.basename(rest.join('/')));
        for (const candidate of [file, `${file}.partial`]) {
          if (fs.existsSync(candidate)) {
            fs.rmSync(candidate, { force: true });
            deleted += 1;
          }
        }
      }
      return { deleted };
    },

    async erasureCertify(input: { firmId: string; erasureId: string; runToken?: string }): Promise<{ certificateJws: string }> {
      const dp = requireDataProtection(deps);
      return inFirmJobTransaction(deps.knex, input.firmId, JOB, async (trx) => {
        const erasure = await erasureRow(trx, input.erasureId);
        if (erasure.certificate_jws) return { certificateJws: erasure.certificate_jws };
        checkFence(erasure, input.runToken);
        if (!erasure.deleted || !erasure.data_deleted_at) throw new Error('the data of this erasure has not been deleted yet');
        const clientId = erasure.client_id;
        // Checked again, now, from the application's side: nothing of the client is left in any
        // catalogued table, its notices' rows counted by the notice ids the deletion kept. This job
        // session is firm-wide, which the counts need (client-data.ts, erasureRows).
        const scope: ErasureScope = { clientIds: [clientId], parentIds: erasure.deleted.parentIds ?? {} };
        const remaining: Record<string, number> = {};
        for (const table of erasedTables()) remaining[table] = await countErasureRows(trx, table, scope);
        remaining.notifications = await countClientNotifications(trx, scope);
        const filesLeft = erasure.deleted.files.filter((ref) => {
          const [table, ...rest] = ref.split('/');
          return fs.existsSync(path.join(table === 'client_exports' ? dp.exportDir : dp.fileStoreDir, path.basename(rest.join('/'))));
        }).length;
        const erasedAt = new Date(erasure.data_deleted_at);
        // Logged before anything is certified: the deletion is committed, so a restore must re-apply
        // it whether or not the certificate follows. Ids only (and the notice ids the drill counts by).
        fs.mkdirSync(dp.erasureLogDir, { recursive: true, mode: 0o700 });
        const logFile = path.join(dp.erasureLogDir, `${erasure.id}.json`);
        const entry: ErasureLogEntry = { erasureId: erasure.id, firmId: input.firmId, clientId, dataDeletedAt: erasedAt.toISOString(), parentIds: scope.parentIds };
        fs.writeFileSync(`${logFile}.partial`, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
        fs.renameSync(`${logFile}.partial`, logFile);
        // A certificate says nothing remains: with anything left it is not issued, and the erasure fails naming what is left.
        const left = await erasureLeftovers(trx, scope);
        if (filesLeft > 0) left.files = filesLeft;
        if (Object.keys(left).length) {
          const what = describeLeftovers(left);
          deps.logger.error({ erasureId: erasure.id, left: what }, 'erasure: rows of the client remain after the deletion; not certified');
          throw ApplicationFailure.nonRetryable(`data of the client remains after the deletion (${what}): the erasure is not certified`, 'ErasureIncomplete');
        }
        const chain = await verifyAuditChain(trx, input.firmId);
        const certificate = {
          type: 'taalmel.client-erasure-certificate',
          version: 1,
          erasureId: erasure.id,
          firmId: input.firmId,
          clientId,
          reason: erasure.reason,
          requestedBy: erasure.requested_by,
          requestedAt: new Date(erasure.created_at).toISOString(),
          dataDeletedAt: erasedAt.toISOString(),
          issuedAt: new Date().toISOString(),
          deleted: {
            tables: erasure.deleted.tables,
            files: { deleted: erasure.deleted.files.length, remaining: filesLeft },
            portalUsersRevoked: erasure.deleted.portalUsers,
            auditEventsRedacted: erasure.deleted.redactedAuditEvents,
          },
          remaining,
          kept: [
            ...keptTables().map(({ table, reason }) => ({ what: `table ${table}`, why: reason })),
            { what: 'audit trail events of the client', why: 'kept as hashes with their personal payload (before, after, and portal users\' email and IP) replaced by a redaction marker, so the audit chain still proves itself' },
          ],
          backups: {
            holdDataUntil: backupsHoldDataUntil(erasedAt, dp.rotation).toISOString(),
            rotation: dp.rotation,
            note: 'Backups taken before the erasure still hold the data until rotation deletes them; a restore re-applies this erasure from the erasure log. Rotation deletes nothing while no backup is verified.',
          },
          auditChain: { ok: chain.ok, checked: chain.checked, redacted: chain.redacted, head: chain.head },
        };
        if (!dp.certificateKey) throw ApplicationFailure.nonRetryable('CERTIFICATE_SIGNING_KEY is not configured: the erasure cannot be certified', 'DataProtectionSetupError');
        const key = await certificateKeyFromSeed(dp.certificateKey);
        const jws = await signCertificate(key, certificate);
        const written = await trx('client_erasures').where(fenced(erasure.id, input.runToken)).update({
          status: 'completed',
          certificate: JSON.stringify(certificate),
          certificate_jws: jws,
          completed_at: trx.fn.now(),
          updated_at: trx.fn.now(),
        });
        if (!written) throw superseded(erasure.id);
        return { certificateJws: jws };
      });
    },

    /** Records the run's failure, fenced by its token: a superseded run's failure leaves the newer run's record alone. */
    async erasureFailed(input: { firmId: string; erasureId: string; reason: string; runToken?: string }): Promise<void> {
      await inFirmJobTransaction(deps.knex, input.firmId, JOB, (trx) =>
        trx('client_erasures').where(fenced(input.erasureId, input.runToken)).whereNot({ status: 'completed' }).update({ status: 'failed', failure_reason: input.reason.slice(0, 2000), updated_at: trx.fn.now() }),
      );
    },
  };
}
