/**
 * Sensitive routes answer 403 `reauth_required` unless the password was confirmed in the last few
 * minutes. `useReauth().run(action)` runs the action; on that refusal it asks for the password (and
 * the TOTP code when the person has one), confirms it, and runs the action once more, telling it so:
 * the code just confirmed is used up, so an action that carried a code of its own sends none then.
 */
import { Button, getDefaultZIndex, Group, Modal, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { createContext, useCallback, useContext, useRef, useState, type ReactNode } from 'react';
import { api, ApiError } from '../http/client';
import { useSession } from '../http/session';
import { errorText } from './QueryState';

/** `reauthenticated` is true on the run after the dialog: the action may leave out a second TOTP code (docs/api.md). */
type Run = <T>(action: (reauthenticated: boolean) => Promise<T>) => Promise<T>;
const ReauthContext = createContext<Run | null>(null);

export function ReauthProvider({ children }: { children: ReactNode }) {
  const { user } = useSession();
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const pending = useRef<{ resolve: () => void; reject: (e: unknown) => void } | null>(null);

  const ask = useCallback(
    () =>
      new Promise<void>((resolve, reject) => {
        pending.current = { resolve, reject };
        setPassword('');
        setTotp('');
        setError(null);
        setOpen(true);
      }),
    [],
  );

  const run = useCallback<Run>(
    async (action) => {
      try {
        return await action(false);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 'reauth_required')) throw e;
        await ask();
        return action(true);
      }
    },
    [ask],
  );

  async function confirm() {
    setBusy(true);
    setError(null);
    try {
      await api.post('/api/auth/reauth', { password, ...(totp ? { totp } : {}) });
      setOpen(false);
      pending.current?.resolve();
      pending.current = null;
    } catch (e) {
      setError(reauthErrorText(e));
    } finally {
      setBusy(false);
    }
  }

  function cancel() {
    setOpen(false);
    pending.current?.reject(new ApiError(403, 'reauth_cancelled', 'Cancelled: nothing was changed.'));
    pending.current = null;
  }

  return (
    <ReauthContext.Provider value={run}>
      {children}
      {/* Above the page's own dialogs: "New user" and "Reopen" ask for it from inside a modal, whose overlay would cover it. */}
      <Modal opened={open} onClose={cancel} title="Confirm it is you" centered zIndex={getDefaultZIndex('overlay')}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void confirm();
          }}
        >
          <Stack>
            <Text size="sm">This changes something sensitive. Enter your password to continue; you will not be asked again for a few minutes.</Text>
            <PasswordInput label="Password" value={password} onChange={(e) => setPassword(e.currentTarget.value)} required data-autofocus autoComplete="current-password" />
            {user?.totpEnabled ? (
              <TextInput label="Authenticator code" value={totp} onChange={(e) => setTotp(e.currentTarget.value)} required inputMode="numeric" maxLength={6} autoComplete="one-time-code" />
            ) : null}
            {error ? (
              <Text c="red" size="sm" role="alert">
                {error}
              </Text>
            ) : null}
            <Group justify="flex-end">
              <Button variant="default" onClick={cancel}>
                Cancel
              </Button>
              <Button type="submit" loading={busy}>
                Confirm
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </ReauthContext.Provider>
  );
}

/** The refusals of `POST /api/auth/reauth` (docs/api.md), in the words the sign-in page uses. */
function reauthErrorText(e: unknown): string {
  if (!(e instanceof ApiError)) return errorText(e);
  if (e.code === 'invalid_credentials') return 'That password is not right.';
  if (e.code === 'totp_required') return 'Enter the 6-digit code from your authenticator app.';
  if (e.code === 'invalid_totp') return 'That authenticator code is not right (or was already used). Wait for the next one.';
  return errorText(e);
}

export function useReauth(): Run {
  const run = useContext(ReauthContext);
  if (!run) throw new Error('useReauth outside ReauthProvider');
  return run;
}
