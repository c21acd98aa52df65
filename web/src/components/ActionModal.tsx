/**
 * A form in a dialog that sends one request: the busy state, the API's refusal shown in the dialog
 * (with each bad field named, as `invalid_input` details list them), and the dialog closing only on
 * success. Pages use it for every state-changing action that needs input (snooze, file with ARN…).
 *
 * A form whose fields show the API's own words under themselves passes its fields as a function of
 * `fieldError(name)` (read from the refusal's `details.fields`, docs/api.md 400 `invalid_input`) and
 * gives that to each input's `error`, which marks it `aria-invalid` and adds the words to its
 * `aria-describedby`. Such a form leaves checking to the API (`noValidate`), and after a refusal the
 * first field named gets the focus; the alert still announces the refusal and lists every field,
 * including one the form has no input for.
 */
import { Alert, Button, Group, List, Modal, Stack } from '@mantine/core';
import { useEffect, useRef, useState, type ReactNode } from 'react';
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

export type FieldError = (name: string) => string | undefined;

/** The API's message for a field, by its name in the request (`dueDate`, `financialYears.1` → `financialYears`). */
export function fieldErrors(error: unknown): FieldError {
  const fields = error instanceof ApiError ? ((error.details.fields as Record<string, string> | undefined) ?? {}) : {};
  return (name) => fields[name] ?? Object.entries(fields).find(([k]) => k.startsWith(`${name}.`))?.[1];
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
  /**
   * A check the browser cannot make (a required Mantine Select is read-only, which the browser's own
   * check skips): false sends nothing, and the form shows why at its field (marked `aria-invalid`,
   * which then takes the focus).
   */
  check?: () => boolean;
  /** After success (the dialog closes itself). */
  onDone?: () => unknown;
  disabled?: boolean;
  size?: string;
  /** The alert's title when the API refuses. */
  refusalTitle?: string;
  /** The fields; a function of `fieldError` when each shows the API's words under itself. */
  children: ReactNode | ((fieldError: FieldError) => ReactNode);
};

export function ActionModal({ opened, onClose, title, submitLabel, submitColor, onSubmit, onDone, check, disabled, size, refusalTitle, children }: Props) {
  const action = useAction();
  const [checksFailed, setChecksFailed] = useState(0);
  const form = useRef<HTMLFormElement>(null);
  const perField = typeof children === 'function';
  const close = () => {
    action.reset();
    onClose();
  };
  // After a refusal, the first field it names takes the focus: its label and words are read out, and
  // the person types the correction there.
  useEffect(() => {
    if (perField && action.error) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [perField, action.error]);
  // A failed check: its field says why, and takes the focus as a refused field does.
  useEffect(() => {
    if (checksFailed) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [checksFailed]);
  return (
    <Modal opened={opened} onClose={close} title={title} size={size}>
      <form
        ref={form}
        noValidate={perField}
        onSubmit={(e) => {
          e.preventDefault();
          if (check && !check()) {
            setChecksFailed((n) => n + 1);
            return;
          }
          void action.run(onSubmit).then(async (ok) => {
            if (!ok) return;
            close();
            await onDone?.();
          });
        }}
      >
        <Stack>
          {typeof children === 'function' ? children(fieldErrors(action.error)) : children}
          {action.error ? <RefusalAlert error={action.error} title={refusalTitle} /> : null}
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
