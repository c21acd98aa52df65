/**
 * Starts an account email's workflow once the request's transaction has committed (the activity
 * reads the invitation or reset row the request wrote). The request's answer does not wait for
 * Temporal; a failed start is logged, and the person can ask again (resend, forgot password).
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { ACCOUNT_EMAIL_WORKFLOW, accountEmailWorkflowId, type AccountEmailInput } from '../../workflows/account-email-definitions';
import type { TemporalHandle } from '../temporal-client';

export type AccountMailer = {
  /** Starts the email now (the rows it reads are committed already). */
  send(input: AccountEmailInput): Promise<void>;
  /** Starts the email when `trx` commits; nothing when it rolls back. */
  sendAfterCommit(trx: Knex.Transaction, input: AccountEmailInput): void;
};

export function accountMailer(temporal: TemporalHandle, logger: Logger): AccountMailer {
  async function send(input: AccountEmailInput): Promise<void> {
    try {
      await temporal.client.workflow.start(ACCOUNT_EMAIL_WORKFLOW, { taskQueue: temporal.taskQueue, workflowId: accountEmailWorkflowId(input), args: [input] });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }
  return {
    send,
    sendAfterCommit(trx, input) {
      trx.executionPromise.then(
        () => send(input).catch((error: Error) => logger.error({ err: error, kind: input.kind }, 'could not start an account email')),
        () => undefined,
      );
    },
  };
}
