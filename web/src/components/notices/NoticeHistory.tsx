/**
 * A notice's history (the audit trail the API gives, docs/notices.md): each action in words, and who
 * took it by the name the API gives (from the firm's users, so every member of staff reads names);
 * else by the email the trail holds. An entry without a person was Taalmel's own (a reminder, a replan).
 */
import { Table, Text } from '@mantine/core';
import type { NoticeDetail } from '../../http/types';
import { formatDateTime } from '../../lib/format';
import { historyActionLabel, roleLabel } from './labels';

export function NoticeHistory({ history }: { history: NoticeDetail['history'] }) {
  return (
    <Table aria-label="History">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>When</Table.Th>
          <Table.Th>What</Table.Th>
          <Table.Th>Who</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {history.map((h, i) => (
          <Table.Tr key={i} data-testid="history-row">
            <Table.Td w={200} className="nowrap">
              {formatDateTime(h.at)}
            </Table.Td>
            <Table.Td>{historyActionLabel(h.action)}</Table.Td>
            <Table.Td>
              {h.by ? (
                <>
                  {h.byName ?? h.by}
                  {h.role ? (
                    <Text span size="xs" c="dimmed">
                      {' '}
                      · {roleLabel(h.role)}
                    </Text>
                  ) : null}
                </>
              ) : (
                'Taalmel'
              )}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
