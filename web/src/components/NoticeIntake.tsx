/**
 * Taking in a GST notice: the client, the form (from the API's catalogue, with its usual reply
 * window), the portal reference, the service date, the due date printed on the notice when there is
 * one, the periods and the amounts. The API computes the due date from the form when none is given;
 * the notice opens with its dates, clocks and reminders on success.
 */
import { Group, NumberInput, Select, SimpleGrid, Text, Textarea, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { api } from '../http/client';
import { keys, useClients, useNoticeForms, useUsers } from '../http/queries';
import { CAN, useUser } from '../http/session';
import type { Notice, NoticeForm } from '../http/types';
import { todayInIndia } from '../lib/format';
import { notifyDone } from '../lib/notify';
import { ActionModal } from './ActionModal';

function windowText(f: NoticeForm): string {
  const window = f.windowDays === null ? 'reply date as stated on the notice' : `reply within ${f.windowDays} ${f.windowUnit === 'working' ? 'working' : ''} days of service`.replace('  ', ' ');
  const stake = [f.blocksReturn ? 'blocks the next return' : '', f.registrationAtStake ? 'registration at stake' : ''].filter(Boolean).join(', ');
  return `${f.title}. ${window}${stake ? `; ${stake}` : ''}. Answer: ${f.answer}.`;
}

const money = (v: string | number) => (v === '' ? undefined : Number(v));

export function NoticeIntake({ opened, onClose, clientId: fixedClient }: { opened: boolean; onClose: () => void; clientId?: string }) {
  const user = useUser();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const clients = useClients();
  const forms = useNoticeForms();
  const users = useUsers(CAN.readUsers(user.role));
  const [clientId, setClientId] = useState<string | null>(fixedClient ?? null);
  const [form, setForm] = useState<string | null>(null);
  const [v, setV] = useState({ reference: '', servedOn: todayInIndia(), dueDate: '', period: '', description: '' });
  const [amounts, setAmounts] = useState<{ tax?: number; interest?: number; penalty?: number }>({});
  const [assigneeId, setAssigneeId] = useState<string | null>(null);
  const chosen = forms.data?.items.find((f) => f.form === form);
  const field = (k: keyof typeof v) => ({ value: v[k], onChange: (e: { currentTarget: { value: string } }) => setV({ ...v, [k]: e.currentTarget.value }) });

  async function submit() {
    const given = Object.entries(amounts).filter(([, a]) => a !== undefined);
    const notice = await api.post<Notice>(`/api/clients/${clientId}/notices`, {
      form,
      reference: v.reference.trim(),
      servedOn: v.servedOn,
      ...(v.dueDate ? { dueDate: v.dueDate } : {}),
      ...(v.period ? { periods: [v.period] } : {}),
      ...(given.length ? { amounts: Object.fromEntries(given) } : {}),
      ...(v.description.trim() ? { description: v.description.trim() } : {}),
      ...(assigneeId ? { assigneeId } : {}),
    });
    notifyDone(`${notice.form} taken in.`);
    await queryClient.invalidateQueries({ queryKey: keys.notices });
    void navigate(`/notices/${notice.id}`);
  }

  return (
    <ActionModal opened={opened} onClose={onClose} title="Take in a notice" submitLabel="Take in" onSubmit={submit} size="lg" disabled={!clientId || !form}>
      {fixedClient ? null : (
        <Select label="Client" placeholder="Choose a client" searchable required data={(clients.data ?? []).map((c) => ({ value: c.id, label: c.name }))} value={clientId} onChange={setClientId} />
      )}
      <Select
        label="Form"
        placeholder={forms.isPending ? 'Loading the forms…' : 'Choose the form'}
        searchable
        required
        data={(forms.data?.items ?? []).map((f) => ({ value: f.form, label: `${f.form} — ${f.title}` }))}
        value={form}
        onChange={setForm}
        description={chosen ? windowText(chosen) : 'The form printed at the top of the notice.'}
        error={forms.isError ? 'The forms could not be loaded: try again.' : undefined}
      />
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput label="Reference number" required maxLength={100} {...field('reference')} />
        <TextInput label="Period it concerns" type="month" {...field('period')} />
        <TextInput label="Served on" type="date" required {...field('servedOn')} />
        <TextInput label="Due date on the notice" type="date" description="Leave empty to count the form's window from the service date." {...field('dueDate')} />
      </SimpleGrid>
      <Text size="sm" fw={500}>
        Amounts demanded
      </Text>
      <Group grow>
        {(['tax', 'interest', 'penalty'] as const).map((k) => (
          <NumberInput key={k} label={`${k[0]!.toUpperCase()}${k.slice(1)} (₹)`} min={0} decimalScale={2} thousandSeparator="," thousandsGroupStyle="lakh" value={amounts[k] ?? ''} onChange={(n) => setAmounts({ ...amounts, [k]: money(n) })} />
        ))}
      </Group>
      {users.data ? (
        <Select
          label="Assign to"
          placeholder="Nobody yet"
          clearable
          data={users.data.items.filter((u) => u.active && CAN.prepare(u.role)).map((u) => ({ value: u.id, label: `${u.name} (${u.email})` }))}
          value={assigneeId}
          onChange={setAssigneeId}
        />
      ) : null}
      <Textarea label="What it is about" maxLength={4000} autosize minRows={2} {...field('description')} />
    </ActionModal>
  );
}
