/**
 * Changing a notice's dates by hand (`PATCH /api/notices/:id` with `dueDate` and `targetDate`,
 * docs/notices.md "The three dates"): the due date printed on the notice when the form's window is
 * only stated there, or a corrected one; the firm's own target date. Only what changed is sent; an
 * emptied field is sent as null, which returns that date to the one the API works out. The API's
 * refusal is shown under the field it names.
 */
import { TextInput } from '@mantine/core';
import { useState } from 'react';
import { api } from '../../http/client';
import { CAN, useUser } from '../../http/session';
import type { NoticeDetail } from '../../http/types';
import { notifyDone } from '../../lib/notify';
import { ActionModal } from '../ActionModal';

/** Whether this person may change the notice's dates now (staff, managers, firm admins; not once filed or closed). */
export function mayEditDates(role: Parameters<typeof CAN.prepare>[0], n: NoticeDetail): boolean {
  return CAN.prepare(role) && n.state !== 'closed' && n.state !== 'filed';
}

/** The dialog; mount it when it opens (its fields start from the notice as it is then). */
export function NoticeDatesEdit({ n, onDone, onClose }: { n: NoticeDetail; onDone: () => Promise<unknown>; onClose: () => void }) {
  const user = useUser();
  // The hand-entered due date is the statutory one once set (`dueDateSource: manual`).
  const [dueDate, setDueDate] = useState(n.statutoryDueDate ?? '');
  const [targetDate, setTargetDate] = useState(n.targetDate ?? '');
  if (!mayEditDates(user.role, n)) return null;
  const body = () => {
    const b: Record<string, string | null> = {};
    if (dueDate !== (n.statutoryDueDate ?? '')) b.dueDate = dueDate || null;
    if (targetDate !== (n.targetDate ?? '')) b.targetDate = targetDate || null;
    return b;
  };
  return (
    <ActionModal
      opened
      onClose={onClose}
      onDone={onDone}
      title="Change the notice's dates"
      submitLabel="Save dates"
      refusalTitle="Not saved"
      disabled={Object.keys(body()).length === 0}
      onSubmit={() => api.patch(`/api/notices/${n.id}`, body()).then(() => notifyDone('Dates saved: the reminders follow the new dates.'))}
    >
      {(fieldError) => (
        <>
          <TextInput
            label="Due date"
            type="date"
            description={n.dueDateSource === 'computed' ? "Counted from the form's window now; enter the date printed on the notice to replace it." : 'The date printed on the notice, by which the reply is due.'}
            value={dueDate}
            onChange={(e) => setDueDate(e.currentTarget.value)}
            error={fieldError('dueDate')}
          />
          <TextInput
            label="Our target date"
            type="date"
            description="The assignee's own deadline, before the due date. Empty: the firm's default."
            value={targetDate}
            onChange={(e) => setTargetDate(e.currentTarget.value)}
            error={fieldError('targetDate')}
          />
        </>
      )}
    </ActionModal>
  );
}
