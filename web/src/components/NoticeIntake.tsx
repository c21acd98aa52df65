/**
 * Taking in a GST notice: the client, the form (from the API's catalogue, with its usual reply
 * window), the portal reference, the service date, the due date printed on the notice when there is
 * one, the periods and the amounts; and, optional, what the portal prints on it: the case id (which
 * groups a case's notices), the DIN, the issue date, the sections and the financial years it covers
 * (each year gets its own limitation clock, docs/notices.md "Other clocks"). The API computes the due
 * date from the form when none is given; each field it refuses shows its words under the field; the
 * notice opens with its dates, clocks and reminders on success.
 */
import { Group, MultiSelect, NumberInput, Select, SimpleGrid, TagsInput, Text, Textarea, TextInput } from '@mantine/core';
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
import { financialYears } from './notices/financial-years';

function windowText(f: NoticeForm): string {
  const window = f.windowDays === null ? 'reply date as stated on the notice' : `reply within ${f.windowDays} ${f.windowUnit === 'working' ? 'working' : ''} days of service`.replace('  ', ' ');
  const stake = [f.blocksReturn ? 'blocks the next return' : '', f.registrationAtStake ? 'registration at stake' : ''].filter(Boolean).join(', ');
  return `${f.title}. ${window}${stake ? `; ${stake}` : ''}. Answer: ${f.answer}.`;
}

const money = (v: string | number) => (v === '' ? undefined : Number(v));
const FY_OPTIONS = financialYears().map((fy) => ({ value: fy, label: `FY ${fy}` }));

export function NoticeIntake({ opened, onClose, clientId: fixedClient }: { opened: boolean; onClose: () => void; clientId?: string }) {
  const user = useUser();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const clients = useClients();
  const forms = useNoticeForms();
  const users = useUsers(CAN.readUsers(user.role));
  const [clientId, setClientId] = useState<string | null>(fixedClient ?? null);
  const [form, setForm] = useState<string | null>(null);
  const [v, setV] = useState({ reference: '', caseId: '', din: '', servedOn: todayInIndia(), issuedOn: '', dueDate: '', period: '', description: '', issuingOffice: '' });
  const [fys, setFys] = useState<string[]>([]);
  const [sections, setSections] = useState<string[]>([]);
  const [amounts, setAmounts] = useState<{ tax?: number; interest?: number; penalty?: number }>({});
  const [assigneeId, setAssigneeId] = useState<string | null>(null);
  const chosen = forms.data?.items.find((f) => f.form === form);
  const field = (k: keyof typeof v) => ({ value: v[k], onChange: (e: { currentTarget: { value: string } }) => setV({ ...v, [k]: e.currentTarget.value }) });
  const optional = (k: keyof typeof v) => (v[k].trim() ? { [k]: v[k].trim() } : {});

  async function submit() {
    const given = Object.entries(amounts).filter(([, a]) => a !== undefined);
    const notice = await api.post<Notice>(`/api/clients/${clientId}/notices`, {
      form,
      reference: v.reference.trim(),
      servedOn: v.servedOn,
      ...optional('caseId'),
      ...optional('din'),
      ...optional('issuedOn'),
      ...optional('dueDate'),
      ...optional('issuingOffice'),
      ...(v.period ? { periods: [v.period] } : {}),
      ...(fys.length ? { financialYears: [...fys].sort() } : {}),
      ...(sections.length ? { sections } : {}),
      ...(given.length ? { amounts: Object.fromEntries(given) } : {}),
      ...optional('description'),
      ...(assigneeId ? { assigneeId } : {}),
    });
    notifyDone(`${notice.form} taken in.`);
    await queryClient.invalidateQueries({ queryKey: keys.notices });
    void navigate(`/notices/${notice.id}`);
  }

  return (
    <ActionModal opened={opened} onClose={onClose} title="Take in a notice" submitLabel="Take in" refusalTitle="Not saved" onSubmit={submit} size="lg" disabled={!clientId || !form}>
      {(fieldError) => (
        <>
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
            error={forms.isError ? 'The forms could not be loaded: try again.' : fieldError('form')}
          />
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label="Reference number" required maxLength={100} error={fieldError('reference')} {...field('reference')} />
            <TextInput label="Period it concerns" type="month" error={fieldError('periods')} {...field('period')} />
            <TextInput label="Served on" type="date" required error={fieldError('servedOn')} {...field('servedOn')} />
            <TextInput label="Due date on the notice" type="date" description="Leave empty to count the form's window from the service date." error={fieldError('dueDate')} {...field('dueDate')} />
            <TextInput label="Case id (optional)" description="The portal's case id: it groups the notices, replies and orders of one case." maxLength={100} error={fieldError('caseId')} {...field('caseId')} />
            <TextInput label="DIN (optional)" description="The document identification number printed on the notice." maxLength={100} error={fieldError('din')} {...field('din')} />
            <TextInput label="Issued on (optional)" type="date" description="The issue date on the portal, when it differs from the service date." error={fieldError('issuedOn')} {...field('issuedOn')} />
            <TextInput label="Issuing office (optional)" maxLength={200} error={fieldError('issuingOffice')} {...field('issuingOffice')} />
          </SimpleGrid>
          <MultiSelect
            label="Financial years it covers (optional)"
            description="The earliest one starts the limitation clock."
            placeholder={fys.length ? undefined : 'Choose one or more'}
            data={FY_OPTIONS}
            value={fys}
            onChange={setFys}
            searchable
            clearable
            maxValues={10}
            error={fieldError('financialYears')}
          />
          <TagsInput
            label="Sections (optional)"
            description="As printed, for example 73 or 74A; press Enter after each."
            value={sections}
            onChange={setSections}
            maxTags={10}
            error={fieldError('sections')}
          />
          <Text size="sm" fw={500} component="h3" m={0}>
            Amounts demanded
          </Text>
          <Group grow>
            {(['tax', 'interest', 'penalty'] as const).map((k) => (
              <NumberInput
                key={k}
                label={`${k[0]!.toUpperCase()}${k.slice(1)} (₹)`}
                min={0}
                decimalScale={2}
                thousandSeparator=","
                thousandsGroupStyle="lakh"
                value={amounts[k] ?? ''}
                onChange={(n) => setAmounts({ ...amounts, [k]: money(n) })}
                error={fieldError(`amounts.${k}`)}
              />
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
              error={fieldError('assigneeId')}
            />
          ) : null}
          <Textarea label="What it is about" maxLength={4000} autosize minRows={2} error={fieldError('description')} {...field('description')} />
        </>
      )}
    </ActionModal>
  );
}
