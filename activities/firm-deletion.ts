/**
 * The firm deletion's steps (see docs/data-export-and-erasure.md, "Deleting a whole firm"):
 * 1. begin: the request moves from scheduled to running (or is found cancelled), every user of the
 *    firm is deactivated and every session revoked, and each client gets its erasure record;
 * 2. (the workflow erases each client through the client erasure workflow);
 * 3. in one owner transaction: delete every remaining row of the firm, keep the firm row as a
 *    tombstone, redact the firm's whole audit trail and seal it (db/firm-deletion.ts);
 * 4. certify: count again from the application's side, verify the sealed chain, sign the
 *    certificate, and add the deletion to the erasure log outside the database.
 * Every step is idempotent: a retried or resumed deletion finishes the same work.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Knex } from 'knex';
import { backupsHoldDataUntil } from '../domain/data-protection';
import type { FirmDeleted } from '../domain/firm-deletion';
import { recordAuditEvent, verifyAuditChain } from '../db/audit';
import { ERASURE_RESTARTED_EVENT } from '../db/client-erasure';
import { deleteFirmRows, KEPT_FIRM_TABLES, remainingFirmRows } from '../db/firm-deletion';
import { certificateKeyFromSeed, signCertificate } from '../db/security/certificate-key';
import { inFirmJobTransaction } from '../db/tenant';
import { clientErasureWorkflowId } from '../workflows/client-erasure-definitions';
import type { FirmDeletionBegun } from '../workflows/firm-deletion-definitions';
import { ownerTransaction, requireDataProtection, withOwnerConnection, type DataProtectionActivityDeps } from './data-protection-deps';
import { deliver, type MailDeps } from './mail-transport';

const JOB = 'firm-deletion';
/** The workflow retries each activity 5 times (workflows/firm-deletion.ts); the email gives up on the last. */
const FINAL_SEND_ATTEMPT = 5;
const ACTOR = { userId: null, email: `system:${JOB}`, role: 'system' };

type DeletionRow = {
  id: string;
  firm_id: string;
  status: string;
  requested_via: string;
  reason: string;
  requested_by: string | null;
  requested_at: Date;
  execute_after: Date;
  started_at: Date | null;
  deleted: FirmDeleted | null;
  data_deleted_at: Date | null;
  certificate_jws: string | null;
};

/** The erasure log entry of a firm deletion (ids only), beside the client erasures' entries. */
export function firmDeletionLogFile(logDir: string, deletionId: string): string {
  return path.join(logDir, `firm-${deletionId}.json`);
}

async function deletionRow(trx: Knex, deletionId: string, lock = false): Promise<DeletionRow> {
  const q = trx('firm_deletions').where({ id: deletionId }).first();
  const row = (await (lock ? q.forUpdate() : q)) as DeletionRow | undefined;
  if (!row) throw new Error(`firm deletion ${deletionId} is not visible yet`);
  return row;
}

export function firmDeletionReason(deletionId: string): string {
  return `the firm's account is closed (firm deletion ${deletionId})`;
}

