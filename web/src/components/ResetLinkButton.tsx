/**
 * A firm admin's "Send password reset link" on the users page (`POST /api/users/:id/password-reset`,
 * docs/web-app.md): a confirm dialog first, since it ends the user's earlier links; the link goes to
 * the user's own mailbox, never to the admin. A refusal (422 `user_inactive`, 429 with its
 * `Retry-After`) stays in the dialog in the API's words (web/src/lib/password-reset.ts).
 */
import { Button, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useRef } from 'react';
import { api, ApiError } from '../http/client';
import { formatDateTime } from '../lib/format';
import { notifyDone } from '../lib/notify';
import { resetConfirmText, resetRefusalText } from '../lib/password-reset';
import { ActionModal } from './ActionModal';

export function ResetLinkButton({ user }: { user: { id: string; name: string; email: string } }) {
  const [opened, { open, close }] = useDisclosure(false);
  const expiresAt = useRef<string | null>(null);
  const send = () =>
    api.post<{ expiresAt?: string }>(`/api/users/${user.id}/password-reset`).then((sent) => {
      expiresAt.current = sent?.expiresAt ?? null;
    }, (e: unknown) => {
      // The dialog shows an error's message: give it the API's own, with the wait a 429 names.
      throw e instanceof ApiError ? new ApiError(e.status, e.code, resetRefusalText(e), e.details, e.retryAfterSeconds) : e;
    });
  return (
    <>
      <Button size="xs" variant="subtle" onClick={open} aria-label={`Send password reset link to ${user.name}`}>
        Send password reset link
      </Button>
      <ActionModal
        opened={opened}
        onClose={close}
        title="Send password reset link"
        submitLabel="Send link"
        refusalTitle="The link was not sent"
        onSubmit={send}
        onDone={() => notifyDone(`A password reset link is on its way to ${user.email}.${expiresAt.current ? ` It works until ${formatDateTime(expiresAt.current)}.` : ''}`)}
      >
        <Text size="sm">{resetConfirmText(user)}</Text>
      </ActionModal>
    </>
  );
}
