/**
 * The firm's outside services (firm admins): its own SMTP server for client follow-ups and its GST
 * Suvidha Provider credentials. Passwords are write-only: the API says only whether one is stored,
 * the form never shows or pre-fills it, and every save sends a password again (behind
 * re-authentication), so a stored secret never travels back to a browser.
 */
import { Alert, Badge, Button, Card, Group, NumberInput, PasswordInput, SimpleGrid, Switch, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { api } from '../http/client';
import type { GspSettings, SmtpSettings, SmtpTestResult } from '../http/types';
import { notifyDone } from '../lib/notify';
import { RefusalAlert, useAction } from './ActionModal';
import { QueryState } from './QueryState';
import { useReauth } from './Reauth';

function SecretCard<T extends { passwordSet: boolean }>({
  title,
  path,
  intro,
  children,
  toBody,
  after,
}: {
  title: string;
  path: string;
  intro: string;
  children: (initial: T) => ReactNode;
  toBody: (form: HTMLFormElement) => Record<string, unknown>;
  /** Below the form, outside it (its buttons never submit the form). */
  after?: (stored: T) => ReactNode;
}) {
  const queryClient = useQueryClient();
  const reauth = useReauth();
  const settings = useQuery({ queryKey: ['settings', path], queryFn: () => api.get<T>(path) });
  const save = useAction();
  return (
    <Card withBorder>
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h4">
          {title}
        </Title>
        {settings.data ? <Badge color={settings.data.passwordSet ? 'green' : 'gray'}>{settings.data.passwordSet ? 'Password stored' : 'No password stored'}</Badge> : null}
      </Group>
      <Text size="sm" c="dimmed" mb="sm">
        {intro}
      </Text>
      <QueryState query={settings} label={title}>
        {(initial) => (
          <form
            aria-label={title}
            onSubmit={(e) => {
              e.preventDefault();
              const form = e.currentTarget;
              void save.run(async () => {
                await reauth(() => api.put(path, toBody(form)));
                form.reset();
                await queryClient.invalidateQueries({ queryKey: ['settings', path] });
                notifyDone(`${title} saved. The password is stored encrypted and is not shown again.`);
              });
            }}
          >
            {children(initial)}
            {save.error ? <RefusalAlert error={save.error} title="Not saved" /> : null}
            <Button type="submit" mt="sm" loading={save.busy}>
              Save {title}
            </Button>
          </form>
        )}
      </QueryState>
      {after && settings.data ? after(settings.data) : null}
    </Card>
  );
}

const value = (form: HTMLFormElement, name: string) => (form.elements.namedItem(name) as HTMLInputElement | null)?.value ?? '';

const passwordField = (passwordSet: boolean) => (
  <PasswordInput
    name="password"
    label="Password"
    required
    autoComplete="new-password"
    description={passwordSet ? 'A password is stored. Enter it again (or a new one) to save: it is never shown.' : 'Stored encrypted; never shown again.'}
  />
);

/**
 * One message to the signed-in admin through the saved settings (not the form's unsaved values),
 * so a wrong port or password shows here, in the server's own words, rather than in a missed
 * follow-up. The API masks the user name and password in that text.
 */
function SmtpTestButton({ stored }: { stored: SmtpSettings }) {
  const test = useAction();
  const [sent, setSent] = useState<SmtpTestResult | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const hintId = useId();
  const wasBusy = useRef(false);
  useEffect(() => {
    // While busy the button is disabled, and a disabled button loses the focus: give it back, so a
    // keyboard user carries on from the button rather than from the top of the page.
    if (wasBusy.current && !test.busy && document.activeElement === document.body) button.current?.focus();
    wasBusy.current = test.busy;
  }, [test.busy]);
  return (
    <div>
      <Group mt="md" gap="sm">
        <Button
          ref={button}
          variant="default"
          loading={test.busy}
          disabled={!stored.host}
          aria-describedby={hintId}
          onClick={() => {
            setSent(null);
            void test.run(async () => setSent(await api.post<SmtpTestResult>('/api/settings/smtp/test')));
          }}
        >
          Send test email
        </Button>
        <Text size="sm" c="dimmed" id={hintId}>
          {stored.host ? 'Sends one message to your own address through the saved settings.' : 'Save the settings first.'}
        </Text>
      </Group>
      {/* Always in the page, so screen readers announce what is put in it; a refusal is an alert of its own. */}
      <div role="status" aria-label="Test email result" data-testid="smtp-test-result">
        {sent ? (
          <Alert color="green" title="Test email sent" role="group" mt="sm">
            The server accepted it; look for “Taalmel: SMTP test” in your inbox.
          </Alert>
        ) : null}
      </div>
      {test.error ? <RefusalAlert error={test.error} title="Test email not sent" /> : null}
    </div>
  );
}

export function SmtpSettingsCard() {
  const [secure, setSecure] = useState<boolean | null>(null);
  return (
    <SecretCard<SmtpSettings>
      title="SMTP server"
      path="/api/settings/smtp"
      intro="Client follow-ups are sent from the firm's own mail server when one is set here; otherwise from the platform's."
      toBody={(form) => ({ host: value(form, 'host').trim(), port: Number(value(form, 'port')), secure: secure ?? false, user: value(form, 'user'), password: value(form, 'password'), from: value(form, 'from').trim() })}
      after={(stored) => <SmtpTestButton stored={stored} />}
    >
      {(s) => (
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput name="host" label="Host" required defaultValue={s.host ?? ''} />
          <NumberInput name="port" label="Port" required min={1} max={65535} defaultValue={s.port ?? 587} />
          <TextInput name="user" label="User name" defaultValue={s.user ?? ''} autoComplete="off" />
          {passwordField(s.passwordSet)}
          <TextInput name="from" label="From address" required defaultValue={s.from ?? ''} placeholder="Sharma & Co <accounts@sharmaco.example>" />
          <Switch label="TLS from the start (port 465)" checked={secure ?? s.secure ?? false} onChange={(e) => setSecure(e.currentTarget.checked)} mt="lg" />
        </SimpleGrid>
      )}
    </SecretCard>
  );
}

export function GspSettingsCard() {
  return (
    <SecretCard<GspSettings>
      title="GSP credentials"
      path="/api/settings/gsp"
      intro="The firm's GST Suvidha Provider account, used to fetch returns from the GST portal."
      toBody={(form) => ({ provider: value(form, 'provider').trim(), username: value(form, 'username').trim(), ...(value(form, 'clientId').trim() ? { clientId: value(form, 'clientId').trim() } : {}), password: value(form, 'password') })}
    >
      {(s) => (
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput name="provider" label="Provider" required defaultValue={s.provider ?? ''} />
          <TextInput name="username" label="GSP user name" required defaultValue={s.username ?? ''} autoComplete="off" />
          <TextInput name="clientId" label="Client id" defaultValue={s.clientId ?? ''} autoComplete="off" />
          {passwordField(s.passwordSet)}
        </SimpleGrid>
      )}
    </SecretCard>
  );
}
