/**
 * A client's user reading a reply filed with no text (filed outside Taalmel): the page points at the
 * documents only when a paper of kind `reply` is among them (the firm's evidence is not theirs to see),
 * and both notice screens decide "the firm's view" with the one role helper.
 */
import fs from 'node:fs';
import path from 'node:path';
import { filedReplyNote } from '../../../web/src/components/notices/client-reply';
import type { NoticeDocument } from '../../../web/src/http/types';

const paper = (kind: NoticeDocument['kind']): NoticeDocument => ({ id: `${kind}-1`, kind, filename: `${kind}.pdf`, status: 'received', contentType: 'application/pdf', size: 10, sha256: null, uploadedBy: 'u', receivedAt: '2026-12-01T10:00:00+05:30', createdAt: '2026-12-01T10:00:00+05:30' });

describe("a filed reply on the client's notice page", () => {
  it('points at the documents only when the reply as filed is one of them', () => {
    expect(filedReplyNote({ documents: [paper('notice'), paper('reply')] })).toBe('The reply as filed is among the documents.');
    for (const documents of [[], [paper('notice')], [paper('notice'), paper('order')]]) {
      const note = filedReplyNote({ documents });
      expect({ kinds: documents.map((d) => d.kind), note }).toEqual({ kinds: documents.map((d) => d.kind), note: "No copy of the reply as filed is among the documents; the ARN above is the department's acknowledgement of its filing." });
    }
  });

  it("decides the firm's view of the notice screens with the one role helper", () => {
    for (const file of ['web/src/components/NoticeList.tsx', 'web/src/pages/NoticePage.tsx']) {
      const source = fs.readFileSync(path.join(__dirname, '../../..', file), 'utf8');
      expect({ file, spelledOut: source.match(/role\s*[!=]==\s*'client'/g) ?? [], helper: source.includes('CAN.isFirmStaff(') }).toEqual({ file, spelledOut: [], helper: true });
    }
  });
});
