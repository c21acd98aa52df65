/**
 * The notice's case: the other notices the portal groups under the same case id, and moving this
 * notice's reply to one of them when the portal filed it against the wrong one (the reply — drafts,
 * reviews, approval, filing and its papers — moves unchanged; this notice is unanswered again).
 */
import { Anchor, Button, Group, Select, Stack, Table, Text, Textarea } from '@mantine/core';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api } from '../http/client';
import { CAN, useUser } from '../http/session';
import type { NoticeDetail } from '../http/types';
import { formatDate } from '../lib/format';
import { notifyDone } from '../lib/notify';
import { ActionModal } from './ActionModal';
import { NoticeStateBadge } from './badges';

const HAS_REPLY = ['drafting', 'in_review', 'approved', 'filed'];

export function NoticeCase({ n, onDone }: { n: NoticeDetail; onDone: () => Promise<unknown> }) {
  const user = useUser();
  const navigate = useNavigate();
  const [opened, setOpened] = useState(false);
  const [target, setTarget] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const candidates = n.caseNotices.filter((c) => c.acceptsReply);
  const mayMove = CAN.prepare(user.role) && HAS_REPLY.includes(n.state) && candidates.length > 0;
  const label = (c: { form: string; reference: string }) => `${c.form} · ${c.reference}`;

  return (
    <Stack gap="xs">
      <Text size="sm">
        Case <span className="mono">{n.caseId}</span>
      </Text>
      {n.caseNotices.length ? (
        <Table aria-label="Other notices of the case">
          <Table.Tbody>
            {n.caseNotices.map((c) => (
              <Table.Tr key={c.id} data-testid="case-notice">
                <Table.Td>
                  <Anchor component={Link} to={`/notices/${c.id}`} size="sm">
                    {label(c)}
                  </Anchor>
                </Table.Td>
                <Table.Td>served {formatDate(c.servedOn)}</Table.Td>
                <Table.Td>
                  <NoticeStateBadge state={c.state} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : (
        <Text size="sm" c="dimmed">
          No other notice of this case yet.
        </Text>
      )}
      {mayMove ? (
        <Group>
          <Button variant="light" onClick={() => setOpened(true)}>
            Move the reply to another notice
          </Button>
        </Group>
      ) : null}
      <ActionModal
        opened={opened}
        onClose={() => setOpened(false)}
        title="Move the reply to another notice of the case"
        submitLabel="Move the reply"
        disabled={!target || !reason.trim()}
        onSubmit={async () => {
          await api.post(`/api/notices/${n.id}/reply/relink`, { noticeId: target, reason: reason.trim() });
          notifyDone('The reply was moved: this notice is unanswered again.');
        }}
        onDone={async () => {
          await onDone();
          if (target) await navigate(`/notices/${target}`);
        }}
      >
        <Text size="sm">
          The reply moves as it is — its drafts, reviews, approval, filing and its papers. This notice becomes unanswered again and its reminders resume.
        </Text>
        <Select label="The notice it answers" required data={candidates.map((c) => ({ value: c.id, label: label(c) }))} value={target} onChange={setTarget} />
        <Textarea label="Why (kept in the history)" required maxLength={2000} autosize minRows={2} value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
      </ActionModal>
    </Stack>
  );
}
