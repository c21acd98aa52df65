/**
 * "Chase supplier invoices" on a reconciliation's supplier view: the suppliers ticked in the list
 * become one follow-up to the client, listing each of their documents missing in the books or
 * reported differently, with each supplier's statement attached to the email. The created
 * follow-up opens on success; the API's refusals (a supplier already chased, nothing left to chase)
 * stay in the dialog.
 */
import { Anchor, Button, List, Stack, Text, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, ApiError } from '../http/client';
import { keys } from '../http/queries';
import type { FollowUp, SupplierLine } from '../http/types';
import { ActionModal } from './ActionModal';

/**
 * Documents of a supplier the client can be asked about: in its GSTR-1 but not in the books, or
 * reported differently, and not ignored by a reviewer. The API counts them by the rule it chases by.
 */
export function chaseableCount(s: SupplierLine): number {
  return s.chaseableCount;
}

export function ChaseSuppliers({ runId, suppliers }: { runId: string; suppliers: SupplierLine[] }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [opened, setOpened] = useState(false);
  const [dueDate, setDueDate] = useState('');
  const [title, setTitle] = useState('');
  // When a supplier is already being chased: the follow-ups doing it, to open instead.
  const [chasing, setChasing] = useState<string[]>([]);

  const close = () => {
    setOpened(false);
    setChasing([]);
  };

  async function submit() {
    setChasing([]);
    const created = await api
      .post<FollowUp>(`/api/reconciliations/${runId}/follow-ups`, {
        supplierGstins: suppliers.map((s) => s.supplierGstin),
        dueDate,
        ...(title.trim() ? { title: title.trim() } : {}),
      })
      .catch((e: unknown) => {
        if (e instanceof ApiError && e.code === 'supplier_already_chased') setChasing((e.details.followUpIds as string[] | undefined) ?? []);
        throw e;
      });
    await queryClient.invalidateQueries({ queryKey: keys.followUps });
    void navigate(`/follow-ups/${created.id}`);
  }

  return (
    <>
      <Button size="sm" disabled={suppliers.length === 0} onClick={() => setOpened(true)}>
        Chase supplier invoices{suppliers.length ? ` (${suppliers.length})` : ''}
      </Button>
      <ActionModal opened={opened} onClose={close} title="Chase supplier invoices" submitLabel="Create follow-up" onSubmit={submit} disabled={!dueDate} size="lg">
        <Stack gap={4}>
          <Text size="sm">The client is asked about each document of these suppliers that is missing in the books or was reported differently:</Text>
          <List size="sm">
            {suppliers.map((s) => (
              <List.Item key={s.supplierGstin}>
                {s.supplierName ?? s.supplierGstin} <span className="mono">{s.supplierGstin}</span> · {chaseableCount(s)} document{chaseableCount(s) === 1 ? '' : 's'}
              </List.Item>
            ))}
          </List>
          <Text size="xs" c="dimmed">
            Each message attaches every supplier's statement (XLSX), so the client can forward it to the supplier.
          </Text>
        </Stack>
        <TextInput label="Due date" type="date" required value={dueDate} onChange={(e) => setDueDate(e.currentTarget.value)} />
        <TextInput label="Title" description="Leave empty for one naming the suppliers and the period." maxLength={200} value={title} onChange={(e) => setTitle(e.currentTarget.value)} />
        {chasing.length ? (
          <Text size="sm">
            Already chasing:{' '}
            {chasing.map((id, i) => (
              <Anchor key={id} component={Link} to={`/follow-ups/${id}`} size="sm" mr="xs">
                open follow-up {i + 1}
              </Anchor>
            ))}
          </Text>
        ) : null}
      </ActionModal>
    </>
  );
}
