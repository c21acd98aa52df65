/**
 * POST /api/notices/:id/filing once the reply is filed (docs/notices.md, "Review and filing"): the
 * same ARN and date again — a retry, a double click — answers 200 with the notice as it is, with no
 * second step or audit row; another ARN or date, or a reply filed outside Taalmel, is 409
 * `already_filed` with the filing on record. A reply is filed once.
 */
import type { NoticeRow } from '../../db/notices';
import { conflict } from '../errors';

export type FilingBody = { arn: string; filedOn: string };

/** True when the notice already holds this filing; false when it is not filed; the conflict otherwise. */
export function holdsFiling(row: NoticeRow, body: FilingBody): boolean {
  if (row.state !== 'filed') return false;
  if (!row.filed_outside && row.arn === body.arn && String(row.filed_on) === body.filedOn) return true;
  const how = row.filed_outside ? ' outside Taalmel' : '';
  throw conflict('already_filed', `The reply is already filed${how} with ARN ${row.arn} on ${row.filed_on}: it is filed once.`, {
    state: row.state, reply: { arn: row.arn, filedOn: row.filed_on, filedOutside: row.filed_outside },
  }).withAudit({ action: 'notice.file_refused', entityType: 'notice', entityId: row.id, after: { state: row.state, step: 'file', refusal: 'already_filed' } });
}
