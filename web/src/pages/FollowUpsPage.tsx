/** Every follow-up of the firm, filtered by client and status, and "New follow-up". */
import { Button, Card } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { CAN, useUser } from '../http/session';
import { FollowUpForm } from '../components/FollowUpForm';
import { FollowUpList } from '../components/FollowUpList';
import { ListFilters, useListFilters } from '../components/ListFilters';
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
  const { clientId, state } = useListFilters('status');
  const [creating, { open, close }] = useDisclosure(false);
  return (
    <>
      <PageHeader
        title="Follow-ups"
        subtitle="Documents asked of clients, chased by email on a plan that tightens toward the date the firm needs them."
        actions={CAN.prepare(user.role) ? <Button onClick={open}>New follow-up</Button> : null}
      />
      <Card withBorder>
        <ListFilters stateKey="status" stateLabel="Status" statePlaceholder="Any status" states={STATUSES} />
        <FollowUpList clientId={clientId} status={state} />
      </Card>
      {creating ? <FollowUpForm opened onClose={close} /> : null}
    </>
  );
}
