/** Every open GST notice of the firm, most urgent first; filters by client and state; "Take in a notice". */
import { Button, Card, Group, Select } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useSearchParams } from 'react-router';
import { useClients } from '../http/queries';
import { CAN, useUser } from '../http/session';
import { NOTICE_STATE_LABEL } from '../components/badges';
import { NoticeIntake } from '../components/NoticeIntake';
import { NoticeList } from '../components/NoticeList';
import { PageHeader } from '../components/PageHeader';

export default function NoticesPage() {
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
        title="GST notices"
        subtitle="Open notices, most urgent first: a notice that blocks a return or puts the registration at stake, then the nearest due date, then the amount."
        actions={CAN.prepare(user.role) ? <Button onClick={open}>Take in a notice</Button> : null}
      />
      <Card withBorder>
        <Group mb="sm">
          {user.role === 'client' ? null : (
            <Select label="Client" placeholder="All clients" clearable searchable data={(clients.data ?? []).map((c) => ({ value: c.id, label: c.name }))} value={params.get('clientId')} onChange={(v) => set('clientId', v)} />
          )}
          <Select label="State" placeholder="Open (any state)" clearable data={Object.entries(NOTICE_STATE_LABEL).map(([value, label]) => ({ value, label }))} value={params.get('state')} onChange={(v) => set('state', v)} />
        </Group>
        <NoticeList clientId={params.get('clientId') ?? undefined} state={params.get('state') ?? undefined} />
      </Card>
      {creating ? <NoticeIntake opened onClose={close} /> : null}
    </>
  );
}
