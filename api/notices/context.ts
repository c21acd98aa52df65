/** What every notice route takes from its request: the tenant transaction, the firm, the person, and the notice by id. */
import type { Knex } from 'knex';
import { findNotice, mayOwnNotice, type NoticeRow } from '../../db/notices';
import type { StepArgs } from '../../workflows/notice-definitions';
import { invalidInput, notFound, unprocessable } from '../errors';
import type { AuthenticatedContext } from '../routes';
import type { FieldErrors } from '../../domain/notices';

export function scope(ctx: AuthenticatedContext): { trx: Knex.Transaction; firmId: string; actor: StepArgs['actor'] } {
  const { trx, user } = ctx.state;
  return { trx, firmId: user.firmId, actor: { userId: user.id, email: user.email, role: user.role } };
}

export async function loadRow(ctx: AuthenticatedContext, id: string): Promise<NoticeRow> {
  const row = await findNotice(scope(ctx).trx, id);
  if (!row) throw notFound('No such notice.');
  return row;
}

export async function checkAssignee(trx: Knex.Transaction, firmId: string, userId: string): Promise<void> {
  if (!(await mayOwnNotice(trx, firmId, userId))) throw invalidInput({ fields: { assigneeId: 'must be an active staff member, manager or firm admin of the firm' } });
}

/** Facts that contradict each other (domain/notices/consistency.ts): 422 naming each field, in the error shape of docs/api.md. */
export function refuseInconsistent(errors: FieldErrors | null, code = 'facts_inconsistent'): void {
  if (errors) throw unprocessable(code, 'The dates or forms given contradict each other or the notice.', { fields: errors });
}
