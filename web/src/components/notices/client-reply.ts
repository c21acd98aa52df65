/**
 * What a client's own user reads of a filed reply with no text to show (one filed outside Taalmel):
 * the papers of kind `reply` are theirs to read (docs/notices.md "What a client's users see"), the
 * firm's evidence is not, so the page points at the documents only when a reply paper is among them.
 */
import type { NoticeDetail } from '../../http/types';

export function filedReplyNote(n: Pick<NoticeDetail, 'documents'>): string {
  return n.documents.some((d) => d.kind === 'reply') ? 'The reply as filed is among the documents.' : "No copy of the reply as filed is among the documents; the ARN above is the department's acknowledgement of its filing.";
}
