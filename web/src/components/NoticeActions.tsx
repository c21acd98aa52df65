/**
 * What a person can do to a notice now, by state and role (the API's workflow decides in the end and
 * its refusal is shown as it came): assign, draft and submit, approve or request changes (never the
 * drafter: four eyes), record the filing with its ARN, an officer's extension, hearings and their
 * adjournments, and closing.
 */
import { Button, Checkbox, Group, Select, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useState } from 'react';
import { api } from '../http/client';
import { useUsers } from '../http/queries';
import { CAN, useUser } from '../http/session';
import type { Hearing, NoticeDetail } from '../http/types';
import { istInstant, todayInIndia } from '../lib/format';
import { notifyDone } from '../lib/notify';
import { ActionModal, RefusalAlert, useAction } from './ActionModal';

type Dialog = 'assign' | 'approve' | 'changes' | 'file' | 'extension' | 'hearing' | 'close' | null;
const OUTCOMES = ['replied', 'dropped', 'order', 'withdrawn', 'duplicate', 'appeal'].map((v) => ({ value: v, label: v[0]!.toUpperCase() + v.slice(1) }));

export function NoticeActions({ n, onDone }: { n: NoticeDetail; onDone: () => Promise<unknown> }) {
  const user = useUser();
  const users = useUsers(CAN.readUsers(user.role));
  const [dialog, setDialog] = useState<Dialog>(null);
  const [f, setF] = useState<Record<string, string>>({ filedOn: todayInIndia() });
  const field = (k: string) => ({ value: f[k] ?? '', onChange: (e: { currentTarget: { value: string } }) => setF({ ...f, [k]: e.currentTarget.value }) });
  const post = (step: string, body: unknown = {}) => api.post(`/api/notices/${n.id}/${step}`, body);
  const close = () => setDialog(null);
  const approver = CAN.approve(user.role);
  const preparer = CAN.prepare(user.role);
  // Four eyes: the API says whether this person may review (whoever saved any version of the reply may not).
  const reviewer = n.canReview;
  const open = n.state !== 'closed';
  const common = { onClose: close, onDone };

  return (
    <>
      <Group gap="xs">
        {approver && open && n.state !== 'filed' ? (
          <Button variant="light" onClick={() => setDialog('assign')}>
            {n.assigneeId ? 'Reassign' : 'Assign'}
          </Button>
        ) : null}
        {reviewer ? (
          <>
            <Button color="green" onClick={() => setDialog('approve')}>
              Approve reply
            </Button>
            <Button color="orange" variant="light" onClick={() => setDialog('changes')}>
              Request changes
            </Button>
          </>
        ) : null}
        {preparer && n.state === 'approved' ? <Button onClick={() => setDialog('file')}>Record filing</Button> : null}
        {preparer && open && n.state !== 'filed' ? (
          <Button variant="light" onClick={() => setDialog('extension')}>
            Extension granted
          </Button>
        ) : null}
        {preparer && open ? (
          <Button variant="light" onClick={() => setDialog('hearing')}>
            Add hearing
          </Button>
        ) : null}
        {approver && open ? (
          <Button variant="light" color="gray" onClick={() => setDialog('close')}>
            Close notice
          </Button>
        ) : null}
      </Group>

      <ActionModal {...common} opened={dialog === 'assign'} title="Assign the notice" submitLabel="Assign" onSubmit={() => post('assign', { assigneeId: f.assigneeId })}>
        <Select
          label="Assignee"
          required
          data={(users.data?.items ?? []).filter((u) => u.active && CAN.prepare(u.role)).map((u) => ({ value: u.id, label: `${u.name} (${u.email})` }))}
          value={f.assigneeId ?? null}
          onChange={(v) => setF({ ...f, assigneeId: v ?? '' })}
        />
      </ActionModal>
      <ActionModal {...common} opened={dialog === 'approve'} title="Approve the reply" submitLabel="Approve" submitColor="green" onSubmit={() => post('approve', f.note?.trim() ? { note: f.note.trim() } : {}).then(() => notifyDone('Approved: the reply can be filed.'))}>
        <Textarea label="Note (optional)" maxLength={2000} autosize minRows={2} {...field('note')} />
      </ActionModal>
      <ActionModal {...common} opened={dialog === 'changes'} title="Request changes" submitLabel="Send back to the drafter" onSubmit={() => post('request-changes', { comment: f.comment ?? '' })}>
        <Textarea label="What should change (required)" required maxLength={4000} autosize minRows={3} {...field('comment')} />
      </ActionModal>
      <ActionModal {...common} opened={dialog === 'file'} title="Record the filing" submitLabel="Record filing" onSubmit={() => post('filing', { arn: (f.arn ?? '').trim().toUpperCase(), filedOn: f.filedOn }).then(() => notifyDone('Filed: the reminders have stopped.'))}>
        <TextInput label="ARN" required description="The acknowledgement reference number the portal gave." {...field('arn')} />
        <TextInput label="Filed on" type="date" required {...field('filedOn')} />
      </ActionModal>
      <ActionModal {...common} opened={dialog === 'extension'} title="Extension granted by the officer" submitLabel="Record extension" onSubmit={() => post('extension', { extendedDueDate: f.extendedDueDate, reference: f.extensionReference ?? '' })}>
        <TextInput label="New due date" type="date" required {...field('extendedDueDate')} />
        <TextInput label="Reference of the extension" required {...field('extensionReference')} />
      </ActionModal>
      <ActionModal {...common} opened={dialog === 'hearing'} title="Add a personal hearing" submitLabel="Add hearing" onSubmit={() => post('hearings', { at: istInstant(f.hearingAt ?? ''), ...(f.place?.trim() ? { place: f.place.trim() } : {}) })}>
        <TextInput label="Date and time (IST)" type="datetime-local" required {...field('hearingAt')} />
        <TextInput label="Place" {...field('place')} />
      </ActionModal>
      <ActionModal
        {...common}
        opened={dialog === 'close'}
        title="Close the notice"
        submitLabel="Close notice"
        onSubmit={() =>
          post('close', {
            outcome: f.outcome,
            ...(f.orderForm?.trim() ? { orderForm: f.orderForm.trim() } : {}),
            ...(f.orderDate ? { orderDate: f.orderDate } : {}),
            ...(f.reason?.trim() ? { reason: f.reason.trim() } : {}),
          })
        }
      >
        <Select label="Outcome" required data={OUTCOMES} value={f.outcome ?? null} onChange={(v) => setF({ ...f, outcome: v ?? '' })} />
        {f.outcome === 'order' ? (
          <Group grow>
            <TextInput label="Order form" placeholder="DRC-07" {...field('orderForm')} />
            <TextInput label="Order date" type="date" {...field('orderDate')} />
          </Group>
        ) : null}
        <Textarea label="Reason (optional)" maxLength={2000} autosize minRows={2} {...field('reason')} />
      </ActionModal>
    </>
  );
}

