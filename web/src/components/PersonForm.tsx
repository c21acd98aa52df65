/**
 * The one form for a new person of the firm: name, email, role (the roles the caller may give), the
 * client a portal user sees, and, when creating a user directly, a first password. Used by "Invite
 * someone" and "New user"; the caller sends it (re-authenticating when the route needs it), and the
 * API's refusal is shown with each bad field named.
 */
import { Button, Group, PasswordInput, Select, Stack, Text, TextInput } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { ApiError } from '../http/client';
import { useClients } from '../http/queries';
import { CAN } from '../http/session';
import type { Role } from '../http/types';
import { errorText } from './QueryState';
import { ROLE_LABEL } from '../lib/roles';

export type PersonBody = { name: string; email: string; role: Role; clientId?: string; password?: string };

type Props = {
  roles: Role[];
  /** Ask for a first password (creating a user directly rather than inviting). */
  withPassword?: boolean;
  submitLabel: string;
  note?: ReactNode;
  /** Sends the form; a thrown error stays in the form. */
  onSubmit: (body: PersonBody) => Promise<unknown>;
  onDone: () => void;
};

export function PersonForm({ roles, withPassword = false, submitLabel, note, onSubmit, onDone }: Props) {
  const clients = useClients();
  const [form, setForm] = useState({ name: '', email: '', role: 'staff' as Role, clientId: '', password: '' });
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        setFieldErrors({});
        const body: PersonBody = { name: form.name, email: form.email, role: form.role, ...(CAN.isFirmStaff(form.role) ? {} : { clientId: form.clientId }), ...(withPassword ? { password: form.password } : {}) };
        onSubmit(body)
          .then(onDone)
          .catch((err: unknown) => {
            // Closing "Confirm it is you" is not a refusal: the form stays as it was.
            if (err instanceof ApiError && err.code === 'reauth_cancelled') return;
            if (err instanceof ApiError) setFieldErrors((err.details.fields as Record<string, string>) ?? {});
            setError(errorText(err));
          })
          .finally(() => setBusy(false));
      }}
    >
      <Stack>
        <TextInput label="Name" required value={form.name} onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} error={fieldErrors.name} data-autofocus />
        <TextInput label="Email" type="email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.currentTarget.value })} error={fieldErrors.email} />
        <Select label="Role" data={roles.map((r) => ({ value: r, label: ROLE_LABEL[r] }))} value={form.role} onChange={(v) => v && setForm({ ...form, role: v as Role })} allowDeselect={false} error={fieldErrors.role} />
        {!CAN.isFirmStaff(form.role) ? (
          <Select
            label="Client (the portal user sees only this client)"
            required
            searchable
            data={(clients.data ?? []).map((c) => ({ value: c.id, label: `${c.name} · ${c.gstin}` }))}
            value={form.clientId || null}
            onChange={(v) => setForm({ ...form, clientId: v ?? '' })}
            error={fieldErrors.clientId}
          />
        ) : null}
        {withPassword ? (
          <PasswordInput
            label="First password"
            description="Give it to them privately; they can change it under My account."
            required
            minLength={12}
            value={form.password}
            onChange={(e) => setForm({ ...form, password: e.currentTarget.value })}
            error={fieldErrors.password}
            autoComplete="new-password"
          />
        ) : null}
        {note ? (
          <Text size="xs" c="dimmed">
            {note}
          </Text>
        ) : null}
        {error ? (
          <Text c="red" size="sm" role="alert">
            {error}
          </Text>
        ) : null}
        <Group justify="flex-end">
          <Button type="submit" loading={busy}>
            {submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
