/**
 * Retention of closed periods' data (firm admins): how many months after the annual return's due
 * date the uploaded files' contents and the reconciliation results are kept (empty keeps them),
 * never below the law's minimum, which the API states and enforces; and the plan's next purges, the
 * same plan the nightly run follows.
 */
import { Badge, Button, Card, Group, NumberInput, SimpleGrid, Table, Text, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../http/client';
import type { Page, RetentionPlanItem, RetentionSettings } from '../http/types';
import { retentionMinimumWords } from '../../../domain/retention';
import { formatDate, formatPeriod } from '../lib/format';
import { notifyDone } from '../lib/notify';
import { RefusalAlert, useAction } from './ActionModal';
import { QueryState } from './QueryState';
import { useReauth } from './Reauth';

const CLASS_LABEL: Record<RetentionPlanItem['dataClass'], string> = { sourceFiles: 'Uploaded files', reconciliationResults: 'Reconciliation results' };
const STATUS: Record<RetentionPlanItem['status'], { label: string; color: string }> = {
  kept: { label: 'kept', color: 'gray' },
  not_closed: { label: 'period not closed', color: 'gray' },
  scheduled: { label: 'scheduled', color: 'blue' },
  due: { label: 'due tonight', color: 'orange' },
  purged: { label: 'deleted', color: 'dark' },
};

/** The field's hint: the law's minimum in the API's own words (domain/retention.ts), one sentence. */
function minimumHint(setting: RetentionSettings['sourceFiles']): string {
  if (!setting.minimumMonths) return 'Kept: no rule allows deleting it.';
  const words = retentionMinimumWords({ minMonths: setting.minimumMonths, reference: setting.rule?.reference ?? 'the law' });
  return `${words.charAt(0).toUpperCase()}${words.slice(1)}.`;
}

const monthsOf = (form: HTMLFormElement, name: string): number | null => {
  const raw = ((form.elements.namedItem(name) as HTMLInputElement | null)?.value ?? '').trim();
  return raw === '' ? null : Number(raw);
};

export function RetentionSettingsCard() {
  const queryClient = useQueryClient();
  const reauth = useReauth();
  const save = useAction();
  const settings = useQuery({ queryKey: ['settings', 'retention'], queryFn: () => api.get<RetentionSettings>('/api/settings/retention') });
  const plan = useQuery({ queryKey: ['retention', 'plan'], queryFn: () => api.get<Page<RetentionPlanItem> & { asOf: string }>('/api/retention/plan?limit=20') });
  const upcoming = (plan.data?.items ?? []).filter((i) => i.status !== 'kept');
  return (
    <Card withBorder>
      <Title order={3} size="h4" mb="xs">
        Retention
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        How long the data of closed periods is kept, counted in months from the due date of the annual return of the period&apos;s financial year. Leave a field empty to keep that data.
        Each night, what has aged out is deleted, recorded and audited; the import records, run summaries and close records stay.
      </Text>
      <QueryState query={settings} label="retention settings">
        {(s) => (
          <form
            aria-label="Retention"
            onSubmit={(e) => {
              e.preventDefault();
              const form = e.currentTarget;
              void save.run(async () => {
                const body = { sourceFiles: { retainMonths: monthsOf(form, 'sourceFiles') }, reconciliationResults: { retainMonths: monthsOf(form, 'reconciliationResults') } };
                const next = await reauth(() => api.put<RetentionSettings>('/api/settings/retention', body));
                queryClient.setQueryData(['settings', 'retention'], next);
                await queryClient.invalidateQueries({ queryKey: ['retention', 'plan'] });
                notifyDone('Retention saved.');
              });
            }}
          >
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              {(['sourceFiles', 'reconciliationResults'] as const).map((field) => (
                <NumberInput
                  key={field}
                  name={field}
                  label={`${CLASS_LABEL[field]} (months)`}
                  placeholder="Keep"
                  allowDecimal={false}
                  min={0}
                  defaultValue={s[field].retainMonths ?? ''}
                  description={minimumHint(s[field])}
                />
              ))}
            </SimpleGrid>
            {save.error ? <RefusalAlert error={save.error} title="Not saved" /> : null}
            <Button type="submit" mt="sm" loading={save.busy}>
              Save retention
            </Button>
          </form>
        )}
      </QueryState>
      <Title order={4} size="h5" mt="md" mb="xs">
        Next deletions
      </Title>
      <QueryState query={plan} label="retention plan">
        {() =>
          upcoming.length === 0 ? (
            <Text size="sm" c="dimmed">
              Nothing is planned: every closed period&apos;s data is kept.
            </Text>
          ) : (
            <Table.ScrollContainer minWidth={640}>
              <Table data-testid="retention-plan">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Client</Table.Th>
                    <Table.Th>Period</Table.Th>
                    <Table.Th>Data</Table.Th>
                    <Table.Th>Deleted from</Table.Th>
                    <Table.Th>Status</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {upcoming.map((i) => (
                    <Table.Tr key={`${i.clientId}|${i.period}|${i.dataClass}`} data-testid="retention-item">
                      <Table.Td>{i.clientName ?? i.clientId}</Table.Td>
                      <Table.Td>{formatPeriod(i.period)}</Table.Td>
                      <Table.Td>{CLASS_LABEL[i.dataClass]}</Table.Td>
                      <Table.Td>{formatDate(i.purgeOn)}</Table.Td>
                      <Table.Td>
                        <Group gap={4}>
                          <Badge color={STATUS[i.status].color} variant="light">
                            {STATUS[i.status].label}
                          </Badge>
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        }
      </QueryState>
    </Card>
  );
}
