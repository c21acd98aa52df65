/**
 * A new follow-up: the client, a title, the checklist of items, and when the firm needs them — a
 * date, or a return on the client's compliance calendar (the API then sets the due date to that
 * return's target date minus two days). The created follow-up, with its plan, opens on success.
 */
import { ActionIcon, Button, Group, SegmentedControl, Select, Stack, Text, TextInput } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { api, qs } from '../http/client';
import { keys, useClients } from '../http/queries';
import type { CalendarEntry, FollowUp, Page } from '../http/types';
import { formatDate } from '../lib/format';
import { notifyDone } from '../lib/notify';
import { ActionModal } from './ActionModal';

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** The client's returns due in the next four months: those not filed yet, with their documents' date still ahead, are what a follow-up can feed. */
function useDeadlines(clientId: string | null) {
  return useQuery({
    queryKey: ['calendar', 'client', clientId],
    enabled: Boolean(clientId),
    queryFn: () => {
      const from = new Date();
      const to = new Date(from.getTime() + 120 * 86_400_000);
      return api.get<Page<CalendarEntry>>(`/api/clients/${clientId}/calendar${qs({ from: isoDay(from), to: isoDay(to), limit: 100 })}`);
    },
  });
}

type Item = { description: string; period: string };

export function FollowUpForm({ opened, onClose, clientId: fixedClient }: { opened: boolean; onClose: () => void; clientId?: string }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const clients = useClients();
  const [clientId, setClientId] = useState<string | null>(fixedClient ?? null);
  const [title, setTitle] = useState('');
  const [items, setItems] = useState<Item[]>([{ description: '', period: '' }]);
  const [anchor, setAnchor] = useState<'deadline' | 'date'>('deadline');
  const [dueDate, setDueDate] = useState('');
  const [deadline, setDeadline] = useState<string | null>(null);
  // Set once Create is pressed: from then on, a missing return is said at its field.
  const [tried, setTried] = useState(false);
  const deadlines = useDeadlines(clientId);
  // A follow-up is due two days before the return's target date; one already past that would be refused (due_date_passed).
  const today = new Date(Date.now() + 330 * 60_000).toISOString().slice(0, 10);
  const open = (deadlines.data?.items ?? []).filter((d) => d.status !== 'filed' && isoDay(new Date(Date.parse(`${d.targetDate}T00:00:00Z`) - 2 * 86_400_000)) >= today);
  const chosen = open.find((d) => `${d.returnType}|${d.period}` === deadline);
  // The API takes exactly one of a date or a return; the form asks for the return before sending rather than show the API's words about its fields.
  const missingReturn =
    anchor !== 'deadline' || chosen
      ? undefined
      : open.length || deadlines.isPending
        ? 'Choose the return it feeds, or choose “A date” above.'
        : 'Nothing is due on the calendar in the next four months: choose “A date” above.';
  const check = () => {
    setTried(true);
    return !missingReturn;
  };
  const setItem = (i: number, patch: Partial<Item>) => setItems(items.map((it, j) => (j === i ? { ...it, ...patch } : it)));

  async function submit() {
    const body = {
      title: title.trim(),
      items: items.filter((i) => i.description.trim()).map((i) => ({ description: i.description.trim(), ...(i.period ? { period: i.period } : {}) })),
      ...(anchor === 'date' ? { dueDate } : chosen ? { deadline: { returnType: chosen.returnType, period: chosen.period } } : {}),
    };
    const created = await api.post<FollowUp>(`/api/clients/${clientId}/follow-ups`, body);
    notifyDone('Follow-up created: the first message is on its way.');
    await queryClient.invalidateQueries({ queryKey: keys.followUps });
    void navigate(`/follow-ups/${created.id}`);
  }

  return (
    <ActionModal opened={opened} onClose={onClose} title="New follow-up" submitLabel="Create follow-up" onSubmit={submit} check={check} size="lg" disabled={!clientId}>
      {fixedClient ? null : (
        <Select
          label="Client"
          placeholder="Choose a client"
          searchable
          required
          data={(clients.data ?? []).filter((c) => c.active).map((c) => ({ value: c.id, label: c.name }))}
          value={clientId}
          onChange={(v) => {
            setClientId(v);
            setDeadline(null);
          }}
        />
      )}
      <TextInput label="Title" placeholder="Purchase bills for November" required maxLength={200} value={title} onChange={(e) => setTitle(e.currentTarget.value)} />
      <Stack gap={6}>
        <Text size="sm" fw={500}>
          Items the client should send
        </Text>
        {items.map((item, i) => (
          <Group key={i} gap="xs" wrap="nowrap" align="flex-end">
            <TextInput style={{ flex: 1 }} label={`Item ${i + 1}`} required={i === 0} maxLength={500} value={item.description} onChange={(e) => setItem(i, { description: e.currentTarget.value })} />
            <TextInput label={`Item ${i + 1} period`} type="month" w={170} value={item.period} onChange={(e) => setItem(i, { period: e.currentTarget.value })} />
            <ActionIcon variant="subtle" color="red" size="lg" aria-label={`Remove item ${i + 1}`} disabled={items.length === 1} onClick={() => setItems(items.filter((_, j) => j !== i))}>
              ×
            </ActionIcon>
          </Group>
        ))}
        <Button variant="light" size="xs" w="fit-content" onClick={() => setItems([...items, { description: '', period: '' }])}>
          Add an item
        </Button>
      </Stack>
      <Stack gap={6}>
        <Text size="sm" fw={500} id="follow-up-due">
          Needed by
        </Text>
        <SegmentedControl
          aria-labelledby="follow-up-due"
          value={anchor}
          onChange={(v) => setAnchor(v as 'deadline' | 'date')}
          data={[
            { value: 'deadline', label: 'A return on the calendar' },
            { value: 'date', label: 'A date' },
          ]}
        />
        {anchor === 'date' ? (
          <TextInput label="Due date" type="date" required value={dueDate} onChange={(e) => setDueDate(e.currentTarget.value)} />
        ) : (
          <Select
            label="Return it feeds"
            placeholder={clientId ? (deadlines.isPending ? 'Loading the calendar…' : open.length ? 'Choose a return' : 'Nothing due in the next four months') : 'Choose a client first'}
            required
            data={open.map((d) => ({ value: `${d.returnType}|${d.period}`, label: `${d.returnType} ${d.periodLabel} · due ${formatDate(d.effectiveDueDate)} · our target ${formatDate(d.targetDate)}` }))}
            value={deadline}
            onChange={setDeadline}
            error={tried ? missingReturn : undefined}
            description="The follow-up is due two days before the firm's target date for that return."
          />
        )}
      </Stack>
    </ActionModal>
  );
}