/** The reply: edit and save a new version (assignee, managers, firm admins), then the drafter submits it. */
export function DraftEditor({ n, onDone }: { n: NoticeDetail; onDone: () => Promise<unknown> }) {
  const user = useUser();
  const latest = n.drafts[n.drafts.length - 1];
  const [text, setText] = useState(latest?.text ?? '');
  const save = useAction();
  const submit = useAction();
  const mayDraft = (n.state === 'received' || n.state === 'assigned' || n.state === 'drafting') && (CAN.approve(user.role) || n.assigneeId === user.id);
  const maySubmit = n.state === 'drafting' && n.draftedBy === user.id;
  if (!mayDraft) return null;
  // Drafting needs a working date (the API refuses with due_date_required): say so instead of a box that cannot save.
  if (!n.effectiveDueDate && !n.targetDate) {
    return (
      <Text size="sm" data-testid="draft-needs-date">
        The reply can be drafted once the notice has a due date or a target date: the form's reply date is only on the notice. Set it with “Set the due date” above.
      </Text>
    );
  }
  return (
    <Stack gap="xs">
      <Textarea label="Reply draft" autosize minRows={5} maxLength={100_000} value={text} onChange={(e) => setText(e.currentTarget.value)} />
      <Group gap="xs">
        <Button
          variant="light"
          loading={save.busy}
          disabled={!text.trim() || text === latest?.text}
          onClick={() =>
            void save.run(async () => {
              await api.put(`/api/notices/${n.id}/draft`, { text });
              notifyDone('Draft saved.');
              await onDone();
            })
          }
        >
          Save draft
        </Button>
        {maySubmit ? (
          <Button
            loading={submit.busy}
            disabled={text !== latest?.text}
            onClick={() =>
              void submit.run(async () => {
                await api.post(`/api/notices/${n.id}/submit`);
                notifyDone('Submitted: a manager reviews it next.');
                await onDone();
              })
            }
          >
            Submit for review
          </Button>
        ) : null}
      </Group>
      {save.error ? <RefusalAlert error={save.error} title="Not saved" /> : null}
      {submit.error ? <RefusalAlert error={submit.error} title="Not submitted" /> : null}
    </Stack>
  );
}

/** Adjourning a hearing: a new time and a reason; past three adjournments a manager may override. */
export function AdjournButton({ n, h, onDone }: { n: NoticeDetail; h: Hearing; onDone: () => Promise<unknown> }) {
  const user = useUser();
  const [opened, setOpened] = useState(false);
  const [newAt, setNewAt] = useState('');
  const [reason, setReason] = useState('');
  const [override, setOverride] = useState(false);
  if (!CAN.prepare(user.role) || n.state === 'closed') return null;
  return (
    <>
      <Button size="xs" variant="subtle" onClick={() => setOpened(true)}>
        Adjourn
      </Button>
      <ActionModal
        opened={opened}
        onClose={() => setOpened(false)}
        onDone={onDone}
        title="Adjourn the hearing"
        submitLabel="Adjourn"
        onSubmit={() => api.post(`/api/notices/${n.id}/hearings/${h.id}/adjourn`, { newAt: istInstant(newAt), reason, ...(override ? { override: true } : {}) })}
      >
        <TextInput label="New date and time (IST)" type="datetime-local" required value={newAt} onChange={(e) => setNewAt(e.currentTarget.value)} />
        <Textarea label="Reason" required maxLength={1000} value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
        {CAN.approve(user.role) && h.adjournments >= 3 ? <Checkbox label="Override the limit of three adjournments" checked={override} onChange={(e) => setOverride(e.currentTarget.checked)} /> : null}
      </ActionModal>
    </>
  );
}
