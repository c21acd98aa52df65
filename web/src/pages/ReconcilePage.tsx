/** Upload a period's purchase register and GSTR-2B, then start the reconciliation. */
import { Alert, Button, Card, Grid, Group, NumberInput, Stack, Text, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, ApiError } from '../http/client';
import { keys, useClient, useImports, usePeriod } from '../http/queries';
import { PageHeader } from '../components/PageHeader';
import { errorText } from '../components/QueryState';
import { UploadSlot, type Uploaded } from '../components/UploadSlot';
import { formatPeriod, todayInIndia } from '../lib/format';
import { defaultReconcilePeriod, reconcilePeriodDescription, reconcilePeriodHint } from '../lib/reconcile-period';
import { FIRST_GST_PERIOD, monthOf, quarterEnd } from '../../../domain/periods';

export default function ReconcilePage() {
  const { clientId = '' } = useParams();
  const client = useClient(clientId);
  const imports = useImports(clientId);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  // Until a period is picked, the client's default (a quarterly filer's quarter, by its last month),
  // so a page opened before the client has loaded still starts on a period the API takes.
  const [chosen, setPeriod] = useState<string | null>(null);
  const frequency = client.data?.filingFrequency;
  const period = chosen ?? defaultReconcilePeriod(frequency);
  const [register, setRegister] = useState<Uploaded | null>(null);
  const [gstr2b, setGstr2b] = useState<Uploaded | null>(null);
  const [tolerance, setTolerance] = useState<number | string>('');
  const [windowDays, setWindowDays] = useState<number | string>('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const validPeriod = /^\d{4}-(0[1-9]|1[0-2])$/.test(period);
  // A closed period takes no upload and no run (422 period_closed): say so before the person tries.
  const periodView = usePeriod(clientId, period, validPeriod);
  const closed = validPeriod && periodView.data?.period === period && periodView.data.state === 'closed';
  // The API's answer for the month (by the frequency in force then) decides the hint once it has loaded.
  const quarterHint = reconcilePeriodHint(period, frequency, periodView.data?.period === period ? periodView.data.closesWith : undefined);

  // The latest validated file of each kind for the period, if one is already on file.
  const onFile = useMemo(() => {
    const latest = (kind: string) => imports.data?.items.find((i) => i.kind === kind && i.period === period && i.status === 'validated') ?? null;
    return { register: latest('purchase_register'), gstr2b: latest('gstr2b') };
  }, [imports.data, period]);
  const registerId = register?.importId ?? onFile.register?.id;
  const gstr2bId = gstr2b?.importId ?? onFile.gstr2b?.id;
  // The files about to be used that look like another period's, fresh uploads and files on record alike.
  const dateWarnings = [register?.warnings ?? onFile.register?.warnings, gstr2b?.warnings ?? onFile.gstr2b?.warnings].flatMap((w) => (w ?? []).filter((i) => i.code === 'dates_outside_period'));

  async function start() {
    setBusy(true);
    setError(null);
    try {
      const options = {
        ...(tolerance !== '' ? { amountTolerance: Number(tolerance) } : {}),
        ...(windowDays !== '' ? { dateWindowDays: Number(windowDays) } : {}),
      };
      const res = await api.post<{ runId: string }>(`/api/clients/${clientId}/reconciliations`, {
        period,
        registerImportId: registerId,
        gstr2bImportId: gstr2bId,
        ...(Object.keys(options).length ? { options } : {}),
      });
      await queryClient.invalidateQueries({ queryKey: ['runs'] });
      void navigate(`/reconciliations/${res.runId}`);
    } catch (e) {
      setError(errorText(e));
      // Closed since the page read it (a manager approved the close meanwhile): ask again, so the
      // page says the period is closed and offers no upload or run.
      if (e instanceof ApiError && e.code === 'period_closed') void queryClient.invalidateQueries({ queryKey: keys.period(clientId, period) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <PageHeader
        crumbs={[
          { label: 'Clients', to: '/clients' },
          { label: client.data?.name ?? 'Client', to: `/clients/${clientId}` },
        ]}
        title="Reconcile a period"
        subtitle="Upload the purchase register and the GSTR-2B, then run the match."
      />
      <Stack>
        <Card withBorder>
          <Group align="flex-end">
            <TextInput
              label="Period"
              type="month"
              // GST began in July 2017, and a period takes imports once it has begun: the API refuses
              // others with its reason. The running quarter's last month is the latest (a quarterly
              // filer's running period); a monthly filer's months after today are refused by the API.
              min={FIRST_GST_PERIOD}
              max={quarterEnd(monthOf(todayInIndia()))}
              value={period}
              onChange={(e) => {
                setPeriod(e.currentTarget.value);
                setRegister(null);
                setGstr2b(null);
              }}
              description={reconcilePeriodDescription(quarterHint, frequency)}
              error={validPeriod ? null : 'Choose a month'}
            />
            <NumberInput label="Amount tolerance (₹)" placeholder="firm default" min={0} max={10000} value={tolerance} onChange={setTolerance} w={180} />
            <NumberInput label="Date window (days)" placeholder="firm default" min={0} max={366} value={windowDays} onChange={setWindowDays} w={180} />
          </Group>
        </Card>
        <Grid>
          <Grid.Col span={{ base: 12, md: 6 }}>
            <Card withBorder h="100%">
              <UploadSlot
                key={`register-${period}`}
                clientId={clientId}
                period={period}
                kind="purchase_register"
                title="Purchase register"
                hint="CSV or XLSX exported from Tally, Busy, Zoho or your own sheet"
                accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                existing={onFile.register}
                disabled={!validPeriod || closed}
                onUploaded={setRegister}
              />
            </Card>
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 6 }}>
            <Card withBorder h="100%">
              <UploadSlot
                key={`gstr2b-${period}`}
                clientId={clientId}
                period={period}
                kind="gstr2b"
                title="GSTR-2B"
                hint="The JSON or Excel file downloaded from the GST portal"
                accept=".json,.xlsx,application/json,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                existing={onFile.gstr2b}
                disabled={!validPeriod || closed}
                onUploaded={setGstr2b}
              />
            </Card>
          </Grid.Col>
        </Grid>
        {closed ? (
          <Alert color="gray" title={`${formatPeriod(period)} is closed`} role="status">
            Its files and reconciliation can no longer change. A firm admin can reopen it from the{' '}
            <Link to={`/clients/${clientId}/periods/${period}`}>period's page</Link>.
          </Alert>
        ) : null}
        {dateWarnings.length ? (
          <Alert color="yellow" title="Check the period before running">
            {dateWarnings.map((w) => (
              <Text key={w.message} size="sm">
                {w.message}
              </Text>
            ))}
          </Alert>
        ) : null}
        {error ? (
          <Alert color="red" role="alert">
            {error}
          </Alert>
        ) : null}
        <Group justify="space-between">
          <Text size="sm" c="dimmed">
            {closed ? 'A closed period cannot be reconciled again.' : registerId && gstr2bId ? `Ready to reconcile ${formatPeriod(period)}.` : 'Both files are needed before the match can run.'}
          </Text>
          <Button size="md" disabled={!registerId || !gstr2bId || !validPeriod || closed} loading={busy} onClick={() => void start()}>
            Start reconciliation
          </Button>
        </Group>
      </Stack>
    </>
  );
}