export function createFirmDeletionActivities(deps: DataProtectionActivityDeps & { mail?: MailDeps }) {
  /** One owner transaction for one step, on a connection opened and closed around it. */
  const asOwner = <T>(firmId: string, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> =>
    withOwnerConnection(deps, 'taalmel-firm-deletion', (owner) => ownerTransaction(owner, { firmId, actor: ACTOR }, fn));

  /**
   * A failed erasure commits `failed` and only then closes its run. Moved back to `running` while
   * that run is still open, the workflow's start of the child would meet the old run (taken as "the
   * same erasure") and the record would stay `running` with nothing running once it closes. So the
   * step waits (a retryable failure: the activity's retries) until the failed run has closed.
   */
  const failedRunClosed = async (firmId: string, clientId: string): Promise<void> => {
    const workflowId = clientErasureWorkflowId(firmId, clientId);
    const description = await Context.current()
      .client.workflow.getHandle(workflowId)
      .describe()
      .catch((error: unknown) => ((error as { name?: string }).name === 'WorkflowNotFoundError' ? null : Promise.reject(error)));
    if (description?.status.name === 'RUNNING') {
      throw ApplicationFailure.retryable(`the failed erasure ${workflowId} is still ending; the firm deletion waits for it to close`, 'ErasureStillEnding');
    }
  };

  /**
   * A failed erasure back to `running` with a new run token (the decision to resume it; its run closed),
   * audited as a restart as a firm admin's reopen is (api/data-protection/erasure-request.ts): once, since
   * a retried step finds the erasure running.
   */
  const reopen = async (trx: Knex.Transaction, erasureId: string): Promise<{ id: string; status: string; run_token: string | null }> => {
    const before = (await trx('client_erasures').where({ id: erasureId }).first('run_token', 'started_run_token')) as { run_token: string | null; started_run_token: string | null };
    const [reopened] = (await trx('client_erasures')
      .where({ id: erasureId })
      .update({ status: 'running', failure_reason: null, run_token: randomUUID(), updated_at: trx.fn.now() })
      .returning(['id', 'status', 'run_token'])) as Array<{ id: string; status: string; run_token: string | null }>;
    await recordAuditEvent(trx, {
      action: ERASURE_RESTARTED_EVENT,
      entityType: 'client_erasure',
      entityId: erasureId,
      after: {
        erasureId,
        why: 'failed',
        previousRun: { runToken: before.run_token, runId: null, startRecorded: before.run_token !== null && before.started_run_token === before.run_token },
        newRun: { runToken: reopened!.run_token },
      },
    });
    return reopened!;
  };

  /**
   * The firm's own rows go only once every client erasure has completed. The workflow erases each
   * client as a child with the erasure's own id; a run of that id already open (a firm admin's
   * erasure that began just before the deletion, or a run still ending) is taken as "already
   * started" and not waited for there, so its deletion, its files and its audit writes could still be
   * under way, or it could yet fail with the client half gone. So this step waits (heartbeating, as
   * long as the step may run) for every open run of an erasure not completed to close. An erasure
   * that then has not completed fails the step with nothing of the firm deleted: resuming the firm
   * deletion resumes that erasure (firmDeletionBegin).
   */
  const erasuresSettled = async (firmId: string): Promise<void> => {
    const context = Context.current();
    const unfinished = () =>
      inFirmJobTransaction(deps.knex, firmId, JOB, (trx) =>
        trx('client_erasures').where({ firm_id: firmId }).whereNot({ status: 'completed' }).orderBy('client_id').select('id', 'client_id', 'status'),
      ) as Promise<Array<{ id: string; client_id: string; status: string }>>;
    const isOpen = (workflowId: string) =>
      context.client.workflow
        .getHandle(workflowId)
        .describe()
        .then(
          (description) => description.status.name === 'RUNNING',
          (error: unknown) => ((error as { name?: string }).name === 'WorkflowNotFoundError' ? false : Promise.reject(error)),
        );
    for (const erasure of await unfinished()) {
      const workflowId = clientErasureWorkflowId(firmId, erasure.client_id);
      if (!(await isOpen(workflowId))) continue;
      deps.logger.info({ erasureId: erasure.id, workflowId }, 'firm deletion: waiting for a client erasure still running before deleting the firm');
      context.heartbeat({ waitingFor: erasure.id });
      const beat = setInterval(() => context.heartbeat({ waitingFor: erasure.id }), 10_000);
      try {
        // Its outcome is read from its record below. A cancelled (or timed-out) step stops waiting, and
        // its long poll on the run's history stops with it rather than outliving the attempt.
        await Promise.race([
          context.client.withAbortSignal(context.cancellationSignal, () => context.client.workflow.getHandle(workflowId).result()).catch(() => undefined),
          context.cancelled,
        ]);
      } finally {
        clearInterval(beat);
      }
    }
    const left = await unfinished();
    for (const erasure of left) {
      const workflowId = clientErasureWorkflowId(firmId, erasure.client_id);
      if (await isOpen(workflowId)) throw ApplicationFailure.retryable(`the client erasure ${workflowId} is still running; the firm deletion waits for it`, 'ErasureStillRunning');
    }
    if (left.length) {
      throw ApplicationFailure.nonRetryable(
        `client erasures did not complete (${left.map((e) => `${e.id} ${e.status}`).join(', ')}): nothing of the firm was deleted; resuming the firm deletion resumes them`,
        'ErasureNotCompleted',
      );
    }
  };

  return {
    async firmDeletionBegin(input: { firmId: string; deletionId: string }): Promise<FirmDeletionBegun> {
      return inFirmJobTransaction(deps.knex, input.firmId, JOB, async (trx) => {
        const row = await deletionRow(trx, input.deletionId, true);
        if (row.status === 'cancelled') return { state: 'cancelled' };
        if (row.status === 'completed') return { state: 'running', clients: [] };
        if (row.status !== 'running') {
          await trx('firm_deletions').where({ id: row.id }).update({ status: 'running', started_at: trx.fn.now(), failure_reason: null, updated_at: trx.fn.now() });
          await recordAuditEvent(trx, { action: 'firm.deletion_started', entityType: 'firm_deletion', entityId: row.id, after: { deletionId: row.id, requestedVia: row.requested_via } });
        }
        // Nobody signs in to a firm being deleted: no new data arrives while it goes.
        await trx('users').where({ firm_id: input.firmId, active: true }).update({ active: false, updated_at: trx.fn.now() });
        await trx('sessions').where({ firm_id: input.firmId }).whereNull('revoked_at').update({ revoked_at: trx.fn.now(), revoked_reason: 'firm_deletion', updated_at: trx.fn.now() });
        const clients = (await trx('clients').select('id').where({ firm_id: input.firmId }).orderBy('id')) as Array<{ id: string }>;
        // Each erasure carries a run token, as one a firm admin asks for does (api/data-protection/
        // erasure-request.ts): a new one with each decision recorded here (created, or a failed one
        // reopened), and the workflow starts its child with the record's token in the memo, so its run
        // is tied to the decision, records its own start, and a request or status read compares it
        // with the record like any other. An erasure already running keeps its token: its run (or its
        // start still to come) is that decision's.
        const erasures: Array<{ clientId: string; erasureId: string; runToken: string | null }> = [];
        for (const { id: clientId } of clients) {
          let erasure = (await trx('client_erasures').where({ client_id: clientId }).first('id', 'status', 'run_token')) as { id: string; status: string; run_token: string | null } | undefined;
          if (!erasure) {
            [erasure] = (await trx('client_erasures')
              .insert({ firm_id: input.firmId, client_id: clientId, workflow_id: clientErasureWorkflowId(input.firmId, clientId), reason: firmDeletionReason(row.id), requested_by: row.requested_by, run_token: randomUUID() })
              .returning(['id', 'status', 'run_token'])) as Array<{ id: string; status: string; run_token: string | null }>;
          } else if (erasure.status === 'failed') {
            await failedRunClosed(input.firmId, clientId);
            erasure = await reopen(trx, erasure.id);
          }
          erasures.push({ clientId, erasureId: erasure!.id, runToken: erasure!.run_token });
        }
        // A client whose deletion committed but whose erasure did not complete (its certification
        // failed) is no longer in clients: its erasure is resumed too, or the firm's certificate
        // would wait for it forever. Its deletion is not run again (the erasure's own step sees it).
        const uncertified = (await trx('client_erasures')
          .where({ firm_id: input.firmId })
          .whereNotNull('data_deleted_at')
          .whereNot({ status: 'completed' })
          .whereNotIn('client_id', clients.map((c) => c.id))
          .orderBy('client_id')
          .select('id', 'client_id', 'status', 'run_token')) as Array<{ id: string; client_id: string; status: string; run_token: string | null }>;
        for (let erasure of uncertified) {
          if (erasure.status === 'failed') {
            await failedRunClosed(input.firmId, erasure.client_id);
            erasure = { ...erasure, ...(await reopen(trx, erasure.id)) };
          }
          erasures.push({ clientId: erasure.client_id, erasureId: erasure.id, runToken: erasure.run_token });
        }
        return { state: 'running', clients: erasures };
      });
    },

    async firmDeletionDeleteData(input: { firmId: string; deletionId: string }): Promise<FirmDeleted> {
      const committed = await inFirmJobTransaction(deps.knex, input.firmId, JOB, async (trx) => {
        const row = await deletionRow(trx, input.deletionId);
        return Boolean(row.data_deleted_at && row.deleted);
      });
      // Never under a client erasure still running (an earlier attempt that committed has nothing left to wait for).
      if (!committed) await erasuresSettled(input.firmId);
      return asOwner(input.firmId, async (trx) => {
        const row = await deletionRow(trx, input.deletionId, true);
        if (row.data_deleted_at && row.deleted) return row.deleted; // committed by an earlier attempt
        if (row.status !== 'running') throw ApplicationFailure.nonRetryable(`firm deletion ${row.id} is ${row.status}, not running`, 'FirmDeletionNotRunning');
        const deleted = await deleteFirmRows(trx, { firmId: input.firmId, deletionId: row.id });
        await trx('firm_deletions').where({ id: row.id }).update({ deleted: JSON.stringify(deleted), data_deleted_at: trx.fn.now(), updated_at: trx.fn.now() });
        return deleted;
      });
    },

    async firmDeletionCertify(input: { firmId: string; deletionId: string }): Promise<{ certificateJws: string }> {
      const dp = requireDataProtection(deps);
      // Counted again after the commit, in every table with a firm_id (the database's catalogue), by the
      // owner: the application role may not even read some of them (the erasure and retention markers).
      const remaining = await asOwner(input.firmId, (trx) => remainingFirmRows(trx, input.firmId));
      return inFirmJobTransaction(deps.knex, input.firmId, JOB, async (trx) => {
        const row = await deletionRow(trx, input.deletionId, true);
        if (row.certificate_jws) return { certificateJws: row.certificate_jws };
        if (!row.deleted || !row.data_deleted_at) throw new Error('the data of this firm deletion has not been deleted yet');
        const left = Object.entries(remaining).filter(([, n]) => n > 0);
        if (left.length) throw new Error(`rows of the firm remain: ${left.map(([t, n]) => `${t} ${n}`).join(', ')}`);
        const erasures = (await trx('client_erasures').select('id', 'client_id', 'status', 'certificate_jws', 'data_deleted_at').where({ firm_id: input.firmId }).orderBy('client_id')) as Array<{
          id: string;
          client_id: string;
          status: string;
          certificate_jws: string | null;
          data_deleted_at: Date | null;
        }>;
        const unfinished = erasures.filter((e) => e.status !== 'completed' || !e.certificate_jws);
        if (unfinished.length) throw new Error(`client erasures not completed: ${unfinished.map((e) => e.id).join(', ')}`);
        const chain = await verifyAuditChain(trx, input.firmId);
        const dataDeletedAt = new Date(row.data_deleted_at);
        const certificate = {
          type: 'taalmel.firm-deletion-certificate',
          version: 1,
          deletionId: row.id,
          firmId: input.firmId,
          reason: row.reason,
          requestedVia: row.requested_via,
          requestedBy: row.requested_by,
          requestedAt: new Date(row.requested_at).toISOString(),
          executeAfter: new Date(row.execute_after).toISOString(),
          startedAt: row.started_at ? new Date(row.started_at).toISOString() : null,
          dataDeletedAt: dataDeletedAt.toISOString(),
          issuedAt: new Date().toISOString(),
          clients: erasures.map((e) => ({
            clientId: e.client_id,
            erasureId: e.id,
            dataDeletedAt: e.data_deleted_at ? new Date(e.data_deleted_at).toISOString() : null,
            certificateSha256: createHash('sha256').update(e.certificate_jws!).digest('hex'),
          })),
          deleted: { tables: row.deleted.tables, auditEventsRedacted: row.deleted.redactedAuditEvents },
          remaining,
          kept: [
            ...Object.entries(KEPT_FIRM_TABLES).map(([table, why]) => ({ what: `table ${table}`, why })),
            { what: 'the firm row', why: "a tombstone (its name and slug replaced, its settings emptied) that the sealed audit chain and this record refer to" },
          ],
          auditChain: {
            ok: chain.ok,
            checked: chain.checked,
            redacted: chain.redacted,
            unredactable: row.deleted.unredactableAuditEvents,
            sealedHead: row.deleted.sealedHead,
            head: chain.head,
          },
          backups: {
            holdDataUntil: backupsHoldDataUntil(dataDeletedAt, dp.rotation).toISOString(),
            rotation: dp.rotation,
            note: 'Backups taken before the deletion still hold the firm\'s data until rotation deletes them; a restore re-applies every client erasure and this deletion from the erasure log. Rotation deletes nothing while no backup is verified.',
          },
        };
        if (!dp.certificateKey) throw ApplicationFailure.nonRetryable('CERTIFICATE_SIGNING_KEY is not configured: the deletion cannot be certified', 'DataProtectionSetupError');
        const jws = await signCertificate(await certificateKeyFromSeed(dp.certificateKey), certificate);
        fs.mkdirSync(dp.erasureLogDir, { recursive: true, mode: 0o700 });
        const logFile = firmDeletionLogFile(dp.erasureLogDir, row.id);
        fs.writeFileSync(`${logFile}.partial`, `${JSON.stringify({ deletionId: row.id, firmId: input.firmId, dataDeletedAt: dataDeletedAt.toISOString() })}\n`, { mode: 0o600 });
        fs.renameSync(`${logFile}.partial`, logFile);
        await trx('firm_deletions').where({ id: row.id }).update({
          status: 'completed',
          client_erasures: JSON.stringify(certificate.clients),
          certificate: JSON.stringify(certificate),
          certificate_jws: jws,
          completed_at: trx.fn.now(),
          updated_at: trx.fn.now(),
        });
        return { certificateJws: jws };
      });
    },

    /**
     * Emails the signed certificate, its JSON and the platform's public key to the address kept for
     * it (the admin who asked, or the operator's --send-to), through the platform's SMTP (the firm's
     * own settings are gone), then forgets the address. Without an SMTP the address is forgotten all
     * the same and the operator hands the certificate over (ops:delete-firm prints it).
     */
    async firmDeletionSendCertificate(input: { firmId: string; deletionId: string }): Promise<{ sent: boolean }> {
      const dp = requireDataProtection(deps);
      const row = (await inFirmJobTransaction(deps.knex, input.firmId, JOB, (trx) => trx('firm_deletions').where({ id: input.deletionId }).first('id', 'certificate', 'certificate_jws', 'certificate_to', 'certificate_sent_at'))) as
        | { id: string; certificate: { dataDeletedAt: string; clients: unknown[] }; certificate_jws: string | null; certificate_to: string | null; certificate_sent_at: Date | null }
        | undefined;
      if (!row?.certificate_jws) throw new Error('the firm deletion has no certificate yet');
      if (row.certificate_sent_at || !row.certificate_to) return { sent: Boolean(row.certificate_sent_at) };
      const forget = (sent: boolean) =>
        inFirmJobTransaction(deps.knex, input.firmId, JOB, (trx) =>
          trx('firm_deletions').where({ id: row.id }).update({ certificate_to: null, certificate_sent_at: sent ? trx.fn.now() : null, updated_at: trx.fn.now() }),
        );
      if (!deps.mail?.platformSmtpUrl || !dp.certificateKey) {
        deps.logger.warn({ deletionId: row.id }, 'firm deletion: no platform SMTP or certificate key; the certificate is not emailed (ops:delete-firm prints it)');
        await forget(false);
        return { sent: false };
      }
      const publicJwk = (await certificateKeyFromSeed(dp.certificateKey)).publicJwk;
      const text = [
        'Your firm\'s data in Taalmel has been deleted, as instructed.',
        '',
        `Deletion: ${row.id}`,
        `Data deleted at: ${row.certificate.dataDeletedAt}`,
        `Clients erased: ${row.certificate.clients.length}`,
        '',
        'The attached certificate (a JWS signed with the platform key, also attached) says what was deleted, what is kept and why,',
        'and until when backups may still hold the data. Keep it. Check it with any JOSE library (EdDSA, Ed25519) or:',
        `  npm run ops:verify-certificate -- firm-deletion-${row.id}.jws platform-key.jwk`,
      ].join('\n');
      const outcome = await deliver({ source: 'platform', options: deps.mail.platformSmtpUrl, from: deps.mail.platformFrom }, deps.mail.platformFrom, {
        to: row.certificate_to,
        subject: 'Certificate of deletion of your firm\'s data',
        text,
        html: `<pre>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</pre>`,
        // One Message-ID per deletion: a retry after an accepted send is recognisable as the same message.
        messageId: `<firm-deletion-${row.id}@taalmel>`,
        attachments: [
          { filename: `firm-deletion-${row.id}.jws`, content: Buffer.from(row.certificate_jws) },
          { filename: `firm-deletion-${row.id}.json`, content: Buffer.from(JSON.stringify(row.certificate, null, 2)) },
          { filename: 'platform-key.jwk', content: Buffer.from(JSON.stringify(publicJwk)) },
        ],
      });
      if (!outcome.ok) {
        // Retried by the workflow's policy; after the last attempt the address is forgotten and the operator hands the certificate over.
        if (Context.current().info.attempt < FINAL_SEND_ATTEMPT) throw new Error(`the certificate email was refused: ${outcome.error}`);
        deps.logger.warn({ deletionId: row.id, error: outcome.error }, 'firm deletion: the certificate email was refused on the last attempt; not emailed');
        await forget(false);
        return { sent: false };
      }
      await forget(true);
      return { sent: true };
    },

    async firmDeletionFailed(input: { firmId: string; deletionId: string; reason: string }): Promise<void> {
      await inFirmJobTransaction(deps.knex, input.firmId, JOB, (trx) =>
        trx('firm_deletions').where({ id: input.deletionId }).whereIn('status', ['running', 'scheduled']).update({ status: 'failed', failure_reason: input.reason.slice(0, 2000), updated_at: trx.fn.now() }),
      );
    },
  };
}
