/**
 * One follow-up: its items and what the client sent, the plan (every planned message and internal
 * escalation, exactly as the API computed it), what the outbox sent, and the actions: nudge, snooze,
 * resume, complete, cancel. Every action answers with the recomputed plan, shown at once.
 */
import { Alert, Anchor, Badge, Button, Card, Group, SimpleGrid, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, ApiError } from '../http/client';
import { keys, useClient, useFollowUp } from '../http/queries';
import { CAN, useUser } from '../http/session';
import type { FollowUp } from '../http/types';
import { ActionModal, RefusalAlert, useAction } from '../components/ActionModal';
import { FollowUpBadge, StepBadge } from '../components/badges';
import { PageHeader } from '../components/PageHeader';
import { QueryState } from '../components/QueryState';
import { escalationReasonText } from '../lib/escalations';
import { formatBytes, formatDate, formatDateTime } from '../lib/format';
import { notifyDone } from '../lib/notify';
import { NotFoundPage } from './NotFoundPage';

const ITEM_STATUS = { outstanding: { label: 'Outstanding', color: 'orange' }, received: { label: 'Received', color: 'green' }, not_applicable: { label: 'Not applicable', color: 'gray' } } as const;
const KIND = { initial: 'First message', interval: 'Reminder', anchored: 'Reminder before the due date', overdue: 'Overdue reminder' } as const;
const AUDIENCE = { owner: 'The owner', manager: 'Managers', firm_admin: 'Firm admins' } as const;

function Actions({ f, onChange }: { f: FollowUp; onChange: (next: FollowUp) => void }) {
  const [dialog, setDialog] = useState<'snooze' | 'complete' | 'cancel' | null>(null);
  const [until, setUntil] = useState('');
  const [note, setNote] = useState('');
  const nudge = useAction();
  const resume = useAction();
  const live = f.status === 'open' || f.status === 'snoozed';
  if (!live) return null;
  const post = (path: string, body?: unknown) => api.post<FollowUp>(`/api/follow-ups/${f.id}/${path}`, body);
  return (
    <Stack gap="xs">
      <Group gap="xs">
        <Button
          variant="light"
          loading={nudge.busy}
          onClick={() =>
            void nudge.run(async () => {
              await post('nudge');
              notifyDone('Nudged: one message goes to the client now.');
            })
          }
        >
          Nudge now
        </Button>
        {f.status === 'snoozed' ? (
          <Button variant="light" loading={resume.busy} onClick={() => void resume.run(async () => onChange(await post('resume')))}>
            Resume
          </Button>
        ) : (
          <Button variant="light" onClick={() => setDialog('snooze')}>
            Snooze
          </Button>
        )}
        <Button variant="light" color="green" onClick={() => setDialog('complete')}>
          Complete
        </Button>
        <Button variant="light" color="red" onClick={() => setDialog('cancel')}>
          Cancel follow-up
        </Button>
      </Group>
      {nudge.error ? <RefusalAlert error={nudge.error} title="Not sent" /> : null}
      {resume.error ? <RefusalAlert error={resume.error} /> : null}
      <ActionModal
        opened={dialog === 'snooze'}
        onClose={() => setDialog(null)}
        title="Snooze the reminders"
        submitLabel="Snooze"
        onSubmit={async () => onChange(await post('snooze', { until }))}
      >
        <Text size="sm">Nothing is sent until that day; the plan then carries on from there without sending what it skipped.</Text>
        <TextInput label="Snooze until" type="date" required value={until} onChange={(e) => setUntil(e.currentTarget.value)} data-autofocus />
      </ActionModal>
      <ActionModal
        opened={dialog === 'complete' || dialog === 'cancel'}
        onClose={() => setDialog(null)}
        title={dialog === 'complete' ? 'Complete the follow-up' : 'Cancel the follow-up'}
        submitLabel={dialog === 'complete' ? 'Complete' : 'Cancel follow-up'}
        submitColor={dialog === 'complete' ? 'green' : 'red'}
        onSubmit={async () => onChange(await post(dialog!, note.trim() ? { note: note.trim() } : {}))}
      >
        <Text size="sm">No message is sent after this and the client's link stops working.</Text>
        <Textarea label="Note (optional)" maxLength={2000} value={note} onChange={(e) => setNote(e.currentTarget.value)} autosize minRows={2} />
      </ActionModal>
    </Stack>
  );
}

