/** Create or edit a client. The GSTIN is checked as it is typed; the state comes from it. */
import { Button, Group, Select, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { ApiError } from '../http/client';
import type { Client } from '../http/types';
import { gstinMessage, stateOf } from '../lib/gstin';
import { errorText } from './QueryState';

export type ClientInput = { name: string; gstin: string; email: string; filingFrequency: 'monthly' | 'quarterly' };

export function ClientForm({ initial, onSubmit, onCancel }: { initial?: Client; onSubmit: (input: ClientInput) => Promise<void>; onCancel: () => void }) {
  const [name, setName] = useState(initial?.name ?? '');
  const [gstin, setGstin] = useState(initial?.gstin ?? '');
  const [email, setEmail] = useState(initial?.email ?? '');
  const [frequency, setFrequency] = useState<ClientInput['filingFrequency']>(initial?.filingFrequency ?? 'monthly');
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const gstinError = gstin.length >= 15 || fieldErrors.gstin ? (gstinMessage(gstin) ?? fieldErrors.gstin) : null;
  const state = gstin.length >= 2 ? stateOf(gstin) : null;

  async function submit() {
    setBusy(true);
    setError(null);
    setFieldErrors({});
    try {
      await onSubmit({ name: name.trim(), gstin: gstin.trim().toUpperCase(), email: email.trim(), filingFrequency: frequency });
    } catch (e) {
      if (e instanceof ApiError && e.code === 'invalid_input') setFieldErrors((e.details.fields as Record<string, string>) ?? {});
      if (e instanceof ApiError && e.code === 'gstin_taken') setFieldErrors({ gstin: 'This firm already has a client with this GSTIN.' });
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <Stack>
        <TextInput label="Legal name" value={name} onChange={(e) => setName(e.currentTarget.value)} required maxLength={200} error={fieldErrors.name} data-autofocus />
        <TextInput
          label="GSTIN"
          value={gstin}
          onChange={(e) => setGstin(e.currentTarget.value.toUpperCase().replace(/\s/g, ''))}
          required
          maxLength={15}
          disabled={Boolean(initial)}
          error={gstinError}
          description={state ? `State: ${state}` : '15 characters, e.g. 27AAJCM4455Q1ZP'}
          classNames={{ input: 'mono' }}
        />
        <TextInput label="Email for requests" type="email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} required error={fieldErrors.email} />
        <Select
          label="Files returns"
          data={[
            { value: 'monthly', label: 'Monthly' },
            { value: 'quarterly', label: 'Quarterly (QRMP)' },
          ]}
          value={frequency}
          onChange={(v) => v && setFrequency(v as ClientInput['filingFrequency'])}
          allowDeselect={false}
        />
        {error ? (
          <Text c="red" size="sm" role="alert">
            {error}
          </Text>
        ) : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={busy} disabled={!initial && Boolean(gstinMessage(gstin))}>
            {initial ? 'Save' : 'Create client'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
