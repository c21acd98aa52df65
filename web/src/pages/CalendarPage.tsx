/** The compliance calendar: every client's returns due in a month, soonest first, by status. */
import { Anchor, Badge, Button, Card, Group, SegmentedControl, Table, Text, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, qs } from '../http/client';
import { CAN, useUser } from '../http/session';
import type { CalendarEntry, CalendarPage as CalendarList, DeadlineStatus } from '../http/types';
import { ExtensionForm, HolidaysDialog, RecordFiling } from '../components/CalendarActions';
import { PageHeader } from '../components/PageHeader';
import { QueryState } from '../components/QueryState';
import { formatDate, previousPeriod } from '../lib/format';

const STATUS: Record<DeadlineStatus, { label: string; color: string }> = {
  upcoming: { label: 'Upcoming', color: 'gray' },
  due_soon: { label: 'Due soon', color: 'orange' },
  overdue: { label: 'Overdue', color: 'red' },
  filed: { label: 'Filed', color: 'green' },
};

/** The month after a YYYY-MM (the current month, from last month's key). */
function nextMonth(period: string): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

function monthWindow(month: string): { from: string; to: string } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { from: `${month}-01`, to: `${month}-${String(last).padStart(2, '0')}` };
}

/**
 * "Record filing" for a return not filed yet. Before the period ends the API refuses any filing
 * date, so the button waits, disabled, with the first filing day the API sends (`filingOpensOn`,
 * docs/calendar.md) as its hint; `today` is the API's date in India, not the browser's.
 */
function RecordFilingButton({ entry: e, today, onRecord }: { entry: CalendarEntry; today: string; onRecord: () => void }) {
  const label = `Record filing of ${e.returnType} ${e.periodLabel} for ${e.clientName}`;
  if (today >= e.filingOpensOn) {
    return (
      <Button size="compact-xs" variant="subtle" ml="xs" onClick={onRecord} aria-label={label}>
        Record filing
      </Button>
    );
  }
  const hintId = `opens-${e.clientId}-${e.returnType}-${e.period}`;
  return (
    <>
      <Button size="compact-xs" variant="subtle" ml="xs" disabled aria-label={label} aria-describedby={hintId}>
        Record filing
      </Button>
      <Text size="xs" c="dimmed" id={hintId} data-testid="filing-opens">
        can be filed from {formatDate(e.filingOpensOn)}
      </Text>
    </>
  );
}

export default function CalendarPage() {
  const [month, setMonth] = useState(() => nextMonth(previousPeriod()));
  const [status, setStatus] = useState('all');
  const user = useUser();
  const [dialog, setDialog] = useState<'holidays' | 'extension' | null>(null);
  const [filing, setFiling] = useState<CalendarEntry | null>(null);
  const admin = CAN.keepCalendar(user.role);
  const valid = /^\d{4}-(0[1-9]|1[0-2])$/.test(month);
  const calendar = useQuery({
    queryKey: ['calendar', month, status],
    enabled: valid,
    // A month of a firm with a few hundred clients is more than one page (500): every page is read, so no row is left out.
    queryFn: async () => {
      let cursor: string | null = null;
      let list: CalendarList | null = null;
      do {
        const page: CalendarList = await api.get<CalendarList>(`/api/calendar${qs({ ...monthWindow(month), status: status === 'all' ? undefined : status, limit: 500, cursor })}`);
        list = list ? { ...page, items: [...list.items, ...page.items] } : page;
        cursor = page.nextCursor;
      } while (cursor);
      return list;
    },
  });
  return (
    <>
      <PageHeader
        title="Compliance calendar"
        subtitle="Returns due in the month, soonest first. Due dates move with notified extensions and holidays."
        actions={
          admin ? (
            <>
              <Button variant="default" onClick={() => setDialog('holidays')}>
                Holidays
              </Button>
              <Button variant="default" onClick={() => setDialog('extension')}>
                Record an extension
              </Button>
            </>
          ) : null
        }
      />
      {dialog === 'holidays' ? <HolidaysDialog onClose={() => setDialog(null)} /> : null}
      {dialog === 'extension' ? <ExtensionForm onClose={() => setDialog(null)} /> : null}
      {filing ? <RecordFiling entry={filing} onClose={() => setFiling(null)} /> : null}
      <Card withBorder>
        <Group mb="sm" align="flex-end">
          <TextInput label="Month" type="month" value={month} onChange={(e) => setMonth(e.currentTarget.value)} error={valid ? null : 'Choose a month'} />
          <SegmentedControl
            aria-label="Status"
            value={status}
            onChange={setStatus}
            data={[{ value: 'all', label: 'All' }, ...Object.entries(STATUS).map(([value, s]) => ({ value, label: s.label }))]}
          />
        </Group>
        <QueryState query={calendar} label="due dates" isEmpty={(d) => d.items.length === 0} empty="Nothing is due in this month.">
          {(d) => (
            <Table.ScrollContainer minWidth={760}>
              <Table highlightOnHover>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Due</Table.Th>
                    <Table.Th>Client</Table.Th>
                    <Table.Th>Return</Table.Th>
                    <Table.Th>Period</Table.Th>
                    <Table.Th>Our target</Table.Th>
                    <Table.Th>Status</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {d.items.map((e) => (
                    <Table.Tr key={`${e.clientId}-${e.returnType}-${e.period}`} data-testid="calendar-row">
                      <Table.Td>
                        {formatDate(e.effectiveDueDate)}
                        {e.extendedDueDate ? (
                          <Text size="xs" c="dimmed">
                            extended from {formatDate(e.dueDate)}
                          </Text>
                        ) : null}
                      </Table.Td>
                      <Table.Td>
                        <Anchor component={Link} to={`/clients/${e.clientId}`} size="sm">
                          {e.clientName}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>{e.returnType}</Table.Td>
                      <Table.Td>{e.periodLabel}</Table.Td>
                      <Table.Td>{formatDate(e.targetDate)}</Table.Td>
                      <Table.Td>
                        <Badge color={STATUS[e.status].color} variant="light">
                          {STATUS[e.status].label}
                        </Badge>
                        {e.filing ? (
                          <Text size="xs" c="dimmed">
                            {formatDate(e.filing.filedOn)} · ARN {e.filing.arn}
                          </Text>
                        ) : CAN.prepare(user.role) ? (
                          <RecordFilingButton entry={e} today={d.today} onRecord={() => setFiling(e)} />
                        ) : null}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </QueryState>
      </Card>
    </>
  );
}