function Items({ f }: { f: FollowUp }) {
  return (
    <Table.ScrollContainer minWidth={560}>
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Item</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>What the client sent</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {f.items.map((item) => (
            <Table.Tr key={item.id} data-testid="follow-up-item">
              <Table.Td>
                {item.description}
                {item.period ? (
                  <Text size="xs" c="dimmed">
                    {item.periodLabel ?? item.period}
                  </Text>
                ) : null}
              </Table.Td>
              <Table.Td>
                <Badge color={ITEM_STATUS[item.status].color} variant="light">
                  {ITEM_STATUS[item.status].label}
                </Badge>
              </Table.Td>
              <Table.Td>
                {item.files.map((file) => (
                  <div key={file.id}>
                    <Anchor href={`/api/follow-ups/${f.id}/files/${file.id}`} size="sm">
                      {file.filename}
                    </Anchor>{' '}
                    <Text span size="xs" c="dimmed">
                      {formatBytes(file.size)} · {formatDateTime(file.receivedAt)}
                    </Text>
                  </div>
                ))}
                {item.reason ? <Text size="sm">“{item.reason}”</Text> : null}
                {!item.files.length && !item.reason ? '—' : null}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function Plan({ f }: { f: FollowUp }) {
  return (
    <SimpleGrid cols={{ base: 1, xl: 2 }}>
      <div>
        <Title order={3} size="h5" mb="xs">
          Messages to the client
        </Title>
        <Table aria-label="Messages to the client" data-testid="schedule">
          <Table.Tbody>
            {f.schedule.map((m, i) => (
              <Table.Tr key={`${m.at}-${i}`}>
                <Table.Td className="nowrap">{formatDateTime(m.at)}</Table.Td>
                <Table.Td>{KIND[m.kind] ?? m.kind}</Table.Td>
                <Table.Td>
                  <StepBadge status={m.status} />
                  {m.mergedInto ? (
                    <Text size="xs" c="dimmed" data-testid="merged-into">
                      Sent in “{m.mergedInto.subject ?? 'another request’s message'}”, {formatDateTime(m.mergedInto.at)}
                    </Text>
                  ) : null}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </div>
      <div>
        <Title order={3} size="h5" mb="xs">
          Alerts inside the firm
        </Title>
        {f.escalations.length ? (
          <Table aria-label="Alerts inside the firm">
            <Table.Tbody>
              {f.escalations.map((e, i) => (
                <Table.Tr key={`${e.at}-${i}`}>
                  <Table.Td className="nowrap">{formatDateTime(e.at)}</Table.Td>
                  <Table.Td>
                    {AUDIENCE[e.audience] ?? e.audience}
                    <Text size="xs" c="dimmed">
                      {escalationReasonText(e.reason)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <StepBadge status={e.status} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ) : (
          <Text size="sm" c="dimmed">
            None planned.
          </Text>
        )}
      </div>
    </SimpleGrid>
  );
}

function Sent({ f }: { f: FollowUp }) {
  if (!f.sent.length) return <Text size="sm" c="dimmed">Nothing sent yet: the first message goes at the time the plan shows.</Text>;
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table aria-label="Sent messages">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>When</Table.Th>
            <Table.Th>To</Table.Th>
            <Table.Th>Subject</Table.Th>
            <Table.Th>Status</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {f.sent.map((m, i) => (
            <Table.Tr key={`${m.at}-${i}`} data-testid="sent-message">
              <Table.Td>{formatDateTime(m.at)}</Table.Td>
              <Table.Td>{m.to}</Table.Td>
              <Table.Td>
                {m.subject ?? '—'}
                <Text size="xs" c="dimmed">
                  lists {m.itemsListed.length} item{m.itemsListed.length === 1 ? '' : 's'}
                </Text>
              </Table.Td>
              <Table.Td>
                <StepBadge status={m.status} />
                {m.error ? (
                  <Text size="xs" c="red">
                    {m.error}
                  </Text>
                ) : null}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

export default function FollowUpPage() {
  const { followUpId = '' } = useParams();
  const user = useUser();
  const followUp = useFollowUp(followUpId);
  const client = useClient(followUp.data?.clientId ?? '');
  const queryClient = useQueryClient();
  if (followUp.error instanceof ApiError && (followUp.error.status === 404 || followUp.error.status === 400)) return <NotFoundPage what="follow-up" />;
  const f = followUp.data;
  const onChange = (next: FollowUp) => {
    queryClient.setQueryData(keys.followUp(followUpId), next);
    void queryClient.invalidateQueries({ queryKey: keys.followUps });
  };
  return (
    <>
      <PageHeader
        crumbs={[{ label: 'Follow-ups', to: '/follow-ups' }]}
        title={f?.title ?? 'Follow-up'}
        subtitle={
          f ? (
            <Group gap="xs">
              <span data-testid="follow-up-status">
                <FollowUpBadge status={f.status} />
              </span>
              <Anchor component={Link} to={`/clients/${f.clientId}`} size="sm">
                {client.data?.name ?? 'Client'}
              </Anchor>
              <span>· due {formatDate(f.dueDate)}</span>
              {f.deadline ? (
                <span>
                  · for {f.deadline.returnType} {f.periodLabel ?? f.deadline.period}
                </span>
              ) : null}
              {f.status === 'snoozed' ? <span>· snoozed until {formatDateTime(f.snoozedUntil)}</span> : null}
              {f.reconciliationRunId ? (
                <Anchor component={Link} to={`/reconciliations/${f.reconciliationRunId}`} size="sm">
                  · from the reconciliation
                </Anchor>
              ) : null}
            </Group>
          ) : undefined
        }
      />
      <QueryState query={followUp} label="the follow-up">
        {(data) => (
          <Stack>
            {CAN.prepare(user.role) ? <Actions f={data} onChange={onChange} /> : null}
            {data.status === 'exhausted' ? (
              <Alert color="orange" title="The reminders are used up">
                No more automatic messages will go out: call the client, or nudge once more if the cap allows.
              </Alert>
            ) : null}
            <Card withBorder>
              <Title order={2} size="h4" mb="sm">
                Items
              </Title>
              <Items f={data} />
            </Card>
            <Card withBorder>
              <Title order={2} size="h4" mb="sm">
                The plan
              </Title>
              <Plan f={data} />
            </Card>
            <Card withBorder>
              <Title order={2} size="h4" mb="sm">
                Sent
              </Title>
              <Sent f={data} />
            </Card>
          </Stack>
        )}
      </QueryState>
    </>
  );
}
