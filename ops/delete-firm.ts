/**
 * `npm run ops:delete-firm -- <firmId> --reason "Account closed on the firm's instruction of …" [--send-to partner@firm.example] [--json]`
 * Deletes a whole firm now (ops/firm-deletion-request.ts), waits for the workflow, and prints the
 * signed certificate: the firm keeps it, and checks it with `npm run ops:verify-certificate`.
 * With --send-to the certificate is also emailed there (through the platform's SMTP).
 * Exit codes: 0 deleted, 1 failed or refused, 2 usage, 78 configuration.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { createTemporalClient } from '../api/temporal-client';
import { createKnex } from '../db/knex';
import { inFirmJobTransaction } from '../db/tenant';
import { rootMessage } from '../workflows/failures';
import { FirmDeletionRefused, startOperatorFirmDeletion } from './firm-deletion-request';
import { temporalPayloadCodec } from './keys';
import { loadOpsConfigOrExit } from './ops-config';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { reason: { type: 'string' }, 'send-to': { type: 'string' }, json: { type: 'boolean', default: false } } });
  const firmId = positionals[0];
  const reason = values.reason?.trim();
  const sendTo = values['send-to']?.trim();
  if (!firmId || !UUID.test(firmId) || !reason || (sendTo !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(sendTo))) {
    process.stderr.write('usage: npm run ops:delete-firm -- <firmId> --reason "why (the firm\'s instruction)" [--send-to partner@firm.example] [--json]\n');
    return 2;
  }
  const config = loadOpsConfigOrExit({ database: true, temporal: true });
  const knex = createKnex({ url: config.database.url!, appRole: config.database.appRole, poolMax: 1, applicationName: 'taalmel-delete-firm' });
  const temporal = createTemporalClient({ address: config.temporal.address!, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, codec: temporalPayloadCodec(config) });
  try {
    const started = await startOperatorFirmDeletion(knex, temporal, { firmId, reason, sendTo, operator: os.userInfo().username });
    process.stderr.write(`firm deletion ${started.deletionId} (${started.outcome}); waiting for ${started.workflowId}…\n`);
    await temporal.client.workflow.getHandle(started.workflowId).result();
    const row = (await inFirmJobTransaction(knex, firmId, 'delete-firm', (trx) => trx('firm_deletions').where({ id: started.deletionId }).first('status', 'certificate', 'certificate_jws'))) as
      | { status: string; certificate: unknown; certificate_jws: string | null }
      | undefined;
    if (row?.status !== 'completed' || !row.certificate_jws) {
      process.stderr.write(`firm deletion ${started.deletionId} ended ${row?.status ?? 'unknown'} (a firm admin cancelled it, or it failed)\n`);
      return 1;
    }
    if (values.json) process.stdout.write(`${JSON.stringify({ deletionId: started.deletionId, certificate: row.certificate, certificateJws: row.certificate_jws })}\n`);
    else process.stdout.write(`${JSON.stringify(row.certificate, null, 2)}\n\ncertificate (compact JWS; save it and verify with npm run ops:verify-certificate):\n${row.certificate_jws}\n`);
    return 0;
  } catch (error) {
    if (error instanceof FirmDeletionRefused) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    if (error instanceof WorkflowFailedError) {
      process.stderr.write(`firm deletion FAILED: ${rootMessage(error)} (run the same command again to resume it)\n`);
      return 1;
    }
    throw error;
  } finally {
    await temporal.close();
    await knex.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  },
);
