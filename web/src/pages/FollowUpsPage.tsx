/** Every follow-up of the firm, filtered by client and status, and "New follow-up". */
import { Button, Card, Group, Select } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useSearchParams } from 'react-router';
import { useClients } from '../http/queries';
import { CAN, useUser } from '../http/session';
import { FollowUpForm } from '../components/FollowUpForm';
import { FollowUpList } from '../components/FollowUpList';
import { PageHeader } from '../components/PageHeader';

const STATUSES = [
  { value: 'open', label: 'Open' },
  { value: 'snoozed', label: 'Snoozed' },
  { value: 'completed', label: 'Completed' },
  { value: 'cancelled', label: 'Cancelled' },
  { value: 'exhausted', label: 'Reminders used up' },
];

export default function FollowUpsPage() {
  const user = useUser();
  const clients = useClients();
  const [params, setParams] = useSearchParams();
  const [creating, { open, close }] = useDisclosure(false);
  const set = (key: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };
  return (
    <>
      <PageHeader
        title="Follow-ups"
        subtitle="Documents asked of clients, chased by email on a plan that tightens toward the date the firm needs them."
        actions={CAN.prepare(user.role) ? <Button onClick={open}>New follow-up</Button> : null}
      />
      <Card withBorder>
        <Group mb="sm">
          <Select label="Client" placeholder="All clients" clearable searchable data={(clients.data ?? []).map((c) => ({ value: c.id, label: c.name }))} value={params.get('clientId')} onChange={(v) => set('clientId', v)} />
          <Select label="Status" placeholder="Any status" clearable data={STATUSES} value={params.get('status')} onChange={(v) => set('status', v)} />
        </Group>
        <FollowUpList clientId={params.get('clientId') ?? undefined} status={params.get('status') ?? undefined} />
      </Card>
      {creating ? <FollowUpForm opened onClose={close} /> : null}
    </>
  );
}
