/** The run's answer at a glance: ITC available, at risk, to confirm, and counts by category. */
import { Card, Group, SimpleGrid, Text, UnstyledButton } from '@mantine/core';
import { CATEGORIES, rowsOf, type Category, type RunSummary } from '../http/types';
import { formatCount, formatRupees } from '../lib/format';
import { atRiskNotes } from '../lib/at-risk-notes';
import { amountTone } from '../lib/amount-tone';
import { CATEGORY_LABEL } from './badges';

function Tile({ label, value, tone, notes = [], title }: { label: string; value: string; tone?: string; notes?: string[]; title?: string }) {
  return (
    <Card withBorder padding="sm" title={title}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="xl" fw={700} c={tone} className="num" ta="left">
        {value}
      </Text>
      {notes.map((note) => (
        <Text key={note} size="xs" c="dimmed">
          {note}
        </Text>
      ))}
    </Card>
  );
}

export function SummaryTiles({ summary, onCategory, active }: { summary: RunSummary; onCategory: (c: Category | null) => void; active: Category | null }) {
  const toConfirm = summary.itc.toConfirm?.total ?? 0;
  return (
    <>
      <SimpleGrid cols={{ base: 2, md: 4 }} spacing="sm">
        <Tile label="ITC available in 2B" value={formatRupees(summary.itcAvailable)} />
        {/* A colour only for a real amount: ₹0.00 at risk is no shortfall (lib/amount-tone.ts). */}
        <Tile label="ITC matched" value={formatRupees(summary.itcMatched)} tone={amountTone(summary.itcMatched, 'green.8')} />
        <Tile
          label="ITC at risk"
          value={formatRupees(summary.itcAtRisk)}
          tone={amountTone(summary.itcAtRisk, 'red.8')}
          title="Documents a reviewer ignored are left out, unless a live follow-up still asks about them. Credit notes in the books that 2B does not show yet are never at risk: the books already reduced that credit. A supplier's credit note in 2B that the books lack (or hold for less) is at risk: that credit is to be reversed."
          notes={atRiskNotes(summary)}
        />
        <Tile label="ITC to confirm" value={formatRupees(toConfirm)} tone={amountTone(toConfirm, 'orange.8')} />
      </SimpleGrid>
      <Group gap="xs" mt="sm" role="group" aria-label="Counts by category (click to filter)">
        {CATEGORIES.filter((c) => rowsOf(summary, c) > 0).map((c) => (
          <UnstyledButton
            key={c}
            onClick={() => onCategory(active === c ? null : c)}
            aria-pressed={active === c}
            px="sm"
            py={4}
            style={{ border: '1px solid var(--mantine-color-gray-3)', borderRadius: 4, background: active === c ? 'var(--mantine-color-ink-1)' : 'white' }}
          >
            <Text size="xs" c="dimmed">
              {CATEGORY_LABEL[c]}
            </Text>
            <Text size="sm" fw={600} className="num" ta="left">
              {formatCount(summary.counts[c] ?? 0)}
            </Text>
            {summary.countsSetAside?.[c] ? (
              <Text size="xs" c="dimmed">
                {formatCount(summary.countsSetAside[c] ?? 0)} ignored
              </Text>
            ) : null}
          </UnstyledButton>
        ))}
      </Group>
    </>
  );
}
