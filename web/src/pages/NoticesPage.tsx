/** Every open GST notice of the firm, most urgent first; filters by client and state; "Take in a notice". */
import { Button, Card } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { CAN, useUser } from '../http/session';
import { NOTICE_STATE_LABEL } from '../components/badges';
import { ListFilters, useListFilters } from '../components/ListFilters';
import { NoticeIntake } from '../components/NoticeIntake';
import { NoticeList } from '../components/NoticeList';
import { PageHeader } from '../components/PageHeader';

const STATES = Object.entries(NOTICE_STATE_LABEL).map(([value, label]) => ({ value, label }));

export default function NoticesPage() {
  const user = useUser();
  const { clientId, state } = useListFilters('state');
  const [creating, { open, close }] = useDisclosure(false);
  return (
    <>
      <PageHeader
        title="GST notices"
        subtitle="Open notices, most urgent first: a notice that blocks a return or puts the registration at stake, then the nearest due date, then the amount."
        actions={CAN.prepare(user.role) ? <Button onClick={open}>Take in a notice</Button> : null}
      />
      <Card withBorder>
        <ListFilters stateKey="state" stateLabel="State" statePlaceholder="Open (any state)" states={STATES} showClient={CAN.isFirmStaff(user.role)} />
        <NoticeList clientId={clientId} state={state} />
      </Card>
      {creating ? <NoticeIntake opened onClose={close} /> : null}
    </>
  );
}
