/**
 * A notice's reminders or escalations as a manager reads them: what comes next, then one line per
 * kind of step with its people and its date range (the overdue escalation alone is two steps a day
 * for thirty days), and every step behind "Show all N steps". Steps at the same moment for the same
 * reason (managers and assignee told together) read as one. The plan is the API's (`planNotice`).
 */
import { Badge, Button, Collapse, Stack, Table, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useId } from 'react';
import type { NoticeStep } from '../../http/types';
import { formatDate, formatDateTime } from '../../lib/format';
import { audienceLabel, stepReasonLabel } from './labels';

/** Shown as a plain list when there are this few steps; more are summarised. */
const FEW = 5;
const NEXT = 3;

type Moment = { at: string; reason: string; audiences: string[]; sent: boolean };

/** Steps at one instant for one reason, with their audiences together, in time order. */
export function moments(steps: NoticeStep[]): Moment[] {
  const byKey = new Map<string, Moment>();
  for (const s of [...steps].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))) {
    const key = `${Date.parse(s.at)}|${s.reason}`;
    const m = byKey.get(key) ?? { at: s.at, reason: s.reason, audiences: [], sent: true };
    if (!m.audiences.includes(s.audience)) m.audiences.push(s.audience);
    m.sent &&= s.status === 'sent';
    byKey.set(key, m);
  }
  return [...byKey.values()];
}

type Group = { reason: string; audiences: string[]; first: string; last: string; count: number; sent: number };

/** One line per reason: who, from when to when, how many steps and how many already sent. */
export function groups(steps: NoticeStep[]): Group[] {
  const byReason = new Map<string, Group>();
  for (const s of [...steps].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))) {
    const g = byReason.get(s.reason) ?? { reason: s.reason, audiences: [], first: s.at, last: s.at, count: 0, sent: 0 };
    if (!g.audiences.includes(s.audience)) g.audiences.push(s.audience);
    g.last = s.at;
    g.count += 1;
    if (s.status === 'sent') g.sent += 1;
    byReason.set(s.reason, g);
  }
  return [...byReason.values()];
}

/** Managers first, then the assignee, then the firm admins: the same order on every line. */
const ORDER = ['manager', 'assignee', 'firm_admin'];
const rank = (a: string) => (ORDER.includes(a) ? ORDER.indexOf(a) : ORDER.length);

const people = (audiences: string[]) => {
  const words = [...audiences].sort((a, b) => rank(a) - rank(b)).map(audienceLabel);
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}` : (words[0] ?? '');
};

function StatusBadge({ sent }: { sent: boolean }) {
  return (
    <Badge color={sent ? 'teal.9' : 'blue.9'} variant="outline" size="sm" style={{ overflow: 'visible' }}>
      {sent ? 'sent' : 'planned'}
    </Badge>
  );
}

function MomentRows({ list }: { list: Moment[] }) {
  return list.map((m) => (
    <Table.Tr key={`${m.at}|${m.reason}`} data-testid="notice-step">
      <Table.Td className="nowrap">{formatDateTime(m.at)}</Table.Td>
      <Table.Td>
        {stepReasonLabel(m.reason)}
        <Text size="xs" c="dimmed">
          to {people(m.audiences)}
        </Text>
      </Table.Td>
      <Table.Td className="nowrap" w="1%">
        <StatusBadge sent={m.sent} />
      </Table.Td>
    </Table.Tr>
  ));
}

export function NoticeSteps({ steps, label }: { steps: NoticeStep[]; label: string }) {
  const [all, { toggle }] = useDisclosure(false);
  const listId = useId();
  if (!steps.length) return <Text size="sm" c="dimmed">None planned.</Text>;
  const list = moments(steps);
  if (list.length <= FEW) {
    return (
      <Table aria-label={label}>
        <Table.Tbody>
          <MomentRows list={list} />
        </Table.Tbody>
      </Table>
    );
  }
  const next = list.filter((m) => !m.sent).slice(0, NEXT);
  return (
    <Stack gap="xs">
      <Text size="sm" fw={600}>
        Next
      </Text>
      {next.length ? (
        <Table aria-label={`${label}: next`}>
          <Table.Tbody>
            <MomentRows list={next} />
          </Table.Tbody>
        </Table>
      ) : (
        <Text size="sm" c="dimmed">
          Nothing more planned: every step was sent.
        </Text>
      )}
      <Text size="sm" fw={600}>
        In all
      </Text>
      <Table aria-label={`${label}: in all`}>
        <Table.Tbody>
          {groups(steps).map((g) => (
            <Table.Tr key={g.reason} data-testid="notice-step-group">
              <Table.Td>
                {stepReasonLabel(g.reason)}
                <Text size="xs" c="dimmed">
                  to {people(g.audiences)}
                </Text>
              </Table.Td>
              <Table.Td className="nowrap">{formatDate(g.first) === formatDate(g.last) ? formatDateTime(g.first) : `${formatDate(g.first)} to ${formatDate(g.last)}`}</Table.Td>
              <Table.Td className="nowrap">
                {g.count === 1 ? '1 step' : `${g.count} steps`}, {g.sent} sent
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Button variant="subtle" size="xs" onClick={toggle} aria-expanded={all} aria-controls={listId} style={{ alignSelf: 'flex-start' }}>
        {all ? `Hide the ${steps.length} steps` : `Show all ${steps.length} steps`}
      </Button>
      <Collapse expanded={all} id={listId}>
        {all ? (
          <Table aria-label={`${label}: every step`}>
            <Table.Tbody>
              {[...steps]
                .sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
                .map((s) => (
                  <Table.Tr key={s.key} data-testid="notice-step-each">
                    <Table.Td className="nowrap">{formatDateTime(s.at)}</Table.Td>
                    <Table.Td>
                      {stepReasonLabel(s.reason)}
                      <Text size="xs" c="dimmed">
                        to {audienceLabel(s.audience)}
                      </Text>
                    </Table.Td>
                    <Table.Td className="nowrap" w="1%">
                      <StatusBadge sent={s.status === 'sent'} />
                    </Table.Td>
                  </Table.Tr>
                ))}
            </Table.Tbody>
          </Table>
        ) : null}
      </Collapse>
    </Stack>
  );
}
