/**
 * The calendar's write actions: record a return's filing with its ARN (preparers), the firm's
 * holidays and whether Saturdays work (firm admins), and a notified extension of a due date (firm
 * admins; it moves every matching client's due date and what is keyed to it).
 */
import { ActionIcon, Button, Group, Modal, MultiSelect, Select, Switch, Table, Text, TextInput } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../http/client';
import type { CalendarEntry, Holidays } from '../http/types';
import { formatDate, todayInIndia } from '../lib/format';
import { STATES } from '../lib/gstin';
import { notifyDone } from '../lib/notify';
import { ActionModal } from './ActionModal';
import { QueryState } from './QueryState';

export const RETURN_TYPES = ['GSTR-1', 'IFF', 'GSTR-3B', 'CMP-08', 'GSTR-4', 'GSTR-9', 'GSTR-9C'];
const STATE_OPTIONS = Object.entries(STATES).map(([code, name]) => ({ value: code, label: `${code} ${name}` }));
const FILER_OPTIONS = [
  { value: 'both', label: 'Monthly and quarterly filers' },
  { value: 'monthly', label: 'Monthly filers' },
  { value: 'quarterly', label: 'Quarterly (QRMP) filers' },
];
type ExtensionAnswer = { affectedClients: number; notAppliedClients: number };
const clientsText = (n: number) => `${n} client${n === 1 ? '' : 's'}`;

const refreshCalendar = (queryClient: ReturnType<typeof useQueryClient>) => queryClient.invalidateQueries({ queryKey: ['calendar'] });

