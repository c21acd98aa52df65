/**
 * A form in a dialog that sends one request: the busy state, the API's refusal shown in the dialog
 * (with each bad field named, as `invalid_input` details list them), and the dialog closing only on
 * success. Pages use it for every state-changing action that needs input (snooze, file with ARN…).
 */
import { Alert, Button, Group, List, Modal, Stack } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { ApiError } from '../http/client';
import { errorText } from './QueryState';

/** The refusal as shown: the API's message, and each field it names. */
export function RefusalAlert({ error, title = 'That did not work' }: { error: unknown; title?: string }) {
  const fields = error instanceof ApiError ? ((error.details.fields as Record<string, string> | undefined) ?? {}) : {};
  return (
    <Alert color="red" title={title} role="alert">
      {errorText(error)}
      {Object.keys(fields).length ? (
        <List size="sm" mt={4}>
          {Object.entries(fields).map(([field, problem]) => (
            <List.Item key={field}>
              {field}: {problem}
            </List.Item>
          ))}
        </List>
      ) : null}
    </Alert>
  );
}

/** Runs an action with busy and error state; the error is cleared when it runs again. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function run(action: () => Promise<unknown>): Promise<boolean> {
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 'reauth_cancelled')) setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, run, reset: () => setError(null) };
}

type Props = {
  opened: boolean;
  onClose: () => void;
  title: string;
  submitLabel: string;
  submitColor?: string;
  /** Sends the request; a thrown error stays in the dialog. */
  onSubmit: () => Promise<unknown>;
  /** After success (the dialog closes itself). */
  onDone?: () => unknown;
  disabled?: boolean;
  size?: string;
  children: ReactNode;
};

export function ActionModal({ opened, onClose, title, submitLabel, submitColor, onSubmit, onDone, disabled, size, children }: Props) {
  const action = useAction();
  const close = () => {
    action.reset();
    onClose();
  };
  return (
    <Modal opened={opened} onClose={close} title={title} size={size}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(onSubmit).then(async (ok) => {
            if (!ok) return;
            close();
            await onDone?.();
          });
        }}
      >
        <Stack>
          {children}
          {action.error ? <RefusalAlert error={action.error} /> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={action.busy} disabled={disabled} color={submitColor}>
              {submitLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
