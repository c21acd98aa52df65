import { Stack, Text } from '@mantine/core';
import type { Notification } from '../http/types';
import { formatDateTime } from '../lib/format';

/** Notifications in words (new kinds show their kind until they get a sentence here). */
export function describeNotification(n: Notification): string {
  const p = n.payload as Record<string, string | undefined>;
  switch (n.kind) {
    case 'sign_in_new_ip':
      return `New sign-in from ${p.ip ?? 'an unknown address'}${p.deviceName ? ` on “${p.deviceName}”` : ''}. If this was not you, sign that device out under My account.`;
    default:
      return n.kind.replace(/_/g, ' ');
  }
}

export function NotificationList({ items }: { items: Notification[] }) {
  return (
    <Stack gap="xs" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
      {items.map((n) => (
        <li key={n.id}>
          <Text size="sm" fw={n.readAt ? undefined : 600}>{describeNotification(n)}</Text>
          <Text size="xs" c="dimmed">
            {formatDateTime(n.createdAt)}
          </Text>
        </li>
      ))}
    </Stack>
  );
}