export function RecordFiling({ entry, onClose }: { entry: CalendarEntry; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [filedOn, setFiledOn] = useState(todayInIndia());
  const [arn, setArn] = useState('');
  return (
    <ActionModal
      opened
      onClose={onClose}
      title={`${entry.returnType} ${entry.periodLabel} filed`}
      submitLabel="Record filing"
      onSubmit={async () => {
        await api.post(`/api/clients/${entry.clientId}/filings`, { returnType: entry.returnType, period: entry.period, filedOn, arn });
        notifyDone('Filing recorded: its reminders and escalations stop.');
      }}
      onDone={() => refreshCalendar(queryClient)}
    >
      <Text size="sm">
        {entry.clientName} · due {formatDate(entry.effectiveDueDate)}
      </Text>
      <TextInput label="Filed on" type="date" required value={filedOn} onChange={(e) => setFiledOn(e.currentTarget.value)} />
      <TextInput label="ARN" required description="15 letters and digits, as the portal gave it." value={arn} onChange={(e) => setArn(e.currentTarget.value)} data-autofocus />
    </ActionModal>
  );
}

export function ExtensionForm({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const [v, setV] = useState({ returnType: 'GSTR-3B', period: '', dueDate: '', reference: '' });
  const [states, setStates] = useState<string[]>([]);
  const [filers, setFilers] = useState('both');
  return (
    <ActionModal
      opened
      onClose={onClose}
      title="A notified extension"
      submitLabel="Record extension"
      onSubmit={async () => {
        const answer = await api.post<ExtensionAnswer>('/api/calendar/extensions', { ...v, stateCodes: states.length ? states : null, filingFrequency: filers === 'both' ? null : filers });
        // An extension never moves a due date earlier: clients already due later keep their date (docs/calendar.md).
        const unchanged = answer.notAppliedClients > 0 ? ` ${clientsText(answer.notAppliedClients)} already due later kept their date.` : '';
        notifyDone(`Extension recorded: the due dates moved. ${clientsText(answer.affectedClients)} moved.${unchanged}`);
      }}
      onDone={() => refreshCalendar(queryClient)}
    >
      <Group grow>
        <Select label="Return" required data={RETURN_TYPES} value={v.returnType} onChange={(r) => setV({ ...v, returnType: r ?? 'GSTR-3B' })} />
        <TextInput label="Period" type="month" required value={v.period} onChange={(e) => setV({ ...v, period: e.currentTarget.value })} />
      </Group>
      <TextInput label="New due date" type="date" required value={v.dueDate} onChange={(e) => setV({ ...v, dueDate: e.currentTarget.value })} />
      <MultiSelect label="States" placeholder="All of India" searchable clearable data={STATE_OPTIONS} value={states} onChange={setStates} description="Leave empty when the extension is for every state." />
      <Select
        label="Filers"
        required
        allowDeselect={false}
        data={FILER_OPTIONS}
        value={filers}
        onChange={(f) => setFilers(f ?? 'both')}
        description="Notifications often give monthly and quarterly (QRMP) filers different dates for the same GSTR-3B period."
      />
      <TextInput label="Notification or circular" required maxLength={500} value={v.reference} onChange={(e) => setV({ ...v, reference: e.currentTarget.value })} />
    </ActionModal>
  );
}

type Day = Holidays['dates'][number];

function HolidayEditor({ initial, onClose }: { initial: Holidays; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [saturdays, setSaturdays] = useState(initial.saturdaysWorking);
  const [dates, setDates] = useState<Day[]>(initial.dates);
  const [draft, setDraft] = useState<{ date: string; name: string; stateCode: string | null }>({ date: '', name: '', stateCode: null });
  return (
    <ActionModal
      opened
      onClose={onClose}
      title="The firm's working days"
      submitLabel="Save holidays"
      size="lg"
      onSubmit={async () => {
        const saved = await api.put<Holidays>('/api/firm/holidays', { saturdaysWorking: saturdays, dates });
        queryClient.setQueryData(['firm', 'holidays'], saved);
        notifyDone('Holidays saved: due dates and plans follow them.');
      }}
      onDone={() => refreshCalendar(queryClient)}
    >
      <Switch label="The firm works on Saturdays" checked={saturdays} onChange={(e) => setSaturdays(e.currentTarget.checked)} />
      <Text size="sm" c="dimmed">
        Sundays never work; national holidays ({initial.nationalHolidays.length} this year and next) are already known.
      </Text>
      <Table aria-label="The firm's holidays">
        <Table.Tbody>
          {dates.map((d, i) => (
            <Table.Tr key={`${d.date}-${d.stateCode ?? ''}`} data-testid="holiday-row">
              <Table.Td>{formatDate(d.date)}</Table.Td>
              <Table.Td>{d.name}</Table.Td>
              <Table.Td>{d.stateCode ? (STATES[d.stateCode] ?? d.stateCode) : 'all states'}</Table.Td>
              <Table.Td>
                <ActionIcon variant="subtle" color="red" aria-label={`Remove ${d.name}`} onClick={() => setDates(dates.filter((_, j) => j !== i))}>
                  ×
                </ActionIcon>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Group align="flex-end" wrap="wrap">
        <TextInput label="Holiday date" type="date" value={draft.date} onChange={(e) => setDraft({ ...draft, date: e.currentTarget.value })} />
        <TextInput label="Holiday name" value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.currentTarget.value })} />
        <Select label="Holiday state" placeholder="All states" clearable searchable data={STATE_OPTIONS} value={draft.stateCode} onChange={(s) => setDraft({ ...draft, stateCode: s })} w={200} />
        <Button
          variant="light"
          disabled={!draft.date || !draft.name.trim()}
          onClick={() => {
            setDates([...dates, { ...draft, name: draft.name.trim() }].sort((a, b) => a.date.localeCompare(b.date)));
            setDraft({ date: '', name: '', stateCode: null });
          }}
        >
          Add holiday
        </Button>
      </Group>
    </ActionModal>
  );
}

export function HolidaysDialog({ onClose }: { onClose: () => void }) {
  const holidays = useQuery({ queryKey: ['firm', 'holidays'], queryFn: () => api.get<Holidays>('/api/firm/holidays') });
  if (holidays.data) return <HolidayEditor initial={holidays.data} onClose={onClose} />;
  return (
    <Modal opened onClose={onClose} title="The firm's working days">
      <QueryState query={holidays} label="holidays">
        {() => null}
      </QueryState>
    </Modal>
  );
}
